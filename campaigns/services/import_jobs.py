"""Import jobs: an uploaded report is stored, then a worker imports it whole (or refuses it) while the marketer
watches its progress.

Lifecycle. ``create_job`` moves the upload into IMPORT_UPLOAD_DIR (a rename of Django's own temporary copy when
there is one: one file on disk, never two), reads the file's head (encoding, header, layout: cheap) and refuses a
file that is not a report at once, keeping nothing; otherwise it saves the job and queues ``run_import_job`` after
the commit. ``run_job`` claims the job (queued → running, once; claiming, reclaiming and retrying are
``campaigns.services.jobs``, shared with generation jobs) and imports the file with ``import_report``: rows stream
into a staging table chunk by chunk, the job's progress is committed after each chunk, and one final transaction
moves the rows home, so **the import lands whole or not at all**. A refusal (``ReportError``) fails the job with the
line, column and reason, written in the language the file was uploaded in (the page's, kept on the queued job as
``result["language"]``: a worker has no request); any other failure is retried up to ``MAX_ATTEMPTS`` and then
fails the job. **The stored file is removed whenever the job ends**: success, refusal, the last failed attempt, or
a worker lost on its last attempt (found by the next delivery's claim).
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation

from campaigns.models import ImportJob, JobStatus, Organization
from campaigns.models.organizations import saved_user
from campaigns.reports import ReportError, ReportReader
from campaigns.services import queue
from campaigns.services.importing import ReadProgress, import_report
from campaigns.services.jobs import JobRunner
from campaigns.services.queue import RetryLater as RetryLater  # what a failed attempt raises (run_job)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

READING_SHARE = 90  # percent of the bar for reading the file; the rest is the final move of the rows home


def upload_dir() -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR)


def stored_path(job: ImportJob) -> Path:
    return upload_dir() / job.stored_name


# --- creating (in the web process) ----------------------------------------------------------------------------


def create_job(
    organization: Organization,
    upload: UploadedFile,
    *,
    user: User | AnonymousUser | None = None,
    decimal: str | None = None,
) -> ImportJob:
    """Store the upload and queue its import; a file whose head is not a report raises ReportError, and then
    neither the file nor a job is kept."""
    path = _store(upload)
    try:
        ReportReader(path, decimal=decimal)  # the head only: encoding, header, layout
        with transaction.atomic():
            job = ImportJob.objects.create(
                organization=organization,
                filename=Path(upload.name or "report").name[:255],
                stored_name=path.name,
                size_bytes=path.stat().st_size,
                decimal=decimal or "",
                created_by=saved_user(user),
                result={"language": translation.get_language() or settings.LANGUAGE_CODE},
            )
            transaction.on_commit(lambda: _queue(job.pk))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


def _store(upload: UploadedFile) -> Path:
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{uuid.uuid4().hex}.report"
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        try:
            # Django's copy of a large upload is already on disk: moving it is a rename when both folders share a
            # filesystem (FILE_UPLOAD_TEMP_DIR is under IMPORT_UPLOAD_DIR), and its close() tolerates the move.
            shutil.move(temporary(), target)
            return target
        except OSError:
            target.unlink(missing_ok=True)
            raise
    try:
        with target.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _queue(job_id: int) -> None:
    queue.delay("campaigns.tasks.run_import_job", job_id)


# --- running (in the worker) ----------------------------------------------------------------------------------


class _ImportJobs(JobRunner[ImportJob]):
    def ended(self, job_id: int) -> None:
        remove_upload(job_id)  # the stored file goes whenever the job ends


_jobs = _ImportJobs(ImportJob, fresh={"progress": 0, "rows_read": 0})
claim = _jobs.claim
seconds_until_reclaimable = _jobs.seconds_until_reclaimable


def run_job(job_id: int, *, chunk_rows: int = 50_000) -> ImportJob | None:
    """Run a queued job; None when there was nothing to claim (a duplicate delivery, a finished or missing job).
    Every message the job keeps is in the language the file was uploaded in.

    Raises:
        RetryLater: the attempt failed and the job is queued again for another attempt.
    """
    stored = ImportJob.objects.filter(pk=job_id).values_list("result", flat=True).first() or {}
    with translation.override(stored.get("language") or settings.LANGUAGE_CODE):
        return _run_job(job_id, chunk_rows)


def _run_job(job_id: int, chunk_rows: int) -> ImportJob | None:
    if not claim(job_id):
        return None
    job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)
    try:
        result = import_report(
            job.organization,
            stored_path(job),
            user=job.created_by,
            decimal=job.decimal or None,
            filename=job.filename,
            chunk_rows=chunk_rows,
            progress=lambda reader: _progress(job_id, reader),
        )
    except ReportError as exc:
        _jobs.finish(job_id, JobStatus.FAILED, error=exc.reason, error_line=exc.line, error_column=exc.column or "")
    except Exception as exc:  # the database, the disk, a bug: counted, retried, then failed
        _jobs.attempt_failed(job, exc)
    else:
        _jobs.finish(
            job_id,
            JobStatus.SUCCEEDED,
            progress=100,
            rows_read=result.rows,
            report_import_id=result.report_import_id,
            result={
                key: value.isoformat() if isinstance(value, date) else value for key, value in asdict(result).items()
            },
        )
    job.refresh_from_db()
    return job


def _progress(job_id: int, reader: ReadProgress) -> None:
    ImportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        rows_read=reader.rows_read, progress=int(READING_SHARE * reader.fraction_read)
    )


def remove_upload(job_id: int) -> None:
    """Delete a finished job's stored file (idempotent: a second call finds nothing to delete)."""
    name = ImportJob.objects.filter(pk=job_id).values_list("stored_name", flat=True).first()
    if name:
        (upload_dir() / name).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job_id).update(stored_name="")
