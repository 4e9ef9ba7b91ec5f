"""The marketer's flows in a real browser: approve a negative, review, apply and roll back a budget plan, viewers
read."""

from __future__ import annotations

import time

import pytest
from django.db.models import F

from campaigns.models import BudgetChange, BudgetPolicy, Keyword, PlanStatus, Suggestion
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_editor_approves_a_negative_from_the_search_terms_page(page, live_server, negative):
    sign_in(page, live_server, "editora")
    page.click("nav >> text=Search terms")
    row = page.locator(f"#negative-{negative.pk}")
    assert "cemento dental" in row.inner_text()
    assert page.evaluate("window.pwned") is None  # model text is text, never markup
    assert "<script>window.pwned=1</script>" in row.inner_text()
    row.get_by_role("button", name="Approve").click()
    decided = page.locator(f"#decided-{negative.pk}")
    assert "Approved" in decided.inner_text()
    assert page.locator(".messages").inner_text() == "1 negative approved."
    assert page.locator(f"#negative-{negative.pk}").count() == 0
    keyword = Keyword.objects.get(organization=negative.organization, negative=True, text="cemento dental")
    assert (keyword.match_type, keyword.ad_group_id) == ("phrase", negative.ad_group_id)


def test_editor_reviews_applies_a_budget_plan_and_rolls_back_one_change(page, live_server, plan):
    BudgetPolicy.objects.update_or_create(organization=plan.organization, defaults={"mode": "approval"})
    moved = plan.items.exclude(after_micros=F("before_micros")).count()
    assert moved > 0, "the demo's plan should move some budget"
    sign_in(page, live_server, "editora")
    page.click("nav >> text=Budgets")
    assert "Proposed" in page.locator("#plan-summary").inner_text()
    assert page.locator("#plan-moves li").count() > 0
    page.get_by_role("link", name="Review and apply…").click()
    assert "nothing has been changed" in page.locator("#dry-run-note").inner_text()
    assert page.locator("#planned-changes tbody tr").count() == moved
    assert not BudgetChange.objects.exists()
    page.locator("#confirm-apply button").click()
    assert page.locator(".messages").inner_text() == "Plan applied."
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPLIED
    assert BudgetChange.objects.filter(plan=plan, kind="rebalance").count() == moved
    row = page.locator("#budget-history tr", has=page.get_by_role("button", name="Roll back")).first
    change = BudgetChange.objects.get(pk=int(row.get_attribute("id").removeprefix("change-")))
    row.get_by_role("button", name="Roll back").click()
    assert page.locator(".messages").inner_text() == "Change rolled back."
    rollback = BudgetChange.objects.get(kind="rollback")
    assert (rollback.campaign_id, rollback.after_micros) == (change.campaign_id, change.before_micros)
    assert page.locator(f"#change-{change.pk}").get_by_role("button", name="Roll back").count() == 0


def test_viewer_sees_no_write_buttons_and_a_forged_post_is_refused(page, live_server, plan, negative):
    sign_in(page, live_server, "visor")
    for path in ("/search-terms/", "/budgets/", "/imports/"):
        page.goto(live_server.url + path)
        assert page.locator("main button:not(.table-tools button)").count() == 0, path  # filters only read
    page.goto(live_server.url + "/search-terms/")
    status = page.evaluate(
        """async (id) => {
            const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            const body = new URLSearchParams({csrfmiddlewaretoken: token, one: "approve:" + id});
            return (await fetch("/search-terms/", {method: "POST", body})).status;
        }""",
        negative.pk,
    )
    assert status == 403
    status = page.evaluate(
        """async (url) => {
            const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            return (await fetch(url, {method: "POST", body: new URLSearchParams(
                {csrfmiddlewaretoken: token, decision: "apply"})})).status;
        }""",
        f"/budgets/plans/{plan.pk}/decide/",
    )
    assert status == 403
    assert Suggestion.objects.get(pk=negative.pk).status == "pending"
    assert not Keyword.objects.filter(negative=True, text="cemento dental").exists()
    assert not BudgetChange.objects.exists()


def test_screenshots_of_every_page(page, live_server, plan, negative):
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "sign-in")
    sign_in(page, live_server, "demo")
    timings = {}
    for name in ("dashboard", "search-terms", "budgets", "imports", "exports"):
        started = time.perf_counter()
        page.goto(f"{live_server.url}/{name}/")
        timings[name] = round((time.perf_counter() - started) * 1000)
    # the other pages' pictures come from a new organization's first hour (tests/e2e/test_first_hour.py)
    page.goto(f"{live_server.url}/dashboard/")
    screenshot(page, "dashboard")
    with page.expect_navigation():  # the switcher submits itself; wait for the page it leads to
        page.select_option("#language-switcher select", "es")
    assert page.locator("header nav").inner_text().split()[:1] == ["Panel"]
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("#chart-spend canvas").count() == 1
    screenshot(page, "dashboard-es")
    print("page load ms:", timings)
