"""The campaign, ad group, members and settings pages in a real browser, with their screenshots for the README."""

from __future__ import annotations

import pytest

from campaigns.models import Ad, AdGroup, BudgetPolicy, Campaign, Membership
from ml.ad_rules import text_width
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

WIDE_SAMPLES = ["Cemento gris", "セメント", "水泥 50 kg", "시멘트", "ＣＥＭＥＮＴＯ", "Ñandú 🧱 ok", "ｶﾀｶﾅ", "—«»"]


def test_dashboard_row_leads_to_the_campaign_and_its_ad_group(page, live_server, demo):
    campaign = Campaign.objects.get(organization=demo, name="Cemento - Búsqueda")
    ad_group = campaign.ad_groups.order_by("name").first()
    sign_in(page, live_server, "visor")
    page.goto(f"{live_server.url}/dashboard/")
    page.locator("#spend-by-campaign").get_by_role("link", name="Cemento - Búsqueda").click()
    page.wait_for_url(f"{live_server.url}/campaigns/{campaign.pk}/")
    row = page.locator(f"#ad-group-{ad_group.pk}")
    assert row.locator("td").nth(2).inner_text() == str(ad_group.keywords.filter(negative=False).count())
    screenshot(page, "campaign")
    row.get_by_role("link", name=ad_group.name).click()
    page.wait_for_url(f"{live_server.url}/ad-groups/{ad_group.pk}/")
    assert page.locator("#keywords tbody tr").count() == ad_group.keywords.count()
    assert page.locator("form.ad button").count() == 0  # a viewer reads
    screenshot(page, "ad-group")


def _valid_ad(organization) -> Ad:
    """The first demo ad that passes every rule (all of them do since product codes such as C2TE stopped counting
    as capitals)."""
    from campaigns.exporters.validation import ad_findings

    return next(
        ad
        for ad in Ad.objects.filter(ad_group__campaign__organization=organization).order_by("pk")
        if not ad_findings(ad.headlines, ad.descriptions, ad.path1, ad.path2, ad.final_url, "google")
    )


def test_counters_follow_typing_and_the_server_refuses_a_long_headline(page, live_server, demo):
    ad = _valid_ad(demo)
    sign_in(page, live_server, "editora")
    page.goto(f"{live_server.url}/ad-groups/{ad.ad_group_id}/")
    form = page.locator(f"#ad-{ad.pk}")
    first = form.locator("input[name=headlines]").first
    counter = form.locator(".counter").first
    assert counter.inner_text() == f"{len(ad.headline_texts[0])}/30"
    too_long = "Cemento gris de obra para reformas"
    first.fill(too_long)
    assert counter.inner_text() == "34/30"
    assert "over" in counter.get_attribute("class") and first.get_attribute("aria-invalid") == "true"
    form.get_by_role("button", name="Save ad").click()
    assert page.locator("#ad-findings").inner_text() == "Headline 1: headline is 34 wide; the limit is 30"
    ad.refresh_from_db()
    assert ad.headline_texts[0] != too_long
    page.locator(f"#ad-{ad.pk} input[name=headlines]").first.fill("Cemento gris de obra")
    page.locator(f"#ad-{ad.pk}").get_by_role("button", name="Save ad").click()
    assert page.locator(".messages").inner_text() == "Ad saved."
    ad.refresh_from_db()
    assert ad.headline_texts[0] == "Cemento gris de obra"


def test_microsoft_counter_counts_like_the_server(page, live_server, demo):
    campaign = Campaign.objects.create(organization=demo, platform="microsoft", name="Cemento - Bing")
    ad_group = AdGroup.objects.create(campaign=campaign, name="Cemento gris")
    Ad.objects.create(
        ad_group=ad_group,
        headlines=[{"text": t, "pin": None} for t in ("A", "B", "C")],
        descriptions=[{"text": "d1", "pin": None}, {"text": "d2", "pin": None}],
        final_url="https://example.com/",
    )
    sign_in(page, live_server, "editora")
    page.goto(f"{live_server.url}/ad-groups/{ad_group.pk}/")
    browser_widths = page.evaluate("(texts) => texts.map((t) => window.adTextWidth(t, 'microsoft'))", WIDE_SAMPLES)
    assert browser_widths == [text_width(text, "microsoft") for text in WIDE_SAMPLES]
    page.locator("input[name=headlines]").first.fill("セメント" * 4)
    assert page.locator(".counter").first.inner_text() == "32/30"


def test_owner_manages_members_and_the_last_owner_stays(page, live_server, demo):
    editor = Membership.objects.get(organization=demo, user__username="editora")
    sign_in(page, live_server, "demo")
    page.get_by_role("link", name="Members").click()
    row = page.locator(f"#member-{editor.pk}")
    row.locator("select[name=role]").select_option("viewer")
    row.get_by_role("button", name="Change role").click()
    assert page.locator(".messages").inner_text() == "editora is now Viewer."
    editor.refresh_from_db()
    assert editor.role == "viewer"
    mine = Membership.objects.get(organization=demo, user__username="demo")
    page.locator(f"#member-{mine.pk}").get_by_role("button", name="Remove").click()
    assert page.locator(".messages").inner_text() == "demo is the last owner and cannot be removed."
    assert Membership.objects.filter(pk=mine.pk, role="owner").exists()
    screenshot(page, "members")


def test_editor_sees_no_members_link_and_reads_settings(page, live_server, demo):
    sign_in(page, live_server, "editora")
    assert page.locator("header nav").get_by_role("link", name="Members").count() == 0
    assert page.goto(f"{live_server.url}/members/").status == 403
    page.goto(f"{live_server.url}/settings/")
    assert page.locator("#read-only").count() == 1 and page.locator("#budget-policy button").count() == 0


def test_owner_changes_the_budget_policy(page, live_server, demo):
    sign_in(page, live_server, "demo")
    page.get_by_role("link", name="Settings").click()
    page.select_option("#id_mode", "approval")
    page.fill("#id_monthly_cap_micros", "12.345,6")
    page.get_by_role("button", name="Save settings").click()
    assert page.locator("#settings-errors").inner_text() == (
        "Organization monthly cap: “12.345,6” is not an amount; write it like 1500 or 1500.50, without thousands "
        "separators."
    )
    assert not BudgetPolicy.objects.filter(organization=demo, mode="approval").exists()
    page.fill("#id_monthly_cap_micros", "12345,60")
    page.fill("#id_blocked_terms", "Cemex\n  holcim \nCEMEX")
    page.select_option("#id_injection_policy", "strip")
    page.get_by_role("button", name="Save settings").click()
    assert page.locator(".messages").inner_text() == "Settings saved."
    policy = BudgetPolicy.objects.get(organization=demo)
    assert (policy.mode, policy.monthly_cap_micros) == ("approval", 12_345_600_000)
    demo.refresh_from_db()
    assert (demo.blocked_terms, demo.injection_policy) == (["Cemex", "holcim"], "strip")
    newest = page.locator("#settings-history tbody tr").first
    assert newest.locator("td").nth(1).inner_text() == "demo"
    assert newest.locator("div").all_inner_texts() == [
        "Mode: Dry run (show only) → Wait for approval",
        "Organization monthly cap: no cap → 12,345.60 EUR",
        "Blocked terms: none → “Cemex”, “holcim”",
        "Injection policy: Refuse the request → Strip the offending sentences",
    ]
    screenshot(page, "settings")


def test_a_spanish_user_signs_in_to_spanish_pages(page, live_server, demo):
    from campaigns.models import UserPreference

    UserPreference.objects.create(user=Membership.objects.get(organization=demo, role="viewer").user, language="es")
    sign_in(page, live_server, "visor")  # the browser's locale is en-US
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("header nav").inner_text().split()[:1] == ["Panel"]
    assert page.locator("html").get_attribute("lang") == "es"


def test_the_api_docs_page_draws_from_our_own_files(page, live_server, demo):
    """Swagger UI from drf-spectacular-sidecar under the policy: its script runs (the page fixture fails the test
    on any refusal) and it loads the schema, which only a signed-in user can read."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, live_server, "visor")
    page.goto(f"{live_server.url}/api/docs/")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Ad optimizer API")
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    operations = sum(method in ("get", "post", "put", "patch", "delete") for item in paths.values() for method in item)
    page.locator(".swagger-ui .opblock").nth(operations - 1).wait_for()
    assert page.locator(".swagger-ui .opblock").count() == operations
    assert [url for url in requests if not url.startswith(live_server.url)] == []


def test_behaviour_moved_out_of_the_html_still_works(page, live_server, plan, negative):
    """What the policy made us move into static/campaigns/site.js: bars and intervals drawn from their data-*
    attributes, and "select all"."""
    sign_in(page, live_server, "editora")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_load_state("networkidle")
    # numbers, not text: the browser writes "8.0%" back as "8%"
    bars = page.locator(".bar").evaluate_all("bars => bars.map(b => [+b.dataset.width, parseFloat(b.style.width)])")
    assert len(bars) == page.locator("#spend-by-campaign tbody tr").count() > 0
    assert [drawn for _, drawn in bars] == [data for data, _ in bars]
    page.goto(f"{live_server.url}/budgets/")
    spans = page.locator(".interval span").evaluate_all(
        "spans => spans.map(s => [+s.dataset.left, parseFloat(s.style.left), +s.dataset.width, "
        "parseFloat(s.style.width)])"
    )
    assert len(spans) == page.locator(".interval").count() > 0
    assert [(b, d) for _, b, _, d in spans] == [(a, c) for a, _, c, _ in spans]
    page.goto(f"{live_server.url}/search-terms/")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() >= 1 and not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.locator("input[data-select-all]").check()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.locator("input[data-select-all]").uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))


def test_django_admin_signs_in_and_saves_under_the_policy(page, live_server, demo):
    """Django's own admin pages under our Content-Security-Policy: the page fixture fails the test on any refusal.
    The organization's change page runs the most admin JavaScript (inline rows, the user autocomplete)."""
    from django.contrib.auth import get_user_model

    from tests.e2e.conftest import PASSWORD

    get_user_model().objects.create_superuser("raiz", "raiz@example.com", PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_url(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "raiz")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/campaigns/organization/{demo.pk}/change/")
    rows = page.locator("#memberships-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator("#memberships-group .add-row a").click()  # inlines.js made this link
    assert rows.count() == before + 1
    # the user autocomplete (jQuery + select2) drew a widget for every row, the new one included
    assert page.locator("#memberships-group tr.form-row:not(.empty-form) .select2-container").count() == before + 1
    campaign = Campaign.objects.get(organization=demo, name="Cemento - Búsqueda")
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/change/")
    page.fill("#id_name", "Cemento - Búsqueda (admin)")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/campaigns/campaign/")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    campaign.refresh_from_db()
    assert campaign.name == "Cemento - Búsqueda (admin)"
