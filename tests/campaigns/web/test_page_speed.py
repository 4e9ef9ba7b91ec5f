"""No N+1: every page makes as many queries with 20 rows as with 2; every page of the demo answers with a bounded
number of queries. How fast the pages are is measured by the benches (``bench/page_profile.py``,
``bench/load_bench.py``), not here: a timed test fails on a busy machine, not on slow code.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import (
    Ad,
    BudgetChange,
    BudgetPlan,
    BudgetPlanItem,
    DailyMetric,
    Membership,
    ReportImport,
    SearchTerm,
    SearchTermDaily,
    Suggestion,
)
from tests.campaigns.web.conftest import DAY
from tests.factories import AdGroupFactory, CampaignFactory, KeywordFactory

pytestmark = pytest.mark.django_db

# the most queries one page may make on the demo organization (90 days, a budget plan): its time is measured by
# bench/page_profile.py and bench/load_bench.py, never by a timed test
MAX_QUERIES = 25


def _user(username: str) -> object:
    return get_user_model().objects.create(username=username)  # no password: hashing would dominate the test


def _grow(organization, campaign, ad_group, plan, start: int, stop: int) -> None:
    """Rows start..stop-1 of every list a page shows: campaigns, ad groups, keywords, ads, terms, negatives…"""
    for i in range(start, stop):
        other = CampaignFactory(organization=organization, name=f"Campaña {i}")
        DailyMetric.objects.create(
            organization=organization,
            campaign=other,
            level="campaign",
            date=DAY,
            clicks=9,
            impressions=90,
            cost_micros=4_000_000,
            conversions=1,
        )
        BudgetPlanItem.objects.create(
            plan=plan,
            campaign=other,
            before_micros=40_000_000,
            proposed_micros=44_000_000,
            after_micros=44_000_000,
            reasons=["r"],
            posterior={"marginal_return_p05": 1.0, "marginal_return_p95": 2.0},
        )
        BudgetChange.objects.create(
            organization=organization,
            campaign=other,
            plan=plan,
            plan_date=DAY,
            plan_version=1,
            before_micros=40_000_000,
            after_micros=44_000_000,
            actor="user:x",
            user=_user(f"changer{i}"),
        )
        group = AdGroupFactory(campaign=campaign, name=f"Grupo {i}")
        Suggestion.objects.create(
            organization=organization,
            kind="headline",
            campaign=campaign,
            ad_group=group,
            text=f"Título nuevo {i}",
            source="generation:test",
        )
        keyword = KeywordFactory(ad_group=ad_group, text=f"cemento {i}")
        DailyMetric.objects.create(
            organization=organization,
            campaign=campaign,
            level="keyword",
            ad_group=ad_group,
            keyword=keyword,
            date=DAY,
            clicks=3,
            impressions=30,
            cost_micros=1_000_000,
        )
        Ad.objects.create(
            ad_group=ad_group,
            headlines=[{"text": f"Título {i}.{n}", "pin": None} for n in range(3)],
            descriptions=[{"text": f"Descripción {i}.{n}", "pin": None} for n in range(2)],
            final_url="https://example.com/",
        )
        term = SearchTerm.objects.create(
            organization=organization, campaign=campaign, ad_group=ad_group, text=f"término {i}"
        )
        SearchTermDaily.objects.create(search_term=term, campaign=campaign, date=DAY, clicks=2, cost_micros=500_000)
        Suggestion.objects.create(
            organization=organization,
            kind="ad_group",
            text=f"grupo nuevo {i}",
            source="matching:test",
            evidence={
                "terms": [term.text],
                "term_ids": [term.pk],
                "clicks": 2,
                "cost_micros": 500_000,
                "conversions": 0.0,
                "starter_keywords": [term.text],
            },
        )
        for status in ("pending", "rejected"):
            Suggestion.objects.create(
                organization=organization,
                kind="negative",
                level="campaign",
                campaign=other,
                text=f"negativa {i}",
                match_type="exact",
                source="test",
                status=status,
                decided_by=_user(f"decider{i}") if status != "pending" else None,
                evidence={"would_have_blocked": {"cost_micros": i}},
            )
        ReportImport.objects.create(
            organization=organization,
            platform="google",
            kind="campaign",
            filename=f"r{i}.csv",
            sha256="0" * 64,
            rows=i,
            date_from=DAY,
            date_to=DAY,
            created_by=_user(f"importer{i}"),
        )
        Membership.objects.create(organization=organization, user=_user(f"member{i}"), role="viewer")


def _urls(account: dict) -> dict[str, str]:
    return {
        "dashboard": reverse("campaigns:dashboard"),
        "campaigns": reverse("campaigns:campaigns"),
        "search_terms": reverse("campaigns:search_terms"),
        "intent_clusters": reverse("campaigns:intent_clusters"),
        "budgets": reverse("campaigns:budgets"),
        "imports": reverse("campaigns:imports"),
        "exports": reverse("campaigns:exports"),
        "members": reverse("campaigns:members"),
        "settings": reverse("campaigns:settings"),
        "campaign": reverse("campaigns:campaign", args=[account["campaign"].pk]),
        "ad_group": reverse("campaigns:ad_group", args=[account["ad_group"].pk]),
        "generate": reverse("campaigns:generate", args=[account["campaign"].pk]),
    }


def _queries(client, url: str) -> int:
    # the exports page keeps no findings inside a transaction that has written (a test's): it checks on every view
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "page",
    [
        "dashboard",
        "campaigns",
        "search_terms",
        "intent_clusters",
        "budgets",
        "imports",
        "exports",
        "members",
        "settings",
        "campaign",
        "ad_group",
        "generate",
    ],
)
def test_queries_do_not_grow_with_rows(client, owner, organization, account, page):
    plan = BudgetPlan.objects.create(
        organization=organization, plan_date=DAY - timedelta(days=1), mode="approval", total_micros=0, policy="thompson"
    )
    url = _urls(account)[page]
    client.force_login(owner)
    _grow(organization, account["campaign"], account["ad_group"], plan, 0, 2)
    client.get(url)  # the session's first request remembers the organization and the language
    with_two = _queries(client, url)
    _grow(organization, account["campaign"], account["ad_group"], plan, 2, 20)
    assert _queries(client, url) == with_two


END = date(2026, 11, 25)
DEMO_DAYS = 90  # the seed's default, what `make run` loads


def test_every_page_answers_on_the_demo_with_few_queries(client, monkeypatch):
    from campaigns import tasks
    from campaigns.models import Campaign
    from campaigns.services import rebalancing
    from campaigns.services.demo import seed_demo

    monkeypatch.setattr(tasks.run_matching_job, "delay", lambda *args, **kwargs: None)
    organization = seed_demo(seed=7, days=DEMO_DAYS, end=END)
    rebalancing.propose(organization, END + timedelta(days=1))
    campaign = Campaign.objects.filter(organization=organization).order_by("name").first()
    ad_group = campaign.ad_groups.order_by("name").first()
    Suggestion.objects.create(
        organization=organization,
        kind="negative",
        level="ad_group",
        campaign=campaign,
        ad_group=ad_group,
        text="gratis",
        match_type="phrase",
        source="test",
        evidence={"would_have_blocked": {"cost_micros": 1_000_000}},
    )
    client.force_login(Membership.objects.get(organization=organization, role="owner").user)
    urls = _urls({"campaign": campaign, "ad_group": ad_group})
    counts = {}
    for page, url in urls.items():
        assert client.get(url).status_code == 200  # the first request of a page loads its templates
        counts[page] = _queries(client, url)
    print(f"\nqueries per page on the demo organization ({connection.vendor}): {counts}")
    assert {page: n for page, n in counts.items() if n > MAX_QUERIES} == {}
