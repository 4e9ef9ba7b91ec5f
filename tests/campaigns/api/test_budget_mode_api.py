"""The budget mode holds in the service that applies a plan, so the API, the pages and the tasks obey it alike: in dry
run (show only) an approval is refused with 409 and writes nothing; otherwise the plan lands exactly as shown."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from campaigns.models import (
    BudgetChange,
    BudgetPlan,
    BudgetPlanItem,
    BudgetPolicy,
    Campaign,
    SettingsChange,
)
from campaigns.services import rebalancing
from campaigns.services.budget_checks import ROLLBACK_REFUSED, SHOW_ONLY, rollback_blockers
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db
PLAN_DATE = dt.date(2026, 11, 26)
EUR = 1_000_000


@pytest.fixture
def api(teammate):
    client = APIClient()
    client.force_authenticate(teammate)
    return client


@pytest.fixture
def plan(organization):
    """Cemento gains 4 EUR a day, Ladrillos gives 4, Arena keeps its 30: a plan made while the mode was approval."""
    budgets = {"Cemento": (40, 44), "Ladrillos": (50, 46), "Arena": (30, 30)}
    plan = BudgetPlan.objects.create(
        organization=organization, plan_date=PLAN_DATE, mode="approval", total_micros=120 * EUR, policy="greedy"
    )
    for name, (before, after) in budgets.items():
        campaign = CampaignFactory(organization=organization, name=name, daily_budget_micros=before * EUR)
        BudgetPlanItem.objects.create(
            plan=plan,
            campaign=campaign,
            before_micros=before * EUR,
            proposed_micros=after * EUR,
            after_micros=after * EUR,
            reasons=["raised: high sampled return" if after > before else "cut: low sampled return"],
        )
    return plan


def _budgets(organization) -> dict[str, int]:
    return dict(Campaign.objects.filter(organization=organization).values_list("name", "daily_budget_micros"))


@pytest.mark.parametrize("saved", [True, False], ids=["dry-run-saved", "dry-run-by-default"])
def test_approve_in_show_only_mode_is_refused_and_writes_nothing(api, organization, plan, saved):
    if saved:
        BudgetPolicy.objects.create(organization=organization, mode="dry_run")
    before = _budgets(organization)

    response = api.post(f"/api/budget-plans/{plan.pk}/approve/")

    assert response.status_code == 409
    assert response.json() == {"detail": SHOW_ONLY}
    assert 'mode is "Dry run (show only)"' in SHOW_ONLY and 'sets the mode to "Wait for approval"' in SHOW_ONLY
    assert _budgets(organization) == before
    assert not BudgetChange.objects.exists() and not SettingsChange.objects.exists()
    assert BudgetPlan.objects.filter(pk=plan.pk).values_list("status", "decided_by").get() == ("proposed", None)
    assert BudgetPolicy.objects.filter(organization=organization).count() == int(saved)  # no default row written


@pytest.mark.parametrize("plan_mode", ["approval", "dry_run"])
def test_approve_in_approval_mode_applies_exactly_as_shown(api, organization, teammate, plan, plan_mode):
    # The mode now decides, not the one the plan was made under: an owner who leaves dry run can apply its plan.
    BudgetPlan.objects.filter(pk=plan.pk).update(mode=plan_mode)
    BudgetPolicy.objects.create(organization=organization, mode="approval")
    shown = api.get(f"/api/budget-plans/{plan.pk}/").json()["items"]

    response = api.post(f"/api/budget-plans/{plan.pk}/approve/")

    assert response.status_code == 200 and response.json()["status"] == "applied"
    made = BudgetChange.objects.order_by("campaign__name")
    assert (
        [(c.campaign_id, c.before_micros, c.after_micros, c.kind, c.user_id) for c in made]
        == sorted(
            (item["campaign"], item["before_micros"], item["after_micros"], "rebalance", teammate.pk)
            for item in shown
            if item["after_micros"] != item["before_micros"]
        )
        == [
            (Campaign.objects.get(name="Cemento").pk, 40 * EUR, 44 * EUR, "rebalance", teammate.pk),
            (Campaign.objects.get(name="Ladrillos").pk, 50 * EUR, 46 * EUR, "rebalance", teammate.pk),
        ]
    )
    assert _budgets(organization) == {"Arena": 30 * EUR, "Cemento": 44 * EUR, "Ladrillos": 46 * EUR}


def test_a_redelivered_automatic_plan_is_not_applied_after_a_switch_to_show_only(organization, plan):
    BudgetPlan.objects.filter(pk=plan.pk).update(mode="auto")  # made in automatic mode, not applied yet
    BudgetPolicy.objects.create(organization=organization, mode="dry_run")  # then an owner chose show-only
    before = _budgets(organization)

    again = rebalancing.run_daily(organization, PLAN_DATE)

    assert (again.pk, again.status) == (plan.pk, "proposed")
    assert _budgets(organization) == before and not BudgetChange.objects.exists()


def test_rollback_through_the_api_obeys_the_pages_rule_in_show_only_mode_too(api, organization, plan):
    # The mode is about plans; undoing an applied change is a person's call under the same checks, on the page and
    # here (rollback_blockers): allowed in show-only mode, refused beyond the day's change limit.
    BudgetPolicy.objects.create(organization=organization, mode="approval")
    rebalancing.apply(plan.pk)
    BudgetPolicy.objects.filter(organization=organization).update(mode="dry_run", max_change_percent=9)
    cemento = BudgetChange.objects.select_related("campaign").get(campaign__name="Cemento")  # 44 -> 40: a 9.1 % cut
    ladrillos = BudgetChange.objects.get(campaign__name="Ladrillos")  # 46 -> 50: an 8.7 % raise

    refused = api.post(f"/api/budget-changes/{cemento.pk}/rollback/")
    rolled = api.post(f"/api/budget-changes/{ladrillos.pk}/rollback/")

    page_says = rollback_blockers(organization, [cemento])[cemento.pk]
    assert refused.status_code == 409 and refused.json() == {"detail": ROLLBACK_REFUSED + page_says}
    assert page_says == "limited by the maximum change per day"
    assert rolled.status_code == 201
    assert (rolled.json()["kind"], rolled.json()["after_micros"]) == ("rollback", 50 * EUR)
    assert _budgets(organization) == {"Arena": 30 * EUR, "Cemento": 44 * EUR, "Ladrillos": 50 * EUR}
