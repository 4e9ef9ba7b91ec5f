"""The dashboard: the account's arithmetic over a chosen period against the one before, charts and the top
opportunities."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigns.models import (
    DAYS_ONLY,
    BudgetPlan,
    BudgetPlanItem,
    DailyMetric,
    Membership,
    MetricLevel,
    Organization,
    PlanStatus,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    in_span,
)
from campaigns.services import unknowns
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
            "chart": _daily_series(organization, period, cpa_known=unknowns.CONVERSIONS not in summary["unknown"]),
            "spend_by_campaign": _spend_by_campaign(organization, period),
        },
    )


def _daily_series(organization: Organization, period: periods.Period, *, cpa_known: bool) -> dict:
    """Columns for the charts: day (unix seconds, noon UTC), spend and CPA in currency units, conversions; the
    bounds of the time axis (midnight UTC), the currency and the labels."""
    series: dict[str, Any] = {"days": [], "spend": [], "conversions": [], "cpa": []}
    # Charts are per day: period rows (reports without days) have no day to be drawn on.
    rows = list(
        DailyMetric.objects.filter(
            DAYS_ONLY, organization=organization, level=MetricLevel.CAMPAIGN, date__range=(period.start, period.end)
        )
        .values("date")
        .annotate(cost=Sum("cost_micros"), conversions=Sum("conversions"))
        .order_by("date")
    )
    for row in rows:
        cpa = cpa_micros(row["cost"], row["conversions"]) if cpa_known else None
        series["days"].append(_seconds(row["date"], time(12)))
        series["spend"].append(round(row["cost"] / MICROS, 2))
        series["conversions"].append(round(row["conversions"], 2))
        series["cpa"].append(None if cpa is None else round(cpa / MICROS, 2))
    # the time axis spans the days of data (whole days), not the period asked for: a day of data is a day wide
    first, last = (rows[0]["date"], rows[-1]["date"]) if rows else (period.start, period.end)
    return {
        **series,
        "start": _seconds(first),
        "end": _seconds(last + timedelta(days=1)),
        "currency": organization.currency,
        "locale": get_language() or settings.LANGUAGE_CODE,
        "labels": {"day": _("Day"), "spend": _("Spend"), "conversions": _("Conversions"), "cpa": _("CPA")},
    }


def _seconds(day: date, at: time = time(0)) -> int:
    return int(datetime.combine(day, at, tzinfo=UTC).timestamp())


def _spend_by_campaign(organization: Organization, period: periods.Period) -> list[dict]:
    rows = list(
        DailyMetric.objects.filter(
            in_span(period.start, period.end), organization=organization, level=MetricLevel.CAMPAIGN
        )
        .values("campaign_id", "campaign__name")
        .annotate(cost=Sum("cost_micros"), conversions=Sum("conversions"))
        .order_by("-cost")
    )
    largest = max((row["cost"] for row in rows), default=0) or 1
    return [
        {
            "id": row["campaign_id"],
            "name": row["campaign__name"],
            "cost_micros": row["cost"],
            "conversions": row["conversions"],
            "percent": round(100 * row["cost"] / largest),
        }
        for row in rows
    ]


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
