"""The dashboard: the account's arithmetic over a chosen period against the one before, charts and the top
opportunities."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigns.models import (
    BudgetPlan,
    BudgetPlanItem,
    Campaign,
    DailyMetric,
    Membership,
    MetricLevel,
    Organization,
    PlanStatus,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from campaigns.services import page_sql, unknowns
from campaigns.services.performance import latest_period
from campaigns.services.summary import account_summaries
from campaigns.web import comparison, periods
from campaigns.web.context import organization_view
from ml.arithmetic import MICROS, cpa_micros

TOP = 5


@organization_view
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    latest = latest_period(organization, 1)
    context: dict = {"negatives": top_negatives(organization), "budget_moves": _budget_moves(organization)}
    if latest is None:  # no data yet: the page says how to import some
        return render(request, "campaigns/dashboard.html", context)
    newest = latest[1]
    period, period_error = periods.choose(request.GET, newest)
    previous = period.previous()
    summary, before = account_summaries(
        organization, [(period.start, period.end, period.days), (previous.start, previous.end, previous.days)]
    )
    figures = comparison.figures(summary, before, organization.currency)
    rows = _campaign_rows(organization, period)
    return render(
        request,
        "campaigns/dashboard.html",
        {
            **context,
            "summary": summary,
            "figures": figures,
            "newest": newest,
            "period": period,
            "previous": previous,
            "period_error": period_error,
            "previous_has_data": comparison.has_data(before),
            "presets": [
                {"key": key, "label": label, "url": f"?{urlencode({'range': key})}", "current": key == period.preset}
                for key, label in periods.PRESETS.items()
            ],
            "chart": _daily_series(
                rows, period, organization.currency, cpa_known=unknowns.CONVERSIONS not in summary["unknown"]
            ),
            "spend_by_campaign": _spend_by_campaign(rows, period),
        },
    )


def _campaign_rows(organization: Organization, period: periods.Period) -> list[tuple]:
    """The organization's campaign rows that start in the period: (date, date_to, campaign id, campaign name, cost,
    conversions), in one query for both the charts and the spend per campaign, in SQL (the ORM's two grouped
    queries took most of the time of these two parts of the page)."""
    rows = page_sql.fetch(_campaign_rows_sql(), [organization.pk, page_sql.day(period.start), page_sql.day(period.end)])
    return [
        (page_sql.from_db(DailyMetric, "date", day), page_sql.from_db(DailyMetric, "date_to", last), *rest)
        for day, last, *rest in rows
    ]


@functools.cache
def _campaign_rows_sql() -> str:
    return (
        "SELECT r.date, r.date_to, r.campaign_id, c.name, r.cost_micros, r.conversions "
        f"FROM {page_sql.table(DailyMetric)} r JOIN {page_sql.table(Campaign)} c ON c.id = r.campaign_id "
        f"WHERE r.organization_id = %s AND r.level = '{MetricLevel.CAMPAIGN.value}' AND r.date >= %s AND r.date <= %s"
    )


def _daily_series(rows: list[tuple], period: periods.Period, currency: str, *, cpa_known: bool) -> dict:
    """Columns for the charts: day (unix seconds, noon UTC), spend and CPA in currency units, conversions; the
    bounds of the time axis (midnight UTC), the currency and the labels."""
    series: dict[str, Any] = {"days": [], "spend": [], "conversions": [], "cpa": []}
    # Charts are per day: period rows (reports without days) have no day to be drawn on.
    by_day: dict[date, list] = {}
    for day, last, _campaign, _name, cost, conversions in rows:
        if last is None:
            sums = by_day.setdefault(day, [0, 0.0])
            sums[0] += cost
            sums[1] += conversions
    days = sorted(by_day)
    for day in days:
        cost, conversions = by_day[day]
        cpa = cpa_micros(cost, conversions) if cpa_known else None
        series["days"].append(_seconds(day, time(12)))
        series["spend"].append(round(cost / MICROS, 2))
        series["conversions"].append(round(conversions, 2))
        series["cpa"].append(None if cpa is None else round(cpa / MICROS, 2))
    # the time axis spans the days of data (whole days), not the period asked for: a day of data is a day wide
    first, last = (days[0], days[-1]) if days else (period.start, period.end)
    return {
        **series,
        "start": _seconds(first),
        "end": _seconds(last + timedelta(days=1)),
        "currency": currency,
        "locale": get_language() or settings.LANGUAGE_CODE,
        "labels": {"day": _("Day"), "spend": _("Spend"), "conversions": _("Conversions"), "cpa": _("CPA")},
    }


def _seconds(day: date, at: time = time(0)) -> int:
    return int(datetime.combine(day, at, tzinfo=UTC).timestamp())


def _spend_by_campaign(rows: list[tuple], period: periods.Period) -> list[dict]:
    """Each campaign's cost and conversions over the rows ``in_span`` of the period (days, and period rows wholly
    inside it), biggest spender first."""
    sums: dict[int, dict] = {}
    for _day, last, campaign_id, name, cost, conversions in rows:
        if last is None or last <= period.end:
            row = sums.setdefault(campaign_id, {"id": campaign_id, "name": name, "cost_micros": 0, "conversions": 0.0})
            row["cost_micros"] += cost
            row["conversions"] += conversions
    ranked = sorted(sums.values(), key=lambda row: (-row["cost_micros"], row["name"], row["id"]))
    largest = max((row["cost_micros"] for row in ranked), default=0) or 1
    return [{**row, "percent": round(100 * row["cost_micros"] / largest)} for row in ranked]


def top_negatives(organization: Organization, limit: int = TOP) -> list[Suggestion]:
    """Pending waste negatives, those that would have saved the most first."""
    pending = Suggestion.objects.filter(
        organization=organization, kind=SuggestionKind.NEGATIVE, status=SuggestionStatus.PENDING
    ).only("text", "match_type", "level", "evidence")
    # only waste saves money; a sculpting negative moves traffic to another ad group (rows from before the
    # split carry no kind and were all counted as waste)
    waste = [s for s in pending if s.evidence.get("kind", "waste") == "waste"]
    ranked = sorted(waste, key=lambda s: -(s.evidence.get("would_have_blocked") or {}).get("cost_micros", 0))
    return ranked[:limit]


def _budget_moves(organization: Organization) -> list:
    # the items of the newest proposed plan, found inside the same query (.first()'s order: newest first)
    plan = BudgetPlan.objects.filter(organization=organization, status=PlanStatus.PROPOSED).order_by(
        "-plan_date", "-version", "pk"
    )
    rows = BudgetPlanItem.objects.filter(plan=Subquery(plan.values("pk")[:1])).select_related("campaign")
    items = [item for item in rows if item.after_micros != item.before_micros]
    items.sort(key=lambda item: -abs(item.after_micros - item.before_micros))
    return items[:TOP]
