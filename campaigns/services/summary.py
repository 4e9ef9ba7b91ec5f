"""The account's numbers over a period: totals, rates and wasted spend, from the imported reports."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

from django.db.models import Sum

from campaigns.models import DailyMetric, MetricLevel, Organization, SearchTermDaily
from campaigns.services.performance import METRIC_SUMS, latest_period
from ml.arithmetic import TermStats, summarize, wasted_spend


def account_summary(organization: Organization, *, days: int = 30, end: date | None = None,
                    waste_min_clicks: int = 3) -> dict:
    """JSON-ready totals and rates of the organization's campaigns over the last ``days`` days of data."""
    period = (end - timedelta(days=days - 1), end) if end else latest_period(organization, days)
    if period is None:
        return {"organization": organization.slug, "date_from": None, "date_to": None, "days": 0}
    start, end = period
    totals = DailyMetric.objects.filter(organization=organization, level=MetricLevel.CAMPAIGN,
                                        date__range=period).aggregate(**METRIC_SUMS)
    terms = (
        SearchTermDaily.objects.filter(campaign__organization=organization, date__range=(start, end))
        .values("search_term__text")
        .annotate(clicks=Sum("clicks"), cost=Sum("cost_micros"), conversions=Sum("conversions"))
    )
    waste = wasted_spend(
        (TermStats(row["search_term__text"], row["clicks"], row["cost"], row["conversions"]) for row in terms),
        min_clicks=waste_min_clicks,
    )
    return {
        "organization": organization.slug,
        "date_from": start.isoformat(),
        "date_to": end.isoformat(),
        "days": days,
        **asdict(summarize(**totals)),
        "wasted_spend_micros": waste.total_micros,
        "wasted_share_of_search_term_cost": waste.share_of_cost,
        "top_waste": [{"text": t.text, "clicks": t.clicks, "cost_micros": t.cost_micros} for t in waste.terms[:10]],
    }
