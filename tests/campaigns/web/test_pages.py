"""The marketer's pages: signed-in only, scoped to the current organization, viewers read, text escaped."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix

from campaigns.models import BudgetChange, BudgetPlanItem, BudgetPolicy, Campaign, Keyword, Suggestion
from campaigns.web.context import SESSION_KEY
from tests.factories import CampaignFactory, member

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "search_terms", "budgets", "imports", "exports"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_require_sign_in(client, page):
    response = client.get(reverse(f"campaigns:{page}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("campaigns:login"))


@pytest.mark.parametrize("page", PAGES)
def test_pages_escape_model_text(client, owner, account, page):
    client.force_login(owner)
    body = client.get(reverse(f"campaigns:{page}")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "<b>gratis</b>" not in body and "<i>well</i>" not in body


def test_dashboard_shows_the_arithmetic(client, owner, account):
    client.force_login(owner)
    response = client.get(reverse("campaigns:dashboard"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "50.00 EUR" in body  # spend
    assert "10.00 EUR" in body  # CPA = 50 / 5
    assert "Cemento &lt;script&gt;alert(1)&lt;/script&gt;" in body
    chart = response.context["chart"]
    assert {key: chart[key] for key in ("days", "spend", "conversions", "cpa")} == {
        "days": [1741608000],
        "spend": [50.0],
        "conversions": [5.0],
        "cpa": [10.0],
    }
    assert [s.text for s in response.context["negatives"]] == ["gratis"]


def test_search_terms_page_lists_terms_and_negatives(client, teammate, account):
    client.force_login(teammate)
    body = client.get(reverse("campaigns:search_terms")).content.decode()
    assert "cemento &lt;b&gt;gratis&lt;/b&gt;" in body
    assert "3.50 EUR" in body
    assert f'value="approve:{account["negative"].pk}"' in body


def test_editor_approves_a_negative(client, teammate, account):
    client.force_login(teammate)
    negative = account["negative"]
    response = client.post(reverse("campaigns:search_terms"), {"one": f"approve:{negative.pk}"})
    assert response.status_code == 302
    negative.refresh_from_db()
    assert negative.status == "approved"
    keyword = Keyword.objects.get(negative=True)
    assert (keyword.text, keyword.match_type, keyword.ad_group_id) == ("gratis", "phrase", account["ad_group"].pk)


def test_editor_rejects_in_bulk(client, teammate, account, organization):
    second = Suggestion.objects.create(
        organization=organization,
        kind="negative",
        text="barato",
        match_type="exact",
        level="campaign",
        campaign=account["campaign"],
        source="test",
    )
    client.force_login(teammate)
    client.post(reverse("campaigns:search_terms"), {"decision": "reject", "ids": [account["negative"].pk, second.pk]})
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"rejected"}
    assert not Keyword.objects.exists()


def test_viewer_sees_no_write_buttons(client, viewer, account):
    client.force_login(viewer)
    for page in ("search_terms", "budgets", "imports"):
        body = client.get(reverse(f"campaigns:{page}")).content.decode()
        assert "approve:" not in body and "Approve" not in body
        assert "Roll back" not in body and 'id="import-form"' not in body


def test_viewer_post_is_refused_and_changes_nothing(client, viewer, account):
    client.force_login(viewer)
    negative, plan = account["negative"], account["plan"]
    assert client.post(reverse("campaigns:search_terms"), {"one": f"approve:{negative.pk}"}).status_code == 403
    assert client.post(reverse("campaigns:decide_plan", args=[plan.pk]), {"decision": "apply"}).status_code == 403
    assert client.post(reverse("campaigns:imports"), {}).status_code == 403
    negative.refresh_from_db()
    plan.refresh_from_db()
    assert (negative.status, plan.status) == ("pending", "proposed")
    assert not Keyword.objects.exists() and not BudgetChange.objects.exists()


def test_another_organizations_objects_are_404(client, outsider, account):
    client.force_login(outsider)  # an owner, of the other organization
    assert (
        client.post(reverse("campaigns:decide_plan", args=[account["plan"].pk]), {"decision": "apply"}).status_code
        == 404
    )
    client.post(reverse("campaigns:search_terms"), {"one": f"approve:{account['negative'].pk}"})
    account["negative"].refresh_from_db()
    assert account["negative"].status == "pending"
    body = client.get(reverse("campaigns:dashboard")).content.decode()
    assert "Cemento" not in body


def test_switcher_only_switches_to_my_organizations(client, owner, organization, other_organization):
    client.force_login(owner)
    url = reverse("campaigns:switch_organization")
    assert client.post(url, {"organization": other_organization.pk}).status_code == 404
    member_of_both = member(other_organization, "viewer")
    from campaigns.models import Membership

    Membership.objects.create(user=member_of_both, organization=organization, role="editor")
    CampaignFactory(organization=other_organization, name="Campaña del otro")
    client.force_login(member_of_both)
    response = client.post(url, {"organization": other_organization.pk, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:dashboard")
    assert client.session[SESSION_KEY] == other_organization.pk
    assert client.get(reverse("campaigns:dashboard")).context["current_organization"] == other_organization


def test_budget_plan_applies_and_rolls_back(client, teammate, account, organization):
    BudgetPolicy.objects.create(organization=organization, mode="approval")
    client.force_login(teammate)
    campaign = account["campaign"]
    body = client.get(reverse("campaigns:budgets")).content.decode()
    assert "1.2500 – 3.5000" in body and "converts &lt;i&gt;well&lt;/i&gt;" in body
    assert 'data-left="35.7" data-width="64.3"' in body  # the interval drawn on a 0 to max(p95) axis
    client.post(reverse("campaigns:decide_plan", args=[account["plan"].pk]), {"decision": "apply", "confirm": "yes"})
    assert Campaign.objects.get(pk=campaign.pk).daily_budget_micros == 44_000_000
    change = BudgetChange.objects.get()
    client.post(reverse("campaigns:roll_back", args=[change.pk]))
    assert Campaign.objects.get(pk=campaign.pk).daily_budget_micros == 40_000_000
    assert list(BudgetChange.objects.values_list("kind", flat=True)) == ["rollback", "rebalance"]


def test_budget_page_says_what_holds_each_campaign_back(client, teammate, account):
    # The allocator's explanation (ml.budgets.limits) travels in the item's posterior; the page puts it in words.
    evidence = "left budget unspent on 9 of the last 42 days, stopping near 38.00 a day: more budget would not be spent"
    BudgetPlanItem.objects.filter(plan=account["plan"]).update(
        posterior={
            "marginal_return_p05": 1.25,
            "marginal_return_p95": 3.5,
            "limit": "limited by volume",
            "limit_evidence": evidence,
        }
    )
    client.force_login(teammate)

    body = client.get(reverse("campaigns:budgets")).content.decode()

    assert f'<div class="limit"><strong>Searches run out</strong>: {evidence}</div>' in body


def test_import_error_names_line_and_column_and_writes_nothing(
    client, teammate, eager_tasks, upload_dir, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.models import ImportJob, ReportImport
    from tests.campaigns.reports import GOOGLE_ES_SEARCH_TERMS

    client.force_login(teammate)
    bad = GOOGLE_ES_SEARCH_TERMS.replace('"4,10"', '"-4,10"')
    # The file's head is a report, so it is accepted and imported by a job (run eagerly after the commit); the
    # job fails on the row, and the page then shows where.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaigns:imports"), {"file": SimpleUploadedFile("terminos.csv", bad.encode())})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.error_line, job.error_column) == ("failed", 5, "Coste")
    response = client.get(reverse("campaigns:imports"))
    assert "Line 5, column “Coste”:" in " ".join(response.content.decode().split())
    assert not ReportImport.objects.exists()


def test_import_lands_a_report(
    client, teammate, organization, eager_tasks, upload_dir, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.models import ReportImport
    from tests.campaigns.reports import GOOGLE_ES_SEARCH_TERMS

    client.force_login(teammate)
    with django_capture_on_commit_callbacks(execute=True):  # the job queued after the upload's commit, run here
        response = client.post(
            reverse("campaigns:imports"), {"file": SimpleUploadedFile("terminos.csv", GOOGLE_ES_SEARCH_TERMS.encode())}
        )
    assert response.status_code == 302
    report = ReportImport.objects.get(organization=organization)
    assert (report.kind, report.rows, report.created_by) == ("search_terms", 4, teammate)


def test_export_downloads_google_editor_csv(client, viewer, account):
    client.force_login(viewer)
    response = client.get(reverse("campaigns:download", args=["google-ads-editor"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="materiales-test-google-ads-editor.csv"'
    assert response.content.decode("utf-8-sig").startswith("Campaign,Campaign Type")


def test_pages_speak_spanish(client, owner, account):
    client.force_login(owner)
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/dashboard/"})
    body = client.get(reverse("campaigns:dashboard")).content.decode()
    assert "Gasto desperdiciado" in body and "Términos de búsqueda" in body


def test_sculpting_negatives_are_shown_apart_and_never_as_savings(client, teammate, account, organization):
    sculpting = Suggestion.objects.create(
        organization=organization,
        kind="negative",
        text="cemento cola saco",
        match_type="exact",
        level="ad_group",
        campaign=account["campaign"],
        ad_group=account["ad_group"],
        source="test",
        evidence={
            "kind": "sculpting",
            "reason": "belongs to Cemento › Cemento cola",
            "route_to": {"ad_group_id": 99, "path": "Cemento › Cemento cola"},
            "would_have_saved_micros": 0,
            "would_have_blocked": {
                "terms": ["cemento cola saco"],
                "clicks": 9,
                "cost_micros": 90_000_000,
                "conversions": 0.0,
            },
        },
    )
    client.force_login(teammate)
    response = client.get(reverse("campaigns:search_terms"))
    assert [s.pk for s in response.context["waste"].rows] == [account["negative"].pk]
    assert [s.pk for s in response.context["sculpting"].rows] == [sculpting.pk]
    body = response.content.decode()
    section = body[body.index('id="sculpting-negatives"') :]
    assert "Cemento › Cemento cola" in section and f'value="approve:{sculpting.pk}"' in section
    # the costlier sculpting negative is not a dashboard "would have saved" opportunity
    assert [s.text for s in client.get(reverse("campaigns:dashboard")).context["negatives"]] == ["gratis"]


def test_each_negatives_table_counts_the_rows_it_lists(client, teammate, account, organization, other_organization):
    """The page counts the three tables' negatives in one query and reads only the tables that have any: the
    counts keep the rows each table's own filter lists, whatever the shape of the evidence."""
    campaign = account["campaign"]

    def negative(text: str, status: str = "pending", of: str = "negative", owner=organization, **evidence):
        return Suggestion.objects.create(
            organization=owner,
            kind=of,
            text=text,
            match_type="exact",
            level="campaign",
            campaign=campaign if owner == organization else CampaignFactory(organization=owner),
            source="test",
            status=status,
            evidence={"would_have_blocked": {"cost_micros": len(text)}, **evidence},
        )

    negative("sin tipo")  # from before the split: waste
    negative("desperdicio", kind="waste")
    negative("tipo nulo", kind=None)
    negative("mover", kind="sculpting")
    negative("aprobada", status="approved")
    negative("rechazada", status="rejected", kind="sculpting")
    negative("palabra clave", of="keyword")  # not a negative
    negative("ajena", owner=other_organization)
    client.force_login(teammate)
    response = client.get(reverse("campaigns:search_terms"))
    listed = {name: response.context[name] for name in ("waste", "sculpting", "decided")}
    assert {name: sorted(s.text for s in table.rows) for name, table in listed.items()} == {
        "waste": sorted([account["negative"].text, "sin tipo", "desperdicio", "tipo nulo"]),
        "sculpting": ["mover"],
        "decided": ["aprobada", "rechazada"],
    }
    assert {name: table.page.paginator.count for name, table in listed.items()} == {
        "waste": 4,
        "sculpting": 1,
        "decided": 2,
    }
    Suggestion.objects.filter(kind="negative", evidence__kind="sculpting").delete()
    Suggestion.objects.exclude(status="pending").delete()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("campaigns:search_terms"))
    assert response.context["sculpting"].rows == [] and response.context["decided"].rows == []
    negatives_read = [q["sql"] for q in captured if "campaigns_suggestion" in q["sql"]]
    assert len(negatives_read) == 2  # the counts, then the waste table's rows


def test_the_header_links_are_the_views_urls_under_any_script_prefix(client, owner, account):
    """The header's links are reversed once per script prefix, not on every page: a site served under a path
    (SCRIPT_NAME) links under it, and the site at the root links at the root."""
    client.force_login(owner)
    owner.is_staff = True
    owner.save()
    views = ("dashboard", "search_terms", "members", "settings", "profile", "password_change", "logout", "budgets")
    paths = {view: reverse(f"campaigns:{view}") for view in views} | {"admin": reverse("admin:index")}
    for prefix in ("", "/optimizador", ""):
        set_script_prefix(f"{prefix}/")  # as Django's WSGI handler does from SCRIPT_NAME (the test client does not)
        try:
            body = client.get(paths["budgets"]).content.decode()
        finally:
            set_script_prefix("/")
        for view in views:
            assert f'"{prefix}{paths[view]}"' in body, (prefix, view)
        assert f'href="{prefix}{paths["admin"]}">admin</a>' in body
        assert f'<a href="{prefix}{paths["budgets"]}" class="active">' in body
