"""Budgets: today's budgets against the latest plan, approve (apply) or reject it, the audit and roll back."""

from __future__ import annotations

from operator import attrgetter

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import BudgetChange, BudgetPlan, Membership
from campaigns.services import rebalancing
from campaigns.services.rebalancing import RebalanceError
from campaigns.web import budget_limits, tables
from campaigns.web.context import organization_view, require_edit
from campaigns.web.tables import DATETIME, MONEY, Column, Spec

HISTORY = Spec(
    name="",
    caption=gettext_lazy("History"),
    filename="budget-history",
    columns=(
        Column("when", gettext_lazy("When"), attrgetter("created_at"), DATETIME, order="created_at"),
        Column("campaign", gettext_lazy("Campaign"), lambda change: change.campaign.name, order="campaign__name"),
        Column("kind", gettext_lazy("Kind"), lambda change: _(change.get_kind_display()), order="kind"),
        Column("before", gettext_lazy("Before"), attrgetter("before_micros"), MONEY, order="before_micros"),
        Column("after", gettext_lazy("After"), attrgetter("after_micros"), MONEY, order="after_micros"),
        Column("who", gettext_lazy("Who"), attrgetter("actor"), order="actor"),
        Column("why", gettext_lazy("Why"), lambda change: " ".join(change.reasons or []), sortable=False),
    ),
    default_sort="-when",
    search=("campaign", "who"),
)


@require_GET
@organization_view
def budgets(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    plan = BudgetPlan.objects.filter(organization=organization).select_related("decided_by").first()
    items = {item.campaign_id: item for item in plan.items.all()} if plan else {}
    campaigns = list(organization.campaigns.order_by("name"))
    history = tables.bind(request, HISTORY, BudgetChange.objects.select_related("campaign", "user"), organization)
    if history.wants_csv:
        return history.csv_response(currency=organization.currency, basename=organization.slug)
    changes = list(history.rows)
    rolled_back = set(
        BudgetChange.objects.filter(organization=organization, kind=BudgetChange.Kind.ROLLBACK).values_list(
            "campaign_id", "plan_date", "plan_version"
        )
    )
    for change in changes:
        change.can_roll_back = (
            change.kind == BudgetChange.Kind.REBALANCE
            and (change.campaign_id, change.plan_date, change.plan_version) not in rolled_back
        )
    _scale_intervals(list(items.values()))
    budget_limits.annotate(items.values(), organization.currency)
    return render(
        request,
        "campaigns/budgets.html",
        {
            "plan": plan,
            "rows": [{"campaign": campaign, "item": items.get(campaign.pk)} for campaign in campaigns],
            "changes": changes,
            "table": history,
        },
    )


def _scale_intervals(items: list) -> None:
    """Where each posterior interval sits on one shared axis (0 to the largest p95), in percent, for drawing."""
    top = max((item.posterior.get("marginal_return_p95") or 0 for item in items), default=0)
    for item in items:
        low, high = item.posterior.get("marginal_return_p05"), item.posterior.get("marginal_return_p95")
        if top > 0 and low is not None and high is not None:
            item.interval = {"left": round(100 * low / top, 1), "width": max(round(100 * (high - low) / top, 1), 1)}


@require_POST
@organization_view
def decide_plan(request: HttpRequest, membership: Membership, plan_id: int) -> HttpResponse:
    require_edit(membership)
    plan = get_object_or_404(BudgetPlan, pk=plan_id, organization=membership.organization)
    try:
        if request.POST.get("decision") == "apply":
            rebalancing.apply(plan.pk, user=request.user)
            messages.success(request, _("Plan applied."))
        else:
            rebalancing.reject(plan.pk, user=request.user)
            messages.success(request, _("Plan rejected."))
    except RebalanceError as exc:
        messages.error(request, str(exc))
    return redirect("campaigns:budgets")


@require_POST
@organization_view
def roll_back(request: HttpRequest, membership: Membership, change_id: int) -> HttpResponse:
    require_edit(membership)
    change = get_object_or_404(BudgetChange, pk=change_id, organization=membership.organization)
    try:
        rebalancing.rollback(change.pk, user=request.user)
        messages.success(request, _("Change rolled back."))
    except RebalanceError as exc:
        messages.error(request, str(exc))
    return redirect("campaigns:budgets")
