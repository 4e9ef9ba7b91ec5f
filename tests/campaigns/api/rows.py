"""Rows of every API resource in one organization, so that lists have something to list (and to count)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Model

from campaigns.models import (
    Ad,
    BudgetChange,
    BudgetPlan,
    BudgetPlanItem,
    DailyMetric,
    GenerationJob,
    ImportJob,
    Invitation,
    Membership,
    Organization,
    ReportImport,
    SearchTerm,
    SearchTermDaily,
    SearchTermMatch,
    Suggestion,
)
from tests.factories import AdGroupFactory, KeywordFactory, OrganizationFactory, UserFactory

FIRST_DAY = dt.date(2026, 9, 1)


def add_rows(organization: Organization, count: int, member: object) -> dict[str, list[Model]]:
    """``count`` more rows of every router resource, keyed by its URL prefix; ``member`` (an owner of
    ``organization``) also joins ``count`` more organizations so that the organization list grows too."""
    rows: dict[str, list[Model]] = {}
    start = BudgetPlan.objects.filter(organization=organization).count()
    for n in range(start, start + count):
        day = FIRST_DAY + dt.timedelta(days=n)
        other = OrganizationFactory(name=f"Filial {n}", slug=f"filial-{organization.pk}-{n}")
        Membership.objects.create(user=member, organization=other, role="viewer")
        ad_group = AdGroupFactory(campaign__organization=organization, max_cpc_micros=900_000)
        campaign = ad_group.campaign
        term = SearchTerm.objects.create(
            organization=organization, campaign=campaign, ad_group=ad_group, text=f"cemento cola {n}"
        )
        SearchTermMatch.objects.create(
            search_term=term, ad_group=ad_group, nearest_ad_group=ad_group, score=0.9, threshold=0.5, source="test"
        )
        SearchTermDaily.objects.create(search_term=term, campaign=campaign, date=day, clicks=2, cost_micros=700_000)
        plan = BudgetPlan.objects.create(
            organization=organization, plan_date=day, mode="approval", total_micros=40_000_000, policy="test"
        )
        BudgetPlanItem.objects.create(
            plan=plan,
            campaign=campaign,
            before_micros=40_000_000,
            proposed_micros=44_000_000,
            after_micros=44_000_000,
            reasons=["raise"],
        )
        new = {
            "organizations": other,
            "memberships": Membership.objects.create(
                user=UserFactory(username=f"equipo-{organization.pk}-{n}"), organization=organization, role="editor"
            ),
            "invitations": Invitation.objects.create(
                organization=organization,
                email=f"invitado{n}@example.com",
                role="viewer",
                token_sha256=f"{organization.pk:032d}{n:032d}",
                invited_by=member,
            ),
            "campaigns": campaign,
            "ad-groups": ad_group,
            "keywords": KeywordFactory(ad_group=ad_group),
            "ads": Ad.objects.create(
                ad_group=ad_group,
                final_url="https://example.com/",
                headlines=[{"text": f"Titular {h}", "pin": None} for h in range(3)],
                descriptions=[{"text": f"Descripción {d}", "pin": None} for d in range(2)],
            ),
            "daily-metrics": DailyMetric.objects.create(
                organization=organization,
                campaign=campaign,
                level="campaign",
                date=day,
                clicks=3,
                cost_micros=1_500_000,
            ),
            "search-terms": term,
            "suggestions": Suggestion.objects.create(
                organization=organization,
                kind="negative",
                level="campaign",
                campaign=campaign,
                text=f"cemento dental {n}",
                match_type="phrase",
                source="test",
                evidence={"blocked": ["cemento dental"]},
            ),
            "imports": ReportImport.objects.create(
                organization=organization,
                platform="google",
                kind="campaign",
                filename=f"r{n}.csv",
                sha256=f"{n:064d}",
                rows=1,
                date_from=day,
                date_to=day,
                created_by=member,
            ),
            "budget-plans": plan,
            "generation-jobs": GenerationJob.objects.create(
                organization=organization,
                campaign=campaign,
                ad_group=ad_group,
                product_text="cemento cola flexible",
                total_requests=4,
                done_requests=1,
                created_by=member,
                result={"done_ad_groups": [ad_group.pk]},
                dropped=[
                    {
                        "ad_group": ad_group.pk,
                        "field": "headlines",
                        "index": 0,
                        "reason": "too_long",
                        "detail": "headline is 31 wide; the limit is 30",
                        "text": "Cemento cola flexible en sacos 25",
                    }
                ],
            ),
            "import-jobs": ImportJob.objects.create(
                organization=organization,
                filename=f"r{n}.csv",
                status="failed",
                error="the file is empty",
                created_by=member,
            ),
            "budget-changes": BudgetChange.objects.create(
                organization=organization,
                campaign=campaign,
                plan=plan,
                plan_date=day,
                plan_version=1,
                before_micros=36_000_000,
                after_micros=40_000_000,
                actor="automation:test",
            ),
        }
        for prefix, row in new.items():
            rows.setdefault(prefix, []).append(row)
    return rows
