"""Matching jobs: the matching a search terms import queues, visible on the pages while a worker runs it.

The newest import's matching wins. Jobs are created in the import's final transaction, so their order is the order
in which the imports landed. A job that finds a newer one queued, running or done when it starts ends at once as
superseded (the newer one will match every term, its import's included); a job that finishes after a newer one
has saved discards its own result (``match_search_terms(still_newest=...)`` checks under a lock on the
organization), so an older, slower matching can never overwrite a newer one.
"""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import TYPE_CHECKING

from django.db import transaction

from campaigns.models import JobStatus, MatchingJob, Organization, ReportImport
from campaigns.services import queue
from campaigns.services.jobs import JobRunner
from campaigns.services.page_sql import from_db, table
from campaigns.services.queue import RetryLater as RetryLater  # what a failed attempt raises (run_job)

if TYPE_CHECKING:
    from ml.matching.embeddings import Embedder

_jobs: JobRunner[MatchingJob] = JobRunner(MatchingJob, fresh={"progress": 0})
claim = _jobs.claim
seconds_until_reclaimable = _jobs.seconds_until_reclaimable
ALIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED)


def queue_matching(organization: Organization, report_import: ReportImport | None = None) -> MatchingJob:
    """Create a matching job and queue it once the caller's transaction commits."""
    job = MatchingJob.objects.create(organization=organization, report_import=report_import)
    transaction.on_commit(lambda: queue.delay("campaigns.tasks.run_matching_job", job.pk))
    return job


def newer_job(job: MatchingJob, statuses: tuple[str, ...] = ALIVE) -> int | None:
    """The newest job of the same organization created after ``job`` with one of ``statuses``, if any."""
    return (
        MatchingJob.objects.filter(organization_id=job.organization_id, pk__gt=job.pk, status__in=statuses)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def run_job(job_id: int, *, embedder: Embedder | None = None) -> MatchingJob | None:
    """Run a queued job; None when there was nothing to claim (a duplicate delivery, a finished or missing job).

    Raises:
        RetryLater: the attempt failed and the job is queued again for another attempt.
    """
    from campaigns.services.matching import match_search_terms

    if not claim(job_id):
        return None
    job = MatchingJob.objects.select_related("organization").get(pk=job_id)
    newer = newer_job(job)
    if newer is not None:
        _jobs.finish(job_id, JobStatus.CANCELLED, result={"superseded_by": newer})
        job.refresh_from_db()
        return job
    try:
        result = match_search_terms(
            job.organization,
            embedder=embedder,
            progress=lambda percent: _progress(job_id, percent),
            still_newest=lambda: newer_job(job, (JobStatus.SUCCEEDED,)) is None,
        )
    except Exception as exc:  # the model, the database, the disk, a bug: counted, retried, then failed
        _jobs.attempt_failed(job, exc)
    else:
        if result.saved:
            _jobs.finish(job_id, JobStatus.SUCCEEDED, progress=100, terms=result.terms, result=asdict(result))
        else:
            _jobs.finish(job_id, JobStatus.CANCELLED, result={"superseded_by": newer_job(job, (JobStatus.SUCCEEDED,))})
    job.refresh_from_db()
    return job


def _progress(job_id: int, percent: int) -> None:
    MatchingJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(progress=percent)


def latest_and_shown(organization: Organization) -> tuple[MatchingJob | None, MatchingJob | None]:
    """The organization's newest matching job (queued, running or finished, for its progress) and the one whose
    result the pages show (its newest that succeeded), with the file name and time of their import: in one query
    (the pages ask on every view), in SQL (the ORM's building of it was nine tenths of its time), of the columns
    the pages say (campaigns/_matching_job.html, _matching_shown.html)."""
    params = [organization.pk, organization.pk, organization.pk, JobStatus.SUCCEEDED.value]
    found = list(MatchingJob.objects.raw(_latest_and_shown_sql(), params))
    for job in found:
        job_import = None
        if job.report_import_id is not None:
            columns = vars(job)  # the query's columns beyond the job's own fields
            created_at = from_db(ReportImport, "created_at", columns["import_at"])
            values = [job.report_import_id, columns["import_filename"], created_at]
            job_import = ReportImport.from_db(job._state.db, ["id", "filename", "created_at"], values)
        job.report_import = job_import
    shown = next((job for job in found if job.status == JobStatus.SUCCEEDED), None)
    return (found[0] if found else None), shown


@functools.cache
def _latest_and_shown_sql() -> str:
    jobs = table(MatchingJob)
    return (
        "SELECT j.id, j.status, j.progress, j.terms, j.error, j.result, j.finished_at, j.report_import_id, "
        f"r.filename AS import_filename, r.created_at AS import_at FROM {jobs} j "
        f"LEFT JOIN {table(ReportImport)} r ON r.id = j.report_import_id WHERE j.organization_id = %s "
        f"AND (j.id = (SELECT MAX(id) FROM {jobs} WHERE organization_id = %s) "
        f"OR j.id = (SELECT MAX(id) FROM {jobs} WHERE organization_id = %s AND status = %s)) ORDER BY j.id DESC"
    )
