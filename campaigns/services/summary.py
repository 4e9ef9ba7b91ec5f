"""The account's numbers over a period: totals, rates and wasted spend, from the imported reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When

from campaigns.models import DailyMetric, MetricLevel, Organization, ReportImport, SearchTermDaily, in_span
from campaigns.services.performance import latest_period
from ml.arithmetic import TermStats, summarize, wasted_spend


def account_summary(
    organization: Organization, *, days: int = 30, end: date | None = None, waste_min_clicks: int = 3
) -> dict:
    """JSON-ready totals and rates of the organization's campaigns over the last ``days`` days of data."""
    period = (end - timedelta(days=days - 1), end) if end else latest_period(organization, days)
    if period is None:
        return {"organization": organization.slug, "date_from": None, "date_to": None, "days": 0}
    return account_summaries(organization, [(*period, days)], waste_min_clicks=waste_min_clicks)[0]


# What each period sums from the campaign rows, and its value when there are none.
_SUMS = {"impressions": 0, "clicks": 0, "cost_micros": 0, "conversions": 0.0, "conversion_value_micros": 0}


def account_summaries(
    organization: Organization, periods: Sequence[tuple[date, date, int]], *, waste_min_clicks: int = 3
) -> list[dict]:
    """:func:`account_summary` of each ``(start, end, days)`` (the dashboard's period and the one before), in three
    queries however many periods when they do not overlap: one per table, grouped by period."""
    spans = [in_span(start, end) for start, end, _days in periods]
    totals = _sums_by_period(
        DailyMetric.objects.filter(organization=organization, level=MetricLevel.CAMPAIGN),
        periods,
        spans,
        (),
        {name: name for name in _SUMS},
    )
    terms = _sums_by_period(
        SearchTermDaily.objects.filter(campaign__organization=organization),
        periods,
        spans,
        ("search_term__text",),
        {"clicks": "clicks", "cost": "cost_micros", "conversions": "conversions"},
    )
    first, last = min(start for start, _end, _days in periods), max(end for _start, end, _days in periods)
    imports = list(
        ReportImport.objects.filter(
            organization=organization, kind__in=("campaign", "search_terms"), date_from__lte=last, date_to__gte=first
        ).only("kind", "date_from", "date_to", "totals", "unknown_columns")
    )
    summaries = []
    for i, (start, end, days) in enumerate(periods):
        stats = [
            TermStats(text, row["clicks"], row["cost"], row["conversions"])
            for (text,), row in terms[i].items()  # the terms with rows in this period
        ]
        waste = wasted_spend(stats, min_clicks=waste_min_clicks)
        unlisted = _unlisted_cost(imports, start, end)
        period_totals = totals[i].get((), {})
        summaries.append(
            {
                "organization": organization.slug,
                "date_from": start.isoformat(),
                "date_to": end.isoformat(),
                "days": days,
                **asdict(summarize(**{name: period_totals.get(name, empty) for name, empty in _SUMS.items()})),
                "wasted_spend_micros": waste.total_micros,
                **_visibility(unlisted, sum(term.cost_micros for term in stats)),
                "unknown": _unknown(imports, start, end),
                "wasted_share_of_search_term_cost": waste.share_of_cost,
                "top_waste": [
                    {"text": t.text, "clicks": t.clicks, "cost_micros": t.cost_micros} for t in waste.terms[:10]
                ],
            }
        )
    return summaries


def _sums_by_period(
    rows: QuerySet,
    periods: Sequence[tuple[date, date, int]],
    spans: list[Q],
    keys: tuple[str, ...],
    sums: dict[str, str],
) -> list[dict[tuple, dict]]:
    """Per period, ``{values of keys: {name: sum of field}}`` over the rows of its span (a group without rows is
    absent). Disjoint periods (the dashboard's and the one before) are one query grouped by a period number: each
    span is compiled once, not once per sum, which was most of the dashboard's own time; overlapping periods,
    whose rows count in several, take a query each."""
    ordered = sorted(periods)
    disjoint = all(earlier[1] < later[0] for earlier, later in zip(ordered, ordered[1:], strict=False))
    groups = [list(range(len(periods)))] if disjoint else [[i] for i in range(len(periods))]
    found: list[dict[tuple, dict]] = [{} for _ in periods]
    for group in groups:
        which = Case(*(When(spans[i], then=Value(i)) for i in group), output_field=IntegerField())
        grouped = (
            rows.filter(reduce(or_, (spans[i] for i in group)))
            .annotate(period_number=which)
            .values("period_number", *keys)
            .annotate(**{name: Sum(field) for name, field in sums.items()})
            .order_by()
        )
        for row in grouped:
            found[row["period_number"]][tuple(row[key] for key in keys)] = {name: row[name] for name in sums}
    return found


def _unlisted_cost(imports: Iterable[ReportImport], start: date, end: date) -> int:
    """:func:`unlisted_search_term_cost` of imports already read."""
    return sum(
        (figures.get("cost_micros") or 0)
        for i in imports
        if i.kind == "search_terms" and i.date_from >= start and i.date_to <= end
        for label, figures in i.totals.items()
        if label.strip().lower() in OTHER_SEARCH_TERMS
    )


def _visibility(unlisted: int, listed: int) -> dict:
    total = listed + unlisted
    return {
        "search_term_cost_without_term_micros": unlisted,
        "search_term_cost_micros": total,
        "search_term_cost_without_term_share": unlisted / total if total and unlisted else (0.0 if total else None),
    }


def _unknown(imports: Iterable[ReportImport], start: date, end: date) -> list[str]:
    """:func:`unknown_figures` of imports already read."""
    return sorted(
        {
            name
            for i in imports
            if i.kind == "campaign" and i.date_from <= end and i.date_to >= start
            for name in i.unknown_columns
        }
    )


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
    listed = SearchTermDaily.objects.filter(in_span(start, end), campaign__organization=organization).aggregate(
        cost=Sum("cost_micros", default=0)
    )["cost"]
    return _visibility(unlisted_search_term_cost(organization, start, end), listed)


def unknown_figures(organization: Organization, start: date, end: date) -> list[str]:
    """Figures some campaign report of [start, end] had no column for: their totals above are a floor, not zero."""
    imports = ReportImport.objects.filter(
        organization=organization, kind="campaign", date_from__lte=end, date_to__gte=start
    ).values_list("unknown_columns", flat=True)
    return sorted({name for names in imports for name in names})
