"""Background jobs: a marketer's request that a worker runs while the marketer watches its progress.

``BackgroundJob`` holds what every kind shares (status, attempts, error, result, who and when); a concrete job adds
its organization (each with its own reverse name), what it works on and how it counts progress. Claiming a job,
reclaiming one whose worker was lost and failing an attempt are the same for every kind:
``campaigns.services.jobs.JobRunner``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from campaigns.models.organizations import Organization
from campaigns.models.structure import AdGroup, Campaign


class JobStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    RUNNING = "running", gettext_lazy("Running")
    SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
    FAILED = "failed", gettext_lazy("Failed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class BackgroundJob(models.Model):
    """The fields, order and answers every kind of job shares. ``kind`` names the kind: "import #3"."""

    kind: ClassVar[str] = "job"

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def progress_percent(self) -> int:
        """How far the job got, 0 to 100 (100 once it succeeded)."""
        raise NotImplementedError

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class GenerationJob(BackgroundJob):
    """A request to generate keywords and ad text for a campaign (or one ad group), run by a worker on queue llm."""

    kind = "generation"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="generation_jobs")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="generation_jobs")
    ad_group = models.ForeignKey(AdGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    product_text = models.TextField(blank=True, default="", help_text="the product in the marketer's words (untrusted)")
    selling_points = models.JSONField(
        default=list, blank=True, help_text="what sets the product apart, one phrase each (untrusted)"
    )
    brand_terms = models.JSONField(default=list, blank=True, help_text="brand and product names to keep as written")
    total_requests = models.PositiveIntegerField(default=0)
    done_requests = models.PositiveIntegerField(default=0)
    tokens_generated = models.PositiveBigIntegerField(default=0)
    # Generated lines not saved as suggestions, and why: [{"ad_group", "field", "index", "reason", "detail", "text"}]
    # (``campaigns.services.generation_jobs.dropped_lines``), shown as "Lines not suggested and why".
    dropped = models.JSONField(default=list, blank=True)

    class Meta(BackgroundJob.Meta):
        indexes = [models.Index(fields=["organization", "status"], name="generationjob_org_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="generationjob_status_valid"),
            models.CheckConstraint(
                condition=Q(done_requests__lte=models.F("total_requests")), name="generationjob_done_le_total"
            ),
        ]

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return 0 if not self.total_requests else int(100 * self.done_requests / self.total_requests)
