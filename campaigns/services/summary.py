"""The account's numbers over a period: totals, rates and wasted spend, from the imported reports."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

from django.db.models import Sum

from campaigns.models import DailyMetric, MetricLevel, Organization, ReportImport, SearchTermDaily, in_span
from campaigns.services.performance import METRIC_SUMS, latest_period
from ml.arithmetic import TermStats, summarize, wasted_spend


def account_summary(
    organization: Organization, *, days: int = 30, end: date | None = None, waste_min_clicks: int = 3
) -> dict:
    """JSON-ready totals and rates of the organization's campaigns over the last ``days`` days of data."""
    period = (end - timedelta(days=days - 1), end) if end else latest_period(organization, days)
    if period is None:
        return {"organization": organization.slug, "date_from": None, "date_to": None, "days": 0}
    start, end = period
    totals = DailyMetric.objects.filter(
        in_span(start, end), organization=organization, level=MetricLevel.CAMPAIGN
    ).aggregate(**METRIC_SUMS)
    terms = (
        SearchTermDaily.objects.filter(in_span(start, end), campaign__organization=organization)
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
        **search_term_visibility(organization, start, end),
        "unknown": unknown_figures(organization, start, end),
        "wasted_share_of_search_term_cost": waste.share_of_cost,
        "top_waste": [{"text": t.text, "clicks": t.clicks, "cost_micros": t.cost_micros} for t in waste.terms[:10]],
    }


# The label of the platform's total line for searches it does not itemise, in the interface languages.
OTHER_SEARCH_TERMS = frozenset(
    {
        "other search terms",
        "otros términos de búsqueda",
        "andere suchbegriffe",
        "autres termes de recherche",
        "altri termini di ricerca",
        "outros termos de pesquisa",
    }
)


def unlisted_search_term_cost(organization: Organization, start: date, end: date) -> int:
    """Spend the search terms reports of [start, end] put under "Total: Other search terms": searches the platform
    does not itemise, so no wasted-spend figure can see them."""
    imports = ReportImport.objects.filter(
        organization=organization, kind="search_terms", date_from__gte=start, date_to__lte=end
    )
    return sum(
        (figures.get("cost_micros") or 0)
        for i in imports
        for label, figures in i.totals.items()
        if label.strip().lower() in OTHER_SEARCH_TERMS
    )


def search_term_visibility(organization: Organization, start: date, end: date) -> dict:
    """How much of the search-term spend of [start, end] has no visible term: the "Other search terms" share."""
    unlisted = unlisted_search_term_cost(organization, start, end)
    listed = SearchTermDaily.objects.filter(in_span(start, end), campaign__organization=organization).aggregate(
        cost=Sum("cost_micros", default=0)
    )["cost"]
    total = listed + unlisted
    return {
        "search_term_cost_without_term_micros": unlisted,
        "search_term_cost_micros": total,
        "search_term_cost_without_term_share": unlisted / total if total and unlisted else (0.0 if total else None),
    }


def unknown_figures(organization: Organization, start: date, end: date) -> list[str]:
    """Figures some campaign report of [start, end] had no column for: their totals above are a floor, not zero."""
    imports = ReportImport.objects.filter(
        organization=organization, kind="campaign", date_from__lte=end, date_to__gte=start
    ).values_list("unknown_columns", flat=True)
    return sorted({name for names in imports for name in names})
