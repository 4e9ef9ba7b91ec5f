"""Daily budget rebalancing: the bandit proposes, the invariants decide, the mode says what happens next.

Exactly once: a plan is unique per (organization, date, version), so two beat processes still make one plan;
applying takes the plan row with select_for_update and writes each change under a unique key, so a redelivered
task finds the key and does nothing twice.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from campaigns import metrics
from campaigns.faults import failpoint
from campaigns.models import (
    DAYS_ONLY,
    BudgetChange,
    BudgetPlan,
    BudgetPlanItem,
    BudgetPolicy,
    BudgetType,
    Campaign,
    CampaignStatus,
    DailyMetric,
    GlobalKillSwitch,
    MetricLevel,
    Organization,
    PlanStatus,
    RebalanceMode,
    in_span,
)
from campaigns.models.organizations import saved_user
from campaigns.platforms import platform_for
from campaigns.services import budget_rules as rules
from campaigns.services.budget_checks import (
    ALREADY_APPLIED,
    CHANGED_SINCE,
    NOT_A_REBALANCE,
    REJECTED,
    ROLLBACK_REFUSED,
    ROLLED_BACK,
    RebalanceError,
    ShowOnlyMode,
    check_mode,
    policy_of,
    read_policy,
    rollback_blockers,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

HISTORY_DAYS = 90
NO_HISTORY = "no performance history yet: held"
SHARED_BUDGET = (
    "shared budget {name!r}: the platform spreads it over every campaign on it, so it is not one campaign's "
    "daily budget to move: held"
)
CAMPAIGN_TOTAL = "campaign-total budget: spent over the campaign's life, not a daily budget to move: held"
ROLLBACK_OF = "rollback of change {pk}"


def held_reason(campaign: Campaign) -> str | None:
    """Why the allocator leaves this campaign's budget alone, or None when it is one campaign's daily budget."""
    if campaign.budget_is_shared:
        return SHARED_BUDGET.format(name=campaign.shared_budget_name)
    if campaign.budget_type == BudgetType.CAMPAIGN_TOTAL:
        return CAMPAIGN_TOTAL
    return None


class _Record(NamedTuple):
    """One audited budget of a campaign: the budget just before ``moment`` and the one known from it on."""

    moment: datetime
    before_micros: int
    budget_micros: int


def _audit_trail(campaign_ids: list[int]) -> dict[int, list[_Record]]:
    """Each campaign's audited budgets, oldest first: its plans (the budget when the plan was made, before and
    after alike) and its applied changes, rebalances and rollbacks (the budget before and after). At the same
    moment a change comes after a plan. Two queries, whatever the number of campaigns."""
    plans = (
        BudgetPlanItem.objects.filter(campaign_id__in=campaign_ids)
        .order_by()
        .values_list("campaign_id", "plan__created_at", "pk", "before_micros", "before_micros")
    )
    changes = (
        BudgetChange.objects.filter(campaign_id__in=campaign_ids)
        .order_by()
        .values_list("campaign_id", "created_at", "pk", "before_micros", "after_micros")
    )
    ordered: dict[int, list[tuple]] = defaultdict(list)
    for rank, rows in enumerate((plans, changes)):
        for campaign_id, moment, pk, before, budget in rows:
            ordered[campaign_id].append((moment, rank, pk, before, budget))
    return {
        campaign_id: [_Record(moment, before, budget) for moment, _, _, before, budget in sorted(rows)]
        for campaign_id, rows in ordered.items()
    }


def _known_budgets(records: list[_Record], current_micros: int, zone: ZoneInfo) -> tuple[list[date], list[int]]:
    """The days on which a record was made (in the organization's time zone, the zone of ``plan_date``) and the
    budget known from each such day until the next one, 0 where unknown. The newest record made on or before a day
    speaks for it (a rebalance runs at the start of its day). Its budget holds only while nothing shows an edit
    outside the tool: the next record must start from it, or, after the last record, the budget must still be it."""
    days: list[date] = []
    budgets: list[int] = []
    following = [record.before_micros for record in records[1:]] + [current_micros] if records else []
    for record, then in zip(records, following, strict=True):
        day = record.moment.astimezone(zone).date()
        budget = record.budget_micros if then == record.budget_micros else 0
        if days and days[-1] == day:
            budgets[-1] = budget
        else:
            days.append(day)
            budgets.append(budget)
    return days, budgets


def _history(
    campaigns: list[Campaign], plan_date: date, trail: dict[int, list[_Record]], zone: ZoneInfo
) -> dict[int, list]:
    from ml.budgets import DayStats

    # The bandit learns from days; a period row (a report without days) is not a day's response to a budget.
    rows = (
        DailyMetric.objects.filter(
            DAYS_ONLY,
            campaign__in=campaigns,
            level=MetricLevel.CAMPAIGN,
            date__lt=plan_date,
            date__gte=plan_date - timedelta(days=HISTORY_DAYS),
        )
        .order_by("date")
        .values_list(
            "campaign_id", "date", "cost_micros", "clicks", "conversions", "conversion_value_micros", "impressions"
        )
    )
    # The reports carry no budget: a day's budget is the one the audit trail knows, 0 ("unknown") elsewhere. The
    # current budget must not stand in for it, or the model would read every day spent below a since-raised budget
    # as volume-limited.
    known = {c.pk: _known_budgets(trail.get(c.pk, []), c.daily_budget_micros, zone) for c in campaigns}
    history: dict[int, list] = defaultdict(list)
    for campaign_id, day, cost, clicks, conversions, value, impressions in rows:
        days, budgets = known[campaign_id]
        newest = bisect_right(days, day) - 1  # the newest record made on or before the day; -1: none yet
        budget = budgets[newest] if newest >= 0 else 0
        history[campaign_id].append(DayStats(budget, cost, clicks, conversions, value, impressions))
    return history


def _month_spend(campaigns: list[Campaign], plan_date: date) -> dict[int, int]:
    rows = DailyMetric.objects.filter(
        in_span(plan_date.replace(day=1), plan_date - timedelta(days=1)),
        campaign__in=campaigns,
        level=MetricLevel.CAMPAIGN,
    )
    return dict(rows.values_list("campaign_id").annotate(spend=Sum("cost_micros")))


def _context(
    organization: Organization,
    policy: BudgetPolicy,
    campaigns: list[Campaign],
    plan_date: date,
    month_spend: dict[int, int],
) -> rules.Context:
    latest = (
        DailyMetric.objects.filter(organization=organization).order_by("-date").values_list("date", flat=True).first()
    )
    days_in_month = calendar.monthrange(plan_date.year, plan_date.month)[1]
    return rules.Context(
        days_left=days_in_month - plan_date.day + 1,
        max_change_ratio=Fraction(policy.max_change_percent, 100),
        approved_total_micros=sum(c.daily_budget_micros for c in campaigns),
        unit_micros=rules.unit_micros(organization.currency),
        stale=latest is None or latest < plan_date - timedelta(days=policy.freshness_days),
        kill_switch=policy.kill_switch or GlobalKillSwitch.is_engaged(),
        org_cap_micros=policy.monthly_cap_micros,
        org_month_spend_micros=sum(month_spend.values()),
    )


def propose(organization: Organization, plan_date: date) -> BudgetPlan:
    """Today's plan for the organization; the existing one if it was already made (by this or another beat)."""
    existing = BudgetPlan.objects.filter(organization=organization, plan_date=plan_date).order_by("-version").first()
    if existing is not None:
        return existing
    from ml.budgets import BudgetAllocator, CampaignState

    policy = policy_of(organization)
    campaigns = list(organization.campaigns.filter(status=CampaignStatus.ENABLED).order_by("pk"))
    trail = _audit_trail([c.pk for c in campaigns])
    history = _history(campaigns, plan_date, trail, ZoneInfo(organization.time_zone))
    held = {c.pk: reason for c in campaigns if (reason := held_reason(c)) is not None}
    planned = [c for c in campaigns if history.get(c.pk) and c.pk not in held]
    states = [
        CampaignState(
            str(c.pk),
            c.daily_budget_micros,
            history[c.pk],
            floor_micros=c.floor_micros,
            ceiling_micros=c.ceiling_micros,
        )
        for c in planned
    ]
    total = sum(c.daily_budget_micros for c in planned)
    allocator = BudgetAllocator(
        random_state=organization.pk * 100_003 + plan_date.toordinal(), max_change_ratio=policy.max_change_percent / 100
    )
    proposal = allocator.allocate(states, total) if states else None
    month_spend = _month_spend(campaigns, plan_date)
    changed_today = set(
        BudgetChange.objects.filter(
            organization=organization, plan_date=plan_date, kind=BudgetChange.Kind.REBALANCE
        ).values_list("campaign_id", flat=True)
    )
    # the budget the tool last knew of each campaign: one that differs now was changed outside the tool
    last_known = {campaign_id: records[-1].budget_micros for campaign_id, records in trail.items()}
    inputs = [
        rules.CampaignInput(
            campaign_id=c.pk,
            current_micros=c.daily_budget_micros,
            proposed_micros=proposal.budgets_micros[str(c.pk)]
            if proposal and str(c.pk) in proposal.budgets_micros and c.pk not in held
            else c.daily_budget_micros,
            floor_micros=c.floor_micros,
            ceiling_micros=c.ceiling_micros,
            month_spend_micros=month_spend.get(c.pk, 0),
            cap_micros=c.monthly_cap_micros,
            changed_today=c.pk in changed_today,
            changed_outside=c.pk in last_known and last_known[c.pk] != c.daily_budget_micros,
        )
        for c in campaigns
    ]
    ctx = _context(organization, policy, campaigns, plan_date, month_spend)
    decisions = rules.enforce(inputs, ctx)
    try:
        with transaction.atomic():
            plan = BudgetPlan.objects.create(
                organization=organization,
                plan_date=plan_date,
                version=1,
                mode=policy.mode,
                total_micros=ctx.approved_total_micros,
                policy=proposal.policy if proposal else "none",
                notes=[note for flag, note in ((ctx.kill_switch, rules.KILL_SWITCH), (ctx.stale, rules.STALE)) if flag],
            )
            BudgetPlanItem.objects.bulk_create(
                _item(plan, item, decision, proposal, held.get(item.campaign_id))
                for item, decision in zip(inputs, decisions, strict=True)
            )
            transaction.on_commit(lambda: metrics.record_plan(plan.mode, decisions))
    except IntegrityError:  # another process made today's plan first
        return BudgetPlan.objects.get(organization=organization, plan_date=plan_date, version=1)
    return plan


def _item(
    plan: BudgetPlan, item: rules.CampaignInput, decision: rules.Decision, proposal, held: str | None
) -> BudgetPlanItem:
    key = str(item.campaign_id)
    explanation = proposal.explanations.get(key) if proposal and held is None else None
    propensity = proposal.propensities.get(key) if proposal and held is None else None
    reasons = ([held] if held else [explanation.reason] if explanation else [NO_HISTORY]) + decision.reasons
    return BudgetPlanItem(
        plan=plan,
        campaign_id=item.campaign_id,
        before_micros=item.current_micros,
        proposed_micros=item.proposed_micros,
        after_micros=decision.after_micros,
        reasons=reasons,
        posterior=asdict(explanation) if explanation else {},
        forced_cut=decision.forced_cut,
        propensity=propensity.probability if propensity else None,
    )


def apply(plan_id: int, *, user: User | AnonymousUser | None = None) -> BudgetPlan:
    """Apply a plan's changes once. Safe to run twice: applied changes are found by their key and skipped.

    The organization's mode now decides, not the mode the plan was made under: in dry run (show only) nothing is
    applied, whoever asks (a page, the API, a task), and a refusal writes nothing, not even a default policy row.

    Raises:
        RebalanceError: the plan was rejected, or a kill switch is engaged.
        ShowOnlyMode: the organization's budget mode is dry run.
    """
    with transaction.atomic():
        plan = BudgetPlan.objects.select_for_update().select_related("organization").get(pk=plan_id)
        if plan.status == PlanStatus.APPLIED:
            return plan
        if plan.status == PlanStatus.REJECTED:
            raise RebalanceError(REJECTED)
        policy = read_policy(plan.organization)
        if policy.kill_switch or GlobalKillSwitch.is_engaged():
            raise RebalanceError(rules.KILL_SWITCH)
        check_mode(policy)
        author = saved_user(user)
        actor = f"user:{author.username}" if author else f"automation:{plan.policy}"
        for item in plan.items.exclude(after_micros=F("before_micros")):
            _apply_item(plan, item, actor, author)
        plan.status = PlanStatus.APPLIED
        plan.decided_by = author
        plan.save(update_fields=["status", "decided_by"])
        failpoint("before_commit", str(plan.pk))
    return plan


def _skip_reason(item: BudgetPlanItem, budget_now_micros: int, applied: bool) -> str:
    """Why apply leaves a planned change out ("" when it makes it)."""
    if applied:
        return ALREADY_APPLIED  # by an earlier delivery of this task
    if budget_now_micros != item.before_micros:
        return CHANGED_SINCE  # the next plan starts from the new budget
    return ""


class PlannedChange(NamedTuple):
    """One change a plan holds, and what applying it now would do: make it, or leave it out (``skipped`` why)."""

    campaign: Campaign
    item: BudgetPlanItem
    skipped: str


def preview(plan: BudgetPlan) -> list[PlannedChange]:
    """What :func:`apply` would do now, read without locks and writing nothing; raises what apply would raise,
    except in the show-only mode, whose point is to show this."""
    if plan.status == PlanStatus.APPLIED:
        return []
    if plan.status == PlanStatus.REJECTED:
        raise RebalanceError(REJECTED)
    if read_policy(plan.organization).kill_switch or GlobalKillSwitch.is_engaged():
        raise RebalanceError(rules.KILL_SWITCH)
    applied = set(
        BudgetChange.objects.filter(
            organization=plan.organization_id,
            plan_date=plan.plan_date,
            plan_version=plan.version,
            kind=BudgetChange.Kind.REBALANCE,
        ).values_list("campaign_id", flat=True)
    )
    items = plan.items.exclude(after_micros=F("before_micros")).select_related("campaign")
    return [
        PlannedChange(
            item.campaign, item, _skip_reason(item, item.campaign.daily_budget_micros, item.campaign_id in applied)
        )
        for item in items
    ]


def _apply_item(plan: BudgetPlan, item: BudgetPlanItem, actor: str, user: User | None) -> None:
    campaign = Campaign.objects.select_for_update().get(pk=item.campaign_id)
    key = dict(
        organization=plan.organization,
        campaign=campaign,
        plan_date=plan.plan_date,
        plan_version=plan.version,
        kind=BudgetChange.Kind.REBALANCE,
    )
    if _skip_reason(item, campaign.daily_budget_micros, BudgetChange.objects.filter(**key).exists()):
        return
    response = platform_for(campaign).set_daily_budget(
        campaign, item.after_micros, f"{plan.organization_id}:{campaign.pk}:{plan.plan_date}:{plan.version}"
    )
    failpoint("after_platform", f"{plan.pk}-{campaign.pk}")
    BudgetChange.objects.create(
        **key,
        plan=plan,
        before_micros=item.before_micros,
        after_micros=item.after_micros,
        actor=actor[:120],
        user=user,
        reasons=item.reasons,
        posterior=item.posterior,
        propensity=item.propensity,
        platform_response=response,
    )
    Campaign.objects.filter(pk=campaign.pk).update(daily_budget_micros=item.after_micros)
    transaction.on_commit(metrics.record_change_applied)


def reject(plan_id: int, *, user: User | AnonymousUser | None) -> BudgetPlan:
    with transaction.atomic():
        plan = BudgetPlan.objects.select_for_update().get(pk=plan_id)
        if plan.status != PlanStatus.PROPOSED:
            decided: dict[str, str] = {
                PlanStatus.APPLYING: _("only a proposed plan can be rejected; this one is being applied"),
                PlanStatus.APPLIED: _("only a proposed plan can be rejected; this one is applied"),
                PlanStatus.REJECTED: _("only a proposed plan can be rejected; this one is rejected"),
            }
            raise RebalanceError(decided.get(plan.status, _("only a proposed plan can be rejected")))
        plan.status = PlanStatus.REJECTED
        plan.decided_by = saved_user(user)
        plan.save(update_fields=["status", "decided_by"])
    return plan


def rollback(change_id: int, *, user: User | AnonymousUser | None) -> BudgetChange:
    """Undo an applied change with a new change that passes the same checks (kill switch, limits, caps)."""
    with transaction.atomic():
        change = BudgetChange.objects.select_related("organization").get(pk=change_id)
        campaign = Campaign.objects.select_for_update().get(pk=change.campaign_id)
        change.campaign = campaign
        blocker = rollback_blockers(change.organization, [change]).get(change.pk)
        if blocker is not None:
            raise RebalanceError(blocker if blocker in (NOT_A_REBALANCE, ROLLED_BACK) else ROLLBACK_REFUSED + blocker)
        response = platform_for(campaign).set_daily_budget(campaign, change.before_micros, f"rollback:{change.pk}")
        rolled = BudgetChange.objects.create(
            organization=change.organization,
            campaign=campaign,
            plan_date=change.plan_date,
            plan_version=change.plan_version,
            kind=BudgetChange.Kind.ROLLBACK,
            plan=change.plan,
            before_micros=campaign.daily_budget_micros,
            after_micros=change.before_micros,
            actor=f"user:{getattr(user, 'username', 'unknown')}"[:120],
            user=saved_user(user),
            reasons=[ROLLBACK_OF.format(pk=change.pk)],
            platform_response=response,
        )
        Campaign.objects.filter(pk=campaign.pk).update(daily_budget_micros=change.before_micros)
    return rolled


def run_daily(organization: Organization, plan_date: date) -> BudgetPlan:
    """What the schedule does: make today's plan, and apply it when the organization's mode is automatic."""
    plan = propose(organization, plan_date)
    failpoint("after_plan", str(plan.pk))
    if plan.mode == RebalanceMode.AUTO and plan.status == PlanStatus.PROPOSED and rules.KILL_SWITCH not in plan.notes:
        try:
            plan = apply(plan.pk)
        except ShowOnlyMode:  # an owner chose show-only since the plan was made (a redelivery, a second beat)
            return plan
    return plan
