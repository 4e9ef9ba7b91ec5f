"""Generation jobs: one marketer request for LLM suggestions, with its progress, so it can be watched and cancelled."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from campaigns.models.organizations import Organization
from campaigns.models.structure import AdGroup, Campaign


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class GenerationJob(models.Model):
    """A request to generate keywords and ad text for a campaign (or one ad group), run by a worker on queue llm."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="generation_jobs")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="generation_jobs")
    ad_group = models.ForeignKey(AdGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    product_text = models.TextField(blank=True, default="", help_text="the product in the marketer's words (untrusted)")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total_requests = models.PositiveIntegerField(default=0)
    done_requests = models.PositiveIntegerField(default=0)
    tokens_generated = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    # Generated lines not saved as suggestions, and why: [{"ad_group", "field", "index", "reason", "detail", "text"}]
    # (``campaigns.services.generation_jobs.dropped_lines``), shown as "Lines not suggested and why".
    dropped = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status"], name="generationjob_org_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="generationjob_status_valid"),
            models.CheckConstraint(condition=Q(done_requests__lte=models.F("total_requests")),
                                   name="generationjob_done_le_total"),
        ]

    def __str__(self) -> str:
        return f"generation #{self.pk} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return 0 if not self.total_requests else int(100 * self.done_requests / self.total_requests)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES
