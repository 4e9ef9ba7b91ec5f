"""Budgets: the latest plan in words, its dry run and confirmed apply, plan now, the audit and roll back."""

from __future__ import annotations

import time
from operator import attrgetter
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import (
    BudgetChange,
    BudgetPlan,
    BudgetPlanItem,
    Campaign,
    Membership,
    Organization,
    PlanStatus,
    RebalanceMode,
)
from campaigns.services import budget_edits, page_sql, rebalancing
from campaigns.services.budget_checks import (
    NOT_A_REBALANCE,
    RebalanceError,
    check_mode,
    read_policy,
    rollback_blockers,
)
from campaigns.web import budget_limits, budget_words, tables
from campaigns.web.context import organization_view, require_edit, require_owner
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
        Column(
            "why",
            gettext_lazy("Why"),
            lambda change: "; ".join(budget_words.plain(reason) for reason in change.reasons or []),
            sortable=False,
        ),
    ),
    default_sort="-when",
    search=("campaign", "who"),
)


@require_GET
@organization_view
def budgets(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    campaigns, plan, items = _plan_and_campaigns(organization)
    history = tables.bind(request, HISTORY, BudgetChange.objects.select_related("campaign", "user"), organization)
    if history.wants_csv:
        return history.csv_response(currency=organization.currency, basename=organization.slug)
    changes = list(history.rows)
    blockers = rollback_blockers(organization, changes)
    for change in changes:
        blocker = blockers.get(change.pk)
        change.can_roll_back = blocker is None
        change.no_roll_back = "" if blocker is None or blocker == NOT_A_REBALANCE else budget_words.plain(blocker)
        change.plain_reasons = [budget_words.plain(reason) for reason in change.reasons or []]
    _scale_intervals(list(items.values()))
    mode = read_policy(organization).mode
    budget_limits.annotate(items.values(), organization.currency)
    return render(
        request,
        "campaigns/budgets.html",
        {
            "plan": plan,
            "mode": mode,
            "plan_status": _(plan.get_status_display()) if plan else "",
            "mode_label": RebalanceMode(mode).label,
            "show_only": mode == RebalanceMode.DRY_RUN,
            "show_only_note": budget_words.SHOW_ONLY,
            "notes": [budget_words.plain(note) for note in plan.notes] if plan else [],
            "moves": [
                budget_words.sentence(move, organization.currency) for move in budget_words.moves(list(items.values()))
            ],
            "rows": [_row(campaign, items.get(campaign.pk)) for campaign in campaigns],
            "changes": changes,
            "table": history,
            "planning": _planning(organization, request.GET.get("planning")),
        },
    )


def _plan_and_campaigns(
    organization: Organization,
) -> tuple[list[Campaign], BudgetPlan | None, dict[int, BudgetPlanItem]]:
    """The organization's campaigns by name, its latest plan and that plan's items by campaign (in the campaigns'
    order, each with its campaign): three queries in SQL, as the page reads them on every view (the ORM's
    building of them was most of their time)."""
    campaigns = list(
        Campaign.objects.raw(
            f"SELECT * FROM {page_sql.table(Campaign)} WHERE organization_id = %s ORDER BY name", [organization.pk]
        )
    )
    plans = BudgetPlan.objects.raw(
        f"SELECT * FROM {page_sql.table(BudgetPlan)} WHERE organization_id = %s "
        "ORDER BY plan_date DESC, version DESC LIMIT 1",
        [organization.pk],
    )
    plan = next(iter(plans), None)
    if plan is None:
        return campaigns, None, {}
    of_plan = {
        item.campaign_id: item
        for item in BudgetPlanItem.objects.raw(
            f"SELECT * FROM {page_sql.table(BudgetPlanItem)} WHERE plan_id = %s", [plan.pk]
        )
    }
    items = {}
    for campaign in campaigns:
        if campaign.pk in of_plan:
            items[campaign.pk] = of_plan[campaign.pk]
            items[campaign.pk].campaign = campaign
    return campaigns, plan, items


def _row(campaign: Campaign, item: BudgetPlanItem | None) -> dict[str, Any]:
    """A campaign's line of the plan: its reasons in words, and what holds it back (the details toggle)."""
    posterior = item.posterior if item else {}
    limit = posterior.get("limit", "")
    return {
        "campaign": campaign,
        "item": item,
        "reasons": [budget_words.plain(reason) for reason in item.reasons] if item else [],
        "limit_label": budget_words.LIMITS.get(limit, limit),
        "limit_evidence": budget_words.evidence(posterior.get("limit_evidence", "")),
    }


def _scale_intervals(items: list) -> None:
    """Where each posterior interval sits on one shared axis (0 to the largest p95), in percent, for drawing."""
    top = max((item.posterior.get("marginal_return_p95") or 0 for item in items), default=0)
    for item in items:
        low, high = item.posterior.get("marginal_return_p05"), item.posterior.get("marginal_return_p95")
        if top > 0 and low is not None and high is not None:
            item.interval = {"left": round(100 * low / top, 1), "width": max(round(100 * (high - low) / top, 1), 1)}


@require_GET
@organization_view
def review_plan(request: HttpRequest, membership: Membership, plan_id: int) -> HttpResponse:
    """The dry run: exactly what applying the plan would change now, and the confirm button. Writes nothing."""
    organization = membership.organization
    plan = get_object_or_404(BudgetPlan.objects.select_related("organization"), pk=plan_id, organization=organization)
    refusal, planned = "", []
    try:
        planned = rebalancing.preview(plan)
    except RebalanceError as exc:
        refusal = budget_words.plain(str(exc))
    made = [change.item for change in planned if not change.skipped]
    show_only = read_policy(organization).mode == RebalanceMode.DRY_RUN
    return render(
        request,
        "campaigns/budget_review.html",
        {
            "plan": plan,
            "refusal": refusal,
            "made": [{"item": item, "delta_micros": item.after_micros - item.before_micros} for item in made],
            "left_out": [
                {"item": change.item, "why": budget_words.plain(change.skipped)} for change in planned if change.skipped
            ],
            "before_total": sum(item.before_micros for item in made),
            "after_total": sum(item.after_micros for item in made),
            "delta_total": sum(item.after_micros - item.before_micros for item in made),
            "show_only_note": budget_words.SHOW_ONLY if show_only else "",
            "can_confirm": membership.can_edit and made and not show_only and plan.status == PlanStatus.PROPOSED,
        },
    )


@require_POST
@organization_view
def decide_plan(request: HttpRequest, membership: Membership, plan_id: int) -> HttpResponse:
    """Reject, or apply after the review page's confirmation; in show-only mode a plan is never applied."""
    require_edit(membership)
    plan = get_object_or_404(BudgetPlan, pk=plan_id, organization=membership.organization)
    try:
        if request.POST.get("decision") != "apply":
            rebalancing.reject(plan.pk, user=request.user)
            messages.success(request, _("Plan rejected."))
        elif request.POST.get("confirm") != "yes":
            check_mode(read_policy(membership.organization))  # no review of what would never be applied
            messages.info(request, _("Check what the plan changes, then confirm."))
            return redirect("campaigns:review_plan", plan_id=plan.pk)
        else:  # the service refuses in show-only mode, as it does for the API and the tasks
            rebalancing.apply(plan.pk, user=request.user)
            messages.success(request, _("Plan applied."))
    except RebalanceError as exc:
        messages.error(request, budget_words.plain(str(exc)))
    return redirect("campaigns:budgets")


@require_POST
@organization_view
def roll_back(request: HttpRequest, membership: Membership, change_id: int) -> HttpResponse:
    """Undo one change of a plan, only where the rules allow it (the page offers it only there)."""
    require_edit(membership)
    change = get_object_or_404(
        BudgetChange.objects.select_related("campaign"), pk=change_id, organization=membership.organization
    )
    blocker = rollback_blockers(membership.organization, [change]).get(change.pk)
    try:
        if blocker is not None:
            raise RebalanceError(blocker)
        rebalancing.rollback(change.pk, user=request.user)
        messages.success(request, _("Change rolled back."))
    except RebalanceError as exc:
        messages.error(request, _("This change cannot be rolled back: %(why)s") % {"why": budget_words.plain(str(exc))})
    return redirect("campaigns:budgets")


@require_POST
@organization_view
def plan_now(request: HttpRequest, membership: Membership) -> HttpResponse:
    """An owner asks for today's plan without waiting for the schedule."""
    require_owner(membership)
    if budget_edits.queue_plan(membership.organization):
        messages.success(request, _("Planning started: today's plan appears on this page when it is ready."))
        return redirect(f"{reverse('campaigns:budgets')}?planning={int(time.time())}")
    messages.info(request, _("Today's plan is already made; the next one is made tomorrow."))
    return redirect("campaigns:budgets")


PLANNING_PATIENCE_S = 300  # a plan takes a second or two; after this the page stops asking and says so


def _planning(organization: Organization, since: str | None) -> dict[str, Any] | None:
    """While today's plan asked for at ``since`` (unix seconds, from Plan now) is being made: when it was asked
    and whether to keep polling; ``{"made": True}`` once it is made; None when nothing was asked."""
    if not since or not since.isdigit():
        return None
    if BudgetPlan.objects.filter(organization=organization, plan_date=budget_edits.today_of(organization)).exists():
        return {"made": True}
    return {"since": int(since), "polling": time.time() - int(since) < PLANNING_PATIENCE_S}


@require_GET
@organization_view
def plan_progress(request: HttpRequest, membership: Membership) -> HttpResponse:
    """What htmx polls after Plan now: the progress until today's plan is made, then the Budgets page again (it
    shows the plan)."""
    planning = _planning(membership.organization, request.GET.get("since")) or {"made": False, "polling": False}
    response = render(request, "campaigns/_plan_progress.html", {"planning": planning})
    if planning.get("made") and request.headers.get("HX-Request"):
        response["HX-Redirect"] = reverse("campaigns:budgets")
    return response
