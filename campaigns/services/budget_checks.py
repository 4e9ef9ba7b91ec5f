"""The checks a person's budget change must pass, shared by the actions and the pages that offer them.

A page offers a rollback only where :func:`rollback_blockers` finds none, and ``rebalancing.rollback`` refuses with
the same reasons: one rule, read for a page of changes in a few queries.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import timedelta
from fractions import Fraction

from campaigns.models import (
    BudgetChange,
    BudgetPolicy,
    DailyMetric,
    GlobalKillSwitch,
    MetricLevel,
    Organization,
    RebalanceMode,
)
from campaigns.services import budget_rules as rules
from campaigns.services import page_sql

REJECTED = "this plan was rejected"
ALREADY_APPLIED = "already applied"
CHANGED_SINCE = "the budget changed since the plan was made"
NOT_A_REBALANCE = "only a rebalance change can be rolled back"
ROLLED_BACK = "this change was already rolled back"
ROLLBACK_REFUSED = "the rollback does not pass the checks: "
SHOW_ONLY = (
    'the budget mode is "Dry run (show only)": plans are shown and never applied, so nothing was changed; to apply '
    'this plan, an owner sets the mode to "Wait for approval" in Settings, then approves it again'
)


class RebalanceError(ValueError):
    """A plan action that cannot be taken, with the reason."""


class ShowOnlyMode(RebalanceError):
    """Applying a plan while the organization's budget mode is dry run (show only)."""


def check_mode(policy: BudgetPolicy) -> None:
    """The one rule of the show-only mode, for the web, the API and the tasks alike: a plan is shown, never applied.

    Raises:
        ShowOnlyMode: the policy's mode is dry run.
    """
    if policy.mode == RebalanceMode.DRY_RUN:
        raise ShowOnlyMode(SHOW_ONLY)


def policy_of(organization: Organization) -> BudgetPolicy:
    return BudgetPolicy.objects.get_or_create(organization=organization)[0]


def read_policy(organization: Organization) -> BudgetPolicy:
    """The organization's policy, or the default one unsaved: for reads that must write nothing. In SQL: the
    budgets page reads it on every view, and the ORM took 0.3 ms to build this one-row query."""
    found = BudgetPolicy.objects.raw(
        f"SELECT * FROM {page_sql.table(BudgetPolicy)} WHERE organization_id = %s", [organization.pk]
    )
    return next(iter(found), None) or BudgetPolicy(organization=organization)


def rollback_blockers(organization: Organization, changes: Sequence[BudgetChange]) -> dict[int, str]:
    """Why each change cannot be rolled back now, by change id (absent: it can), the one rule :func:`rollback`
    applies. The undo must pass the same checks as a plan (kill switch, limits, caps), except stale data: that
    forbids the policy's raises, not a person's undo. Reads ``change.campaign``; a few queries for the lot."""
    blockers: dict[int, str] = {}
    candidates = []
    for change in changes:
        if change.kind != BudgetChange.Kind.REBALANCE:
            blockers[change.pk] = NOT_A_REBALANCE
        else:
            candidates.append(change)
    if not candidates:
        return blockers
    rolled_back = set(
        BudgetChange.objects.filter(
            campaign__in={change.campaign_id for change in candidates}, kind=BudgetChange.Kind.ROLLBACK
        ).values_list("campaign_id", "plan_date", "plan_version")
    )
    policy = read_policy(organization)
    kill_switch = policy.kill_switch or GlobalKillSwitch.is_engaged()
    pending = []
    for change in candidates:
        if (change.campaign_id, change.plan_date, change.plan_version) in rolled_back:
            blockers[change.pk] = ROLLED_BACK
        else:
            pending.append(change)
    spends = _month_spends(pending)
    for change, spent in zip(pending, spends, strict=True):
        reasons = _rollback_refusal(change, policy, kill_switch, organization.currency, spent)
        if reasons:
            blockers[change.pk] = reasons
    return blockers


def _month_spends(changes: list[BudgetChange]) -> list[int]:
    """Each change's campaign's spend in its plan's month before its plan date (what ``_month_spend`` sums), in
    one query for all of them."""
    if not changes:
        return []
    rows = list(
        DailyMetric.objects.filter(
            campaign__in={change.campaign_id for change in changes},
            level=MetricLevel.CAMPAIGN,
            date__gte=min(change.plan_date for change in changes).replace(day=1),
            date__lt=max(change.plan_date for change in changes),
        ).values_list("campaign_id", "date", "date_to", "cost_micros")
    )
    spends = []
    for change in changes:
        start, end = change.plan_date.replace(day=1), change.plan_date - timedelta(days=1)
        spends.append(
            sum(
                cost
                for campaign_id, day, day_to, cost in rows
                if campaign_id == change.campaign_id and start <= day and (day_to or day) <= end
            )
        )
    return spends


def _rollback_refusal(change: BudgetChange, policy: BudgetPolicy, kill_switch: bool, currency: str, spent: int) -> str:
    """The checks' reasons when undoing ``change`` would not land exactly on its before budget ("" when it does)."""
    campaign, plan_date = change.campaign, change.plan_date
    ctx = rules.Context(
        days_left=calendar.monthrange(plan_date.year, plan_date.month)[1] - plan_date.day + 1,
        max_change_ratio=Fraction(policy.max_change_percent, 100),
        approved_total_micros=max(campaign.daily_budget_micros, change.before_micros),
        unit_micros=rules.unit_micros(currency),
        kill_switch=kill_switch,
        org_cap_micros=policy.monthly_cap_micros,
        org_month_spend_micros=spent,
    )
    (decision,) = rules.enforce(
        [
            rules.CampaignInput(
                campaign_id=campaign.pk,
                current_micros=campaign.daily_budget_micros,
                proposed_micros=change.before_micros,
                floor_micros=campaign.floor_micros,
                ceiling_micros=campaign.ceiling_micros,
                month_spend_micros=spent,
                cap_micros=campaign.monthly_cap_micros,
            )
        ],
        ctx,
    )
    return "" if decision.after_micros == change.before_micros else "; ".join(decision.reasons)
