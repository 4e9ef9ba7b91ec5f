"""What every kind of background job does the same way in the worker: claim the job once, reclaim it when its
worker was lost, count a failed attempt and queue it again (or fail it), and end it.

A job is claimed with a conditional update (queued → running), so a duplicate or redelivered message claims
nothing. A worker killed mid-job leaves the job running; a later delivery may reclaim it once the task's hard time
limit has passed since it started, because by then no attempt can still be alive, and a delivery that finds the job
running asks to be run again at that moment (``seconds_until_reclaimable``). A job whose last attempt's worker was
lost fails instead of hanging.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from campaigns.models.jobs import BackgroundJob, JobStatus
from campaigns.services.queue import RetryLater

MAX_ATTEMPTS = 3

Job = TypeVar("Job", bound=BackgroundJob)


class JobRunner(Generic[Job]):
    """The worker's side of the jobs of one ``model``.

    Args:
        model: the concrete job model.
        fresh: fields every attempt starts from, besides the status and the error (the import's progress).
        max_attempts: attempts before the job fails.
    """

    def __init__(
        self, model: type[Job], *, fresh: Mapping[str, Any] | None = None, max_attempts: int = MAX_ATTEMPTS
    ) -> None:
        self.model = model
        self.fresh = dict(fresh or {})
        self.max_attempts = max_attempts

    def ended(self, job_id: int) -> None:
        """Called once a job has ended in a worker (succeeded, refused, failed, lost): release what it held."""

    def claim(self, job_id: int) -> bool:
        """Queued → running, once: a duplicate delivery claims nothing. A job left running by a killed worker is
        reclaimed after the task's hard time limit, when no attempt can still be alive (failed if it was the
        last)."""
        now = timezone.now()
        stale = now - _reclaim_after()
        rows = self.model._default_manager
        lost = rows.filter(
            pk=job_id, status=JobStatus.RUNNING, started_at__lt=stale, attempts__gte=self.max_attempts
        ).update(
            status=JobStatus.FAILED,
            finished_at=now,
            error=gettext("Failed after %(attempts)s attempts: the worker running the last one was lost.")
            % {"attempts": self.max_attempts},
        )
        if lost:
            self.ended(job_id)
        claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=stale)
        return (
            rows.filter(claimable, pk=job_id, attempts__lt=self.max_attempts).update(
                status=JobStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, error="", **self.fresh
            )
            == 1
        )

    def seconds_until_reclaimable(self, job_id: int) -> int | None:
        """For a job running elsewhere: how long until a delivery may reclaim it (if its worker was killed, the
        message is redelivered at once, while the job still looks alive); None when there is nothing to wait
        for."""
        started_at = (
            self.model._default_manager.filter(pk=job_id, status=JobStatus.RUNNING)
            .values_list("started_at", flat=True)
            .first()
        )
        if started_at is None:
            return None
        stale_at = started_at + _reclaim_after()
        return max(1, math.ceil((stale_at - timezone.now()).total_seconds()) + 1)

    def finish(self, job_id: int, status: str, **fields: Any) -> None:
        """End a running job with ``status`` (and ``fields``); a job that is no longer running is left alone."""
        self.model._default_manager.filter(pk=job_id, status=JobStatus.RUNNING).update(
            status=status, finished_at=timezone.now(), **fields
        )
        self.ended(job_id)

    def attempt_failed(self, job: Job, exc: Exception) -> None:
        """Count a failed attempt: queue the job again (raising RetryLater, for the task's backoff) or, after the
        last attempt, fail it with the reason.

        Raises:
            RetryLater: the job is queued again.
        """
        reason = f"{type(exc).__name__}: {exc}"[:500]
        job.refresh_from_db()
        if job.attempts < self.max_attempts:
            requeued = self.model._default_manager.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.QUEUED, error=reason
            )
            if requeued:
                raise RetryLater(f"{job.kind} job", job.pk, job.attempts, reason) from exc
            return
        failed = gettext("Failed after %(attempts)s attempts: %(reason)s")
        failed %= {"attempts": job.attempts, "reason": reason}
        self.finish(job.pk, JobStatus.FAILED, error=failed)


def _reclaim_after() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
