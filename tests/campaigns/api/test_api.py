"""The API's behaviour for members: editing, suggestions, uploads, schema, query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns.models import Ad, Campaign, Keyword, ReportImport, Suggestion
from tests.campaigns.reports import GOOGLE_ES_SEARCH_TERMS
from tests.factories import AdGroupFactory, CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(teammate):
    client = APIClient()
    client.force_authenticate(teammate)
    return client


def test_token_authentication(owner):
    _, token = AuthToken.objects.create(user=owner)
    client = APIClient()
    assert client.get("/api/campaigns/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/campaigns/").status_code == 200


def test_editor_creates_and_edits_but_budget_is_read_only(api, organization):
    response = api.post(
        "/api/campaigns/",
        {"organization": organization.pk, "platform": "google", "name": "Tejas", "daily_budget_micros": 999_000_000},
        format="json",
    )
    assert response.status_code == 201, response.json()
    campaign = Campaign.objects.get(pk=response.json()["id"])
    assert campaign.daily_budget_micros == 0  # budgets change only through rebalancing, under its invariants
    ad_group = api.post("/api/ad-groups/", {"campaign": campaign.pk, "name": "Teja árabe"}, format="json").json()
    keyword = api.post(
        "/api/keywords/", {"ad_group": ad_group["id"], "text": "  teja   arabe ", "match_type": "exact"}, format="json"
    )
    assert keyword.status_code == 201
    assert (keyword.json()["text"], keyword.json()["campaign"], keyword.json()["level"]) == (
        "teja arabe",
        campaign.pk,
        "ad_group",
    )
    too_long = api.post(
        "/api/keywords/",
        {"ad_group": ad_group["id"], "text": " ".join(["teja"] * 11), "match_type": "exact"},
        format="json",
    )
    assert too_long.status_code == 400
    assert too_long.json() == {"text": ["A keyword has at most 80 characters and 10 words."]}


def test_ad_validation_names_the_field(api, organization):
    ad_group = AdGroupFactory(campaign__organization=organization)
    response = api.post(
        "/api/ads/",
        {
            "ad_group": ad_group.pk,
            "final_url": "https://example.com/",
            "headlines": [{"text": "Uno"}, {"text": "Dos"}],
            "descriptions": [{"text": "a"}, {"text": "b"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"headlines": ["A responsive search ad has 3 to 15 headlines."]}


def test_ad_assets_are_text_and_pin_only(api, organization):
    ad_group = AdGroupFactory(campaign__organization=organization)
    headlines = [{"text": "Cemento cola", "pin": 1}, {"text": "Envío 24 h"}, {"text": "Sacos de 25 kg", "pin": None}]
    response = api.post(
        "/api/ads/",
        {
            "ad_group": ad_group.pk,
            "final_url": "https://example.com/",
            "path1": "cemento",
            "headlines": headlines,
            "descriptions": [{"text": "Uno."}, {"text": "Dos."}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["headlines"] == [
        {"text": "Cemento cola", "pin": 1},
        {"text": "Envío 24 h", "pin": None},
        {"text": "Sacos de 25 kg", "pin": None},
    ]
    ad_id = response.json()["id"]
    assert api.patch(f"/api/ads/{ad_id}/", {"headlines": 7}, format="json").json() == {
        "headlines": {"non_field_errors": ['Expected a list of items but got type "int".']}
    }
    assert api.patch(f"/api/ads/{ad_id}/", {"path1": "", "path2": "cola"}, format="json").json() == {
        "path2": ["A second path needs a first one."]
    }
    assert api.patch(
        f"/api/ads/{ad_id}/", {"descriptions": [{"text": "Uno.", "pin": 3}, {"text": "Dos."}]}, format="json"
    ).json() == {"descriptions": {"0": {"pin": ['"3" is not a valid choice.']}}}
    assert Ad.objects.get(pk=ad_id).descriptions == [{"text": "Uno.", "pin": None}, {"text": "Dos.", "pin": None}]


def test_approving_a_negative_adds_it_once(api, organization):
    campaign = CampaignFactory(organization=organization)
    suggestion = Suggestion.objects.create(
        organization=organization,
        kind="negative",
        level="campaign",
        campaign=campaign,
        text="cemento dental",
        match_type="phrase",
        source="test",
    )
    edited = api.patch(f"/api/suggestions/{suggestion.pk}/", {"text": "Cemento  Dental"}, format="json")
    assert edited.status_code == 200 and edited.json()["text"] == "Cemento Dental"
    assert api.patch(f"/api/suggestions/{suggestion.pk}/", {"match_type": "broad"}, format="json").status_code == 400
    approved = api.post(f"/api/suggestions/{suggestion.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api.post(f"/api/suggestions/{suggestion.pk}/approve/")
    assert again.status_code == 409
    assert again.json() == {"detail": "this suggestion was already approved"}
    negative = Keyword.objects.get(organization=organization, negative=True)
    assert (negative.level, negative.campaign_id, negative.text, negative.match_type) == (
        "campaign",
        campaign.pk,
        "Cemento Dental",
        "phrase",
    )


def test_upload_imports_whole_or_reports_line_and_column(
    api, organization, eager_tasks, upload_dir, django_capture_on_commit_callbacks
):
    # The upload answers 202 with a job; the job (run here by the eager worker once the upload has committed)
    # imports the file whole, or fails with the line and column and imports nothing.
    good = SimpleUploadedFile("terminos.csv", GOOGLE_ES_SEARCH_TERMS.encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/imports/", {"organization": organization.pk, "file": good}, format="multipart")
    assert response.status_code == 202, response.json()
    assert (response.json()["status"], response.json()["url"]) == (
        "queued",
        f"http://testserver/api/import-jobs/{response.json()['id']}/",
    )
    job = api.get(response.json()["url"]).json()
    assert (job["status"], job["progress_percent"], job["rows_read"], job["detail"]) == ("succeeded", 100, 4, "")
    report = api.get(f"/api/imports/{job['report_import']}/").json()
    assert (report["kind"], report["rows"], report["filename"]) == ("search_terms", 4, "terminos.csv")
    bad = SimpleUploadedFile("terminos.csv", GOOGLE_ES_SEARCH_TERMS.replace('"12,50 €"', '"doce"').encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/imports/", {"organization": organization.pk, "file": bad}, format="multipart")
    assert response.status_code == 202
    job = api.get(response.json()["url"]).json()
    assert {key: job[key] for key in ("status", "detail", "line", "column", "report_import")} == {
        "status": "failed",
        "line": 4,
        "detail": "Line 4, column 'Coste': 'doce' is not a number (Google Ads search terms report: correct the cell, "
        "or download the report again)",
        "column": "Coste",
        "report_import": None,
    }
    assert ReportImport.objects.count() == 1
    assert list(upload_dir.rglob("*")) == [upload_dir / "incoming"]  # both stored files went with their jobs


def test_list_queries_do_not_grow_with_rows(api, organization):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/search-terms/").status_code == 200
            assert api.get("/api/keywords/").status_code == 200
        return len(captured)

    from tests.factories import KeywordFactory

    KeywordFactory(ad_group__campaign__organization=organization)
    few = queries_for_list()
    for _ in range(10):
        KeywordFactory(ad_group__campaign__organization=organization)
    assert queries_for_list() == few


def test_schema_and_docs(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/suggestions/{id}/approve/" in schema.content
    assert api.get("/api/docs/").status_code == 200


def test_budget_plan_approval_applies_once_and_a_change_rolls_back(api, organization, teammate):
    import datetime as dt

    from campaigns.models import BudgetChange, BudgetPlan, BudgetPlanItem, BudgetPolicy

    BudgetPolicy.objects.create(organization=organization, mode="approval")  # dry run, the default, never applies
    campaign = CampaignFactory(organization=organization, daily_budget_micros=40_000_000)
    plan = BudgetPlan.objects.create(
        organization=organization,
        plan_date=dt.date(2026, 11, 26),
        mode="approval",
        total_micros=40_000_000,
        policy="thompson",
    )
    BudgetPlanItem.objects.create(
        plan=plan,
        campaign=campaign,
        before_micros=40_000_000,
        proposed_micros=36_000_000,
        after_micros=36_000_000,
        reasons=["cut: low sampled return"],
    )
    listed = api.get("/api/budget-plans/").json()["results"]
    assert [(p["id"], p["status"], p["items"][0]["after_micros"]) for p in listed] == [
        (plan.pk, "proposed", 36_000_000)
    ]
    approved = api.post(f"/api/budget-plans/{plan.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "applied"
    assert api.post(f"/api/budget-plans/{plan.pk}/approve/").json()["status"] == "applied"  # once
    assert BudgetChange.objects.count() == 1
    change = BudgetChange.objects.get()
    assert (change.actor, change.user_id, change.after_micros) == (f"user:{teammate.username}", teammate.pk, 36_000_000)
    rolled = api.post(f"/api/budget-changes/{change.pk}/rollback/")
    assert rolled.status_code == 201
    assert (rolled.json()["kind"], rolled.json()["after_micros"]) == ("rollback", 40_000_000)
    again = api.post(f"/api/budget-changes/{change.pk}/rollback/")
    assert again.status_code == 409 and again.json() == {"detail": "this change was already rolled back"}
    campaign.refresh_from_db()
    assert campaign.daily_budget_micros == 40_000_000
