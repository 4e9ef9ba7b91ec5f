"""Import jobs: one uploaded report, stored until a worker has imported it whole or refused it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from campaigns.models.jobs import FINISHED_STATUSES, JobStatus
from campaigns.models.metrics import ReportImport
from campaigns.models.organizations import Organization


class ImportJob(models.Model):
    """An uploaded report waiting for, or done with, its import; ``stored_name`` is its file under
    IMPORT_UPLOAD_DIR while the job is unfinished, and empty once the file has been removed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_jobs")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    filename = models.CharField(max_length=255, help_text="the name the marketer's file had")
    stored_name = models.CharField(max_length=64, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField(default=0)
    decimal = models.CharField(max_length=1, blank=True, default="")
    rows_read = models.PositiveBigIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent, while running")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    error_line = models.PositiveBigIntegerField(null=True, blank=True)
    error_column = models.CharField(max_length=255, blank=True, default="")
    report_import = models.ForeignKey(ReportImport, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"], name="importjob_org_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="importjob_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="importjob_progress_le_100"),
        ]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.status})"

    @property
    def progress_percent(self) -> int:
        return 100 if self.status == JobStatus.SUCCEEDED else self.progress

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES
