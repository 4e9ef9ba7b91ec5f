"""The dashboard: the account's arithmetic over the last 30 days of data, charts and the top opportunities."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaigns.models import (
    DAYS_ONLY,
    BudgetPlan,
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
from campaigns.services.summary import account_summary
from campaigns.web.context import organization_view
from ml.arithmetic import MICROS, cpa_micros

TOP = 5


@organization_view
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    summary = account_summary(organization)
    return render(request, "campaigns/dashboard.html", {
        "summary": summary,
        "chart": _daily_series(organization, summary),
        "spend_by_campaign": _spend_by_campaign(organization, summary),
        "negatives": top_negatives(organization),
        "budget_moves": _budget_moves(organization),
    })


def _period(summary: dict) -> tuple[date, date] | None:
    if not summary.get("date_from"):
        return None
    return date.fromisoformat(summary["date_from"]), date.fromisoformat(summary["date_to"])


def _daily_series(organization: Organization, summary: dict) -> dict:
    """Columns for the charts: day (unix seconds), spend and CPA in currency units, conversions."""
    period = _period(summary)
    series: dict[str, list] = {"days": [], "spend": [], "conversions": [], "cpa": []}
    if period is None:
        return series
    # Charts are per day: period rows (reports without days) have no day to be drawn on.
    rows = (DailyMetric.objects.filter(DAYS_ONLY, organization=organization, level=MetricLevel.CAMPAIGN,
                                       date__range=period)
            .values("date").annotate(cost=Sum("cost_micros"), conversions=Sum("conversions")).order_by("date"))
    for row in rows:
        cpa = cpa_micros(row["cost"], row["conversions"])
        series["days"].append(int(datetime.combine(row["date"], time(12), tzinfo=UTC).timestamp()))
        series["spend"].append(round(row["cost"] / MICROS, 2))
        series["conversions"].append(round(row["conversions"], 2))
        series["cpa"].append(None if cpa is None else round(cpa / MICROS, 2))
    return series


def _spend_by_campaign(organization: Organization, summary: dict) -> list[dict]:
    period = _period(summary)
    if period is None:
        return []
    rows = list(DailyMetric.objects.filter(in_span(*period), organization=organization, level=MetricLevel.CAMPAIGN)
                .values("campaign_id", "campaign__name")
                .annotate(cost=Sum("cost_micros"), conversions=Sum("conversions")).order_by("-cost"))
    largest = max((row["cost"] for row in rows), default=0) or 1
    return [{"id": row["campaign_id"], "name": row["campaign__name"], "cost_micros": row["cost"],
             "conversions": row["conversions"], "percent": round(100 * row["cost"] / largest)} for row in rows]


def top_negatives(organization: Organization, limit: int = TOP) -> list[Suggestion]:
    """Pending waste negatives, those that would have saved the most first."""
    pending = Suggestion.objects.filter(organization=organization, kind=SuggestionKind.NEGATIVE,
                                        status=SuggestionStatus.PENDING).only("text", "match_type", "level",
                                                                              "evidence")
    # only waste saves money; a sculpting negative moves traffic to another ad group (rows from before the
    # split carry no kind and were all counted as waste)
    waste = [s for s in pending if s.evidence.get("kind", "waste") == "waste"]
    ranked = sorted(waste, key=lambda s: -(s.evidence.get("would_have_blocked") or {}).get("cost_micros", 0))
    return ranked[:limit]


def _budget_moves(organization: Organization) -> list:
    plan = BudgetPlan.objects.filter(organization=organization, status=PlanStatus.PROPOSED).first()
    if plan is None:
        return []
    items = [item for item in plan.items.select_related("campaign") if item.after_micros != item.before_micros]
    items.sort(key=lambda item: -abs(item.after_micros - item.before_micros))
    return items[:TOP]
