"""Import jobs: one uploaded report, stored until a worker has imported it whole or refused it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from campaigns.models.jobs import BackgroundJob, JobStatus
from campaigns.models.metrics import ReportImport
from campaigns.models.organizations import Organization


class ImportJob(BackgroundJob):
    """An uploaded report waiting for, or done with, its import; ``stored_name`` is its file under
    IMPORT_UPLOAD_DIR while the job is unfinished, and empty once the file has been removed."""

    kind = "import"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_jobs")
    filename = models.CharField(max_length=255, help_text="the name the marketer's file had")
    stored_name = models.CharField(max_length=64, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField(default=0)
    decimal = models.CharField(max_length=1, blank=True, default="")
    rows_read = models.PositiveBigIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent, while running")
    error_line = models.PositiveBigIntegerField(null=True, blank=True)
    error_column = models.CharField(max_length=255, blank=True, default="")
    report_import = models.ForeignKey(ReportImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(BackgroundJob.Meta):
        indexes = [models.Index(fields=["organization", "status"], name="importjob_org_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="importjob_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="importjob_progress_le_100"),
        ]

    @property
    def progress_percent(self) -> int:
        return 100 if self.status == JobStatus.SUCCEEDED else self.progress


class MatchingJob(BackgroundJob):
    """Matching the organization's search terms to its ad groups (negatives, new ad groups), queued by a search
    terms import. The newest import's matching wins: a job that a newer one supersedes ends cancelled with
    ``result["superseded_by"]``, and an older job never overwrites a newer job's saved result."""

    kind = "matching"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="matching_jobs")
    report_import = models.ForeignKey(
        ReportImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matching_jobs",
        help_text="the import that queued it (none for a matching started by hand)",
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent, while running")
    terms = models.PositiveIntegerField(default=0, help_text="search terms matched")

    class Meta(BackgroundJob.Meta):
        indexes = [models.Index(fields=["organization", "status"], name="matchingjob_org_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="matchingjob_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="matchingjob_progress_le_100"),
        ]

    @property
    def progress_percent(self) -> int:
        return 100 if self.status == JobStatus.SUCCEEDED else self.progress

    @property
    def superseded(self) -> bool:
        return self.status == JobStatus.CANCELLED and "superseded_by" in self.result
