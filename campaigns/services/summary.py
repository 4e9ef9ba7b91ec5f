"""The account's numbers over a period: totals, rates and wasted spend, from the imported reports."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from itertools import chain

from django.db.models import Model, Sum

from campaigns.models import (
    Campaign,
    DailyMetric,
    MetricLevel,
    Organization,
    ReportImport,
    SearchTerm,
    SearchTermDaily,
    in_span,
)
from campaigns.services import page_sql
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
    totals = _sums_by_period(_CAMPAIGN_ROWS, organization, periods)
    terms = _sums_by_period(_SEARCH_TERM_ROWS, organization, periods)
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


@dataclass(frozen=True)
class _Rows:
    """Rows to sum per period, for :func:`_sums_by_period`: the FROM and WHERE of an organization's rows of
    ``model`` (aliased ``r``, its ``joins`` of models aliased and joined ON, ``where`` with the organization as its
    one parameter), ``keys`` the columns grouped by (their names in the result), ``sums`` the result's names of the
    summed columns and whether each is a whole number."""

    model: type[Model]
    joins: tuple[tuple[type[Model], str, str], ...]
    where: str
    keys: tuple[tuple[str, str], ...]
    sums: tuple[tuple[str, str, bool], ...]

    def source(self) -> str:
        joins = "".join(f" JOIN {page_sql.table(model)} {alias} ON {on}" for model, alias, on in self.joins)
        return f"FROM {page_sql.table(self.model)} r{joins} WHERE {self.where}"


# in_span(start, end) of campaigns.models in SQL: the days of [start, end] and the period rows wholly inside it
_SPAN = "(r.date >= %s AND ((r.date_to IS NULL AND r.date <= %s) OR r.date_to <= %s))"


@functools.cache
def _sums_sql(rows: _Rows, number: int, disjoint: bool) -> str:
    """The query of :func:`_sums_by_period` for ``number`` periods: one query grouped by the number of the period
    whose span holds the row when the spans are disjoint; else (overlapping spans, whose rows count in several) a
    query per period, joined by UNION ALL."""
    sums = ", ".join(
        f"CAST(SUM(r.{column}) AS BIGINT) AS {name}" if whole else f"SUM(r.{column}) AS {name}"
        for name, column, whole in rows.sums
    )
    keys = "".join(f", {column} AS {name}" for name, column in rows.keys)
    group = "".join(f", {column}" for _name, column in rows.keys)
    source = rows.source()
    if disjoint:
        which = " ".join(f"WHEN {_SPAN} THEN {i}" for i in range(number))
        spans = " OR ".join([_SPAN] * number)
        return f"SELECT CASE {which} END AS period_number{keys}, {sums} {source} AND ({spans}) GROUP BY 1{group}"
    return " UNION ALL ".join(
        f"SELECT {i} AS period_number{keys}, {sums} {source} AND {_SPAN} GROUP BY 1{group}" for i in range(number)
    )


def _sums_by_period(
    rows: _Rows, organization: Organization, periods: Sequence[tuple[date, date, int]]
) -> list[dict[tuple, dict]]:
    """Per period, ``{values of keys: {name: sum}}`` over the organization's rows of its span (a group without rows
    is absent), in one query. Written in SQL: the ORM's building of this query (a CASE of the spans, each compiled
    again for every sum) was most of the dashboard's own time."""
    ordered = sorted(periods)
    disjoint = all(earlier[1] < later[0] for earlier, later in zip(ordered, ordered[1:], strict=False))
    spans = [[page_sql.day(day) for day in (start, end, end)] for start, end, _days in periods]
    if disjoint:  # the spans in the CASE, the organization, the spans again in the WHERE
        params = [*chain(*spans), organization.pk, *chain(*spans)]
    else:  # each period's query: its organization and its span
        params = [value for span in spans for value in (organization.pk, *span)]
    found: list[dict[tuple, dict]] = [{} for _ in periods]
    keys, names = len(rows.keys), [name for name, _column, _whole in rows.sums]
    for period_number, *values in page_sql.fetch(_sums_sql(rows, len(periods), disjoint), params):
        found[period_number][tuple(values[:keys])] = dict(zip(names, values[keys:], strict=True))
    return found


_CAMPAIGN_ROWS = _Rows(
    model=DailyMetric,
    joins=(),
    where=f"r.organization_id = %s AND r.level = '{MetricLevel.CAMPAIGN.value}'",
    keys=(),
    sums=tuple((name, name, name != "conversions") for name in _SUMS),
)
_SEARCH_TERM_ROWS = _Rows(
    model=SearchTermDaily,
    joins=((SearchTerm, "t", "t.id = r.search_term_id"), (Campaign, "c", "c.id = r.campaign_id")),
    where="c.organization_id = %s",
    keys=(("text", "t.text"),),
    sums=(("clicks", "clicks", True), ("cost", "cost_micros", True), ("conversions", "conversions", False)),
)


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
