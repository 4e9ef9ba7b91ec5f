"""Matching jobs: a search terms import queues one, the pages show its progress, and the newest import's matching
wins even when an older matching finishes last."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns.models import JobStatus, MatchingJob, ReportImport, SearchTerm, SearchTermMatch
from campaigns.services import matching_jobs
from campaigns.services.import_history import import_history
from campaigns.services.importing import import_report
from campaigns.services.matching import shared_embedder
from tests.campaigns.reports import GOOGLE_ES_SEARCH_TERMS

pytestmark = pytest.mark.django_db

# The same period with one more term: the second import replaces the first one's rows and adds "cemento rapido".
WITH_A_NEW_TERM = "\n".join(
    [line for line in GOOGLE_ES_SEARCH_TERMS.splitlines() if not line.startswith("Total:")]
    + [
        "cemento rapido,Concordancia amplia,Ninguno,Cemento,Cemento gris,cemento,2026-09-02,"
        '2,30,EUR,"1,00",1,"9,00",50 %'
    ]
)


def _two_imports(organization, write_report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS, "first.csv"))
        import_report(organization, write_report(WITH_A_NEW_TERM, "second.csv"))
    assert len(callbacks) == 2  # one matching queued per import, each after its commit
    return list(MatchingJob.objects.filter(organization=organization).order_by("pk"))


def test_each_search_terms_import_queues_a_matching_job_of_its_own(
    organization, write_report, django_capture_on_commit_callbacks
):
    older, newer = _two_imports(organization, write_report, django_capture_on_commit_callbacks)
    assert [job.report_import.filename for job in (older, newer)] == ["first.csv", "second.csv"]
    assert {older.status, newer.status} == {JobStatus.QUEUED}


def test_an_older_matching_that_starts_after_a_newer_import_writes_nothing(
    organization, write_report, django_capture_on_commit_callbacks
):
    older, newer = _two_imports(organization, write_report, django_capture_on_commit_callbacks)
    job = matching_jobs.run_job(older.pk)
    assert job is not None
    assert (job.status, job.result, job.superseded) == (JobStatus.CANCELLED, {"superseded_by": newer.pk}, True)
    assert not SearchTermMatch.objects.filter(search_term__organization=organization).exists()
    assert matching_jobs.run_job(older.pk) is None  # a redelivery claims nothing


def test_the_imports_page_says_which_import_is_shown(
    client, owner, organization, write_report, django_capture_on_commit_callbacks
):
    _two_imports(organization, write_report, django_capture_on_commit_callbacks)
    newest, oldest = import_history(organization)
    assert (newest.filename, newest.in_use, newest.replaced_by) == ("second.csv", True, None)
    assert (oldest.filename, oldest.in_use, oldest.replaced_by) == ("first.csv", False, newest)
    client.force_login(owner)
    body = client.get(reverse("campaigns:imports")).content.decode()
    shown = body[body.index(f'id="import-{oldest.pk}-shown"') :]
    assert "No: replaced by second.csv" in shown[: shown.index("</td>")]
    assert "<strong>Yes</strong>" in body[body.index(f'id="import-{newest.pk}-shown"') :]
    # the newest matching is queued: its progress polls on the imports and search terms pages
    newer = MatchingJob.objects.filter(organization=organization).latest("pk")
    poll = f'hx-get="{reverse("campaigns:matching_job", args=[newer.pk])}"'
    assert poll in body
    assert poll in client.get(reverse("campaigns:search_terms")).content.decode()
    assert poll in client.get(reverse("campaigns:intent_clusters")).content.decode()


def test_the_progress_fragment_polls_until_the_job_ends_then_reloads_the_page(
    client, owner, outsider, organization, write_report, django_capture_on_commit_callbacks
):
    older, newer = _two_imports(organization, write_report, django_capture_on_commit_callbacks)
    client.force_login(owner)
    url = reverse("campaigns:matching_job", args=[older.pk])
    response = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in response.content.decode() and "HX-Refresh" not in response
    matching_jobs.run_job(older.pk)
    response = client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response["HX-Refresh"] == "true" and "hx-get" not in body
    assert "A newer import's matching replaces this one." in body
    client.force_login(outsider)
    assert client.get(url).status_code == 404


class _LandsDuringMatching:
    """The real embedder, except that a newer import lands and is matched while this matching runs: the race of
    two quick imports, made certain."""

    def __init__(self, inner, newer_import) -> None:
        self.inner, self.newer_import = inner, newer_import
        self.name = inner.name

    def encode(self, texts):
        if self.newer_import is not None:
            landing, self.newer_import = self.newer_import, None
            landing()
        return self.inner.encode(texts)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.slow
def test_an_older_matching_that_finishes_last_does_not_overwrite_the_newer(
    client, owner, organization, write_report, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    embedder = shared_embedder()
    with django_capture_on_commit_callbacks(execute=False):
        import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS, "first.csv"))
    older = MatchingJob.objects.get(organization=organization)

    def newer_import_lands_and_is_matched() -> None:
        with django_capture_on_commit_callbacks(execute=False):
            import_report(organization, write_report(WITH_A_NEW_TERM, "second.csv"))
        newer = MatchingJob.objects.filter(organization=organization).latest("pk")
        assert matching_jobs.run_job(newer.pk, embedder=embedder).status == JobStatus.SUCCEEDED

    job = matching_jobs.run_job(older.pk, embedder=_LandsDuringMatching(embedder, newer_import_lands_and_is_matched))
    newer = MatchingJob.objects.filter(organization=organization).latest("pk")
    assert (job.status, job.result) == (JobStatus.CANCELLED, {"superseded_by": newer.pk})
    # every term, the newer import's one included, has the newer matching's match: none is "not matched yet"
    terms = SearchTerm.objects.filter(organization=organization)
    assert SearchTermMatch.objects.filter(search_term__in=terms).count() == terms.count() == 4
    assert SearchTermMatch.objects.filter(search_term__text="cemento rapido").exists()
    assert newer.terms == 4 and newer.report_import == ReportImport.objects.get(filename="second.csv")
    client.force_login(owner)
    body = client.get(reverse("campaigns:search_terms")).content.decode()
    assert "Matches shown: from the import of second.csv" in body
    assert "not matched yet" not in body


def test_a_failed_matching_is_said_on_the_pages_until_a_newer_one(client, owner, organization):
    MatchingJob.objects.create(organization=organization, status=JobStatus.FAILED, error="Failed after 3 attempts")
    client.force_login(owner)
    for page in ("search_terms", "intent_clusters", "imports"):
        body = client.get(reverse(f"campaigns:{page}")).content.decode()
        assert "Matching failed; the matches shown are from the last matching that finished." in body
        assert "No matching has finished yet." in body or page == "imports"
    MatchingJob.objects.create(organization=organization)
    assert "Matching failed" not in client.get(reverse("campaigns:search_terms")).content.decode()


def test_the_pages_read_the_newest_job_and_the_one_shown_in_one_query(
    organization, other_organization, django_assert_num_queries
):
    """The newest job (for its progress) and the newest that succeeded (whose matches the pages show), this
    organization's only."""
    with django_assert_num_queries(1):
        assert matching_jobs.latest_and_shown(organization) == (None, None)
    failed = MatchingJob.objects.create(organization=organization, status=JobStatus.FAILED)
    assert matching_jobs.latest_and_shown(organization) == (failed, None)
    done = MatchingJob.objects.create(organization=organization, status=JobStatus.SUCCEEDED)
    assert matching_jobs.latest_and_shown(organization) == (done, done)
    MatchingJob.objects.create(organization=other_organization, status=JobStatus.SUCCEEDED)
    queued = MatchingJob.objects.create(organization=organization)
    with django_assert_num_queries(1):
        latest, shown = matching_jobs.latest_and_shown(organization)
        assert (latest, shown, shown.report_import) == (queued, done, None)


def test_the_pages_name_the_import_its_time_and_who_imported_it(
    client, owner, organization, write_report, django_capture_on_commit_callbacks
):
    """What the imports and search terms pages read in SQL reads as the ORM would: the import's time (text on
    SQLite) in the page's format, its file, who imported it, and "—" once that user is gone."""
    older, newer = _two_imports(organization, write_report, django_capture_on_commit_callbacks)
    ReportImport.objects.filter(pk=older.report_import_id).update(created_by=owner)
    ReportImport.objects.filter(pk=newer.report_import_id).update(created_at=datetime(2026, 9, 3, 8, 30, tzinfo=UTC))
    MatchingJob.objects.filter(pk=newer.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=datetime(2026, 9, 3, 9, 15, tzinfo=UTC), result={"saved": True}
    )
    latest, shown = matching_jobs.latest_and_shown(organization)
    assert (latest, shown) == (newer, newer)
    assert (shown.report_import.filename, shown.report_import.created_at, shown.result) == (
        "second.csv",
        datetime(2026, 9, 3, 8, 30, tzinfo=UTC),
        {"saved": True},
    )
    client.force_login(owner)
    with translation.override("en"):
        body = client.get(reverse("campaigns:search_terms")).content.decode()
    # Madrid time (settings.TIME_ZONE), the language's short format
    assert "Matches shown: from the import of second.csv (09/03/2026 10:30 a.m.), matched 09/03/2026 11:15 a.m." in (
        " ".join(body.split())
    )
    response = client.get(reverse("campaigns:imports"))
    rows = response.context["history"]
    # newest first: second.csv's time was set back to September
    assert [(r.filename, r.created_by_username) for r in rows] == [("first.csv", owner.username), ("second.csv", None)]
    assert f"<td>{owner.username}</td>" in response.content.decode()
    owner.delete()
    assert [r.created_by_username for r in import_history(organization)] == [None, None]
