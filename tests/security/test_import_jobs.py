"""Import jobs: upload → job → progress → rows, and every way a job ends removes the stored file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from campaigns.models import ImportJob, ReportImport, SearchTerm, SearchTermDaily
from campaigns.services import import_jobs
from tests.security.conftest import left_in, report_rows

pytestmark = pytest.mark.django_db


def upload(organization, content: str, name: str = "terms.csv", **options) -> ImportJob:
    return import_jobs.create_job(organization, SimpleUploadedFile(name, content.encode()), **options)


def test_upload_job_progress_rows(organization, teammate, upload_dir, client):
    job = upload(organization, report_rows(120), user=teammate)
    assert [path.name for path in left_in(upload_dir)] == [job.stored_name]  # one stored file, nothing else
    seen: list[tuple[str, int, int]] = []

    def watch(execute, sql, params, many, context):
        # Each committed progress update as the job's row then reads (the database edge, not our code).
        result = execute(sql, params, many, context)
        if sql.startswith('UPDATE "campaigns_importjob"'):
            seen.append(ImportJob.objects.values_list("status", "rows_read", "progress").get(pk=job.pk))
        return result

    with connection.execute_wrapper(watch):
        finished = import_jobs.run_job(job.pk, chunk_rows=50)
    reading = [entry for entry in seen if entry[0] == "running" and entry[1]]
    assert [rows for _, rows, _ in reading] == [50, 100, 120]
    assert [progress for _, _, progress in reading] == sorted({progress for _, _, progress in reading})
    assert 0 < reading[0][2] < reading[-1][2] <= 90
    assert (finished.status, finished.rows_read, finished.progress_percent, finished.stored_name) == (
        "succeeded",
        120,
        100,
        "",
    )
    assert (finished.result["rows"], finished.result["date_from"], finished.result["date_to"]) == (
        120,
        "2026-09-01",
        "2026-09-28",
    )
    assert SearchTermDaily.objects.count() == 120
    report = ReportImport.objects.get()
    assert (report.pk, report.filename, report.created_by) == (finished.report_import_id, "terms.csv", teammate)
    assert left_in(upload_dir) == []
    client.force_login(teammate)
    fragment = client.get(reverse("campaigns:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert 'data-status="succeeded"' in fragment.content.decode()
    assert "Imported 120 rows (2026-09-01 – 2026-09-28)." in fragment.content.decode()
    # the imports page heads with the newest upload, its outcome read from the job's JSON result
    older = upload(organization, report_rows(3), user=teammate)
    ImportJob.objects.filter(pk=older.pk).update(created_at=job.created_at - dt.timedelta(minutes=1))
    page = client.get(reverse("campaigns:imports")).content.decode()
    assert 'id="import-job" data-status="succeeded"' in page
    assert "Imported 120 rows (2026-09-01 – 2026-09-28)." in page


def test_a_job_polled_while_running_keeps_polling(organization, teammate, upload_dir, client):
    job = upload(organization, report_rows(3))
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_read=2, progress=45)
    client.force_login(teammate)
    page = client.get(reverse("campaigns:imports")).content.decode()
    assert f'hx-get="{reverse("campaigns:import_job", args=[job.pk])}"' in page
    assert '<progress max="100" value="45">' in page


def test_a_refused_import_fails_the_job_writes_nothing_and_removes_the_file(organization, upload_dir):
    # A late row with a cell too long for the csv module, on the file's last line (no newline after it).
    content = report_rows(60, long_cell_line=62, long_cell_chars=140_000).rstrip("\n")
    job = upload(organization, content)
    finished = import_jobs.run_job(job.pk, chunk_rows=25)
    assert (finished.status, finished.error_line, finished.error_column, finished.stored_name) == (
        "failed",
        62,
        "Search term",
        "",
    )
    assert finished.error.startswith("a cell has over 32,768 characters ('xxx")
    assert len(finished.error) < 300
    assert (ReportImport.objects.count(), SearchTerm.objects.count(), SearchTermDaily.objects.count()) == (0, 0, 0)
    assert left_in(upload_dir) == []


def test_a_crashing_import_is_retried_then_failed_and_its_file_removed(organization, upload_dir):
    job = upload(organization, report_rows(3))
    ImportJob.objects.filter(pk=job.pk).update(decimal="x")  # a row the reader refuses with a ValueError
    for attempt in (1, 2):
        with pytest.raises(import_jobs.RetryLater):
            import_jobs.run_job(job.pk)
        job.refresh_from_db()
        assert (job.status, job.attempts, job.error) == ("queued", attempt, "ValueError: decimal must be ',' or '.'")
        assert left_in(upload_dir) == [upload_dir / job.stored_name]  # kept for the next attempt
    finished = import_jobs.run_job(job.pk)
    assert (finished.status, finished.attempts, finished.error, finished.stored_name) == (
        "failed",
        3,
        "Failed after 3 attempts: ValueError: decimal must be ',' or '.'",
        "",
    )
    assert left_in(upload_dir) == []
    assert import_jobs.run_job(job.pk) is None  # a late duplicate delivery claims nothing
    assert SearchTermDaily.objects.count() == 0


def test_a_worker_lost_on_the_last_attempt_fails_the_job_and_removes_the_file(organization, upload_dir, settings):
    job = upload(organization, report_rows(3))
    long_ago = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=3, started_at=long_ago)
    assert import_jobs.run_job(job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.error, job.stored_name) == (
        "failed",
        "Failed after 3 attempts: the worker running the last one was lost.",
        "",
    )
    assert left_in(upload_dir) == []


def test_the_api_job_reads_progress_and_is_scoped(api, outsider, organization, upload_dir):
    from rest_framework.test import APIClient

    job = upload(organization, report_rows(3))
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_read=2, progress=60)
    body = api.get(f"/api/import-jobs/{job.pk}/").json()
    assert {key: body[key] for key in ("status", "progress_percent", "rows_read", "finished", "detail")} == {
        "status": "running",
        "progress_percent": 60,
        "rows_read": 2,
        "finished": False,
        "detail": "",
    }
    stranger = APIClient()
    stranger.force_authenticate(outsider)
    assert stranger.get(f"/api/import-jobs/{job.pk}/").status_code == 404


def test_a_job_uploaded_in_spanish_fails_in_spanish_after_its_attempts(organization, upload_dir, settings):
    crashing = upload(organization, report_rows(3))
    ImportJob.objects.filter(pk=crashing.pk).update(decimal="x", result={"language": "es"})
    for _ in (1, 2):
        with pytest.raises(import_jobs.RetryLater):
            import_jobs.run_job(crashing.pk)
    assert import_jobs.run_job(crashing.pk).error == "Falló tras 3 intentos: ValueError: decimal must be ',' or '.'"
    lost = upload(organization, report_rows(3))
    long_ago = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ImportJob.objects.filter(pk=lost.pk).update(
        status="running", attempts=3, started_at=long_ago, result={"language": "es"}
    )
    assert import_jobs.run_job(lost.pk) is None
    lost.refresh_from_db()
    assert lost.error == "Falló tras 3 intentos: se perdió el proceso que ejecutaba el último."
