"""An account with one day of metrics, a search term, a pending negative and a proposed budget plan."""

from __future__ import annotations

from datetime import date

import pytest

from campaigns.models import (
    BudgetPlan,
    BudgetPlanItem,
    DailyMetric,
    SearchTerm,
    SearchTermDaily,
    Suggestion,
)
from tests.factories import AdGroupFactory, CampaignFactory, member

DAY = date(2025, 3, 10)


@pytest.fixture
def viewer(organization):
    return member(organization, "viewer")


@pytest.fixture
def account(organization):
    campaign = CampaignFactory(
        organization=organization, name="Cemento <script>alert(1)</script>", daily_budget_micros=40_000_000
    )
    ad_group = AdGroupFactory(campaign=campaign, name="Cemento gris")
    DailyMetric.objects.create(
        organization=organization,
        campaign=campaign,
        level="campaign",
        date=DAY,
        impressions=1000,
        clicks=100,
        cost_micros=50_000_000,
        conversions=5,
        conversion_value_micros=200_000_000,
    )
    term = SearchTerm.objects.create(
        organization=organization, campaign=campaign, ad_group=ad_group, text="cemento <b>gratis</b>"
    )
    SearchTermDaily.objects.create(search_term=term, campaign=campaign, date=DAY, clicks=7, cost_micros=3_500_000)
    negative = Suggestion.objects.create(
        organization=organization,
        kind="negative",
        level="ad_group",
        campaign=campaign,
        ad_group=ad_group,
        text="gratis",
        match_type="phrase",
        source="test",
        evidence={
            "reason": "no conversions",
            "would_have_blocked": {
                "terms": ["cemento <b>gratis</b>"],
                "clicks": 7,
                "cost_micros": 3_500_000,
                "conversions": 0,
            },
        },
    )
    plan = BudgetPlan.objects.create(
        organization=organization, plan_date=DAY, mode="approval", total_micros=40_000_000, policy="thompson"
    )
    BudgetPlanItem.objects.create(
        plan=plan,
        campaign=campaign,
        before_micros=40_000_000,
        proposed_micros=44_000_000,
        after_micros=44_000_000,
        reasons=["converts <i>well</i>"],
        posterior={"marginal_return_p05": 1.25, "marginal_return_p95": 3.5},
    )
    return {"campaign": campaign, "ad_group": ad_group, "term": term, "negative": negative, "plan": plan}
