"""A person's budget actions: set one campaign's daily budget (the allocator's invariants and audit), plan now.

The edit goes through ``budget_rules.enforce`` with the account's other campaigns frozen at their budgets, so the
organization's monthly cap sees the whole account; it lands exactly as asked or not at all (the refusal names the
rules that stopped it). Each edit is an append-only ``BudgetChange`` of kind "manual", sent to the platform like a
plan's change; the audit trail then knows the new budget, so the next plan does not read it as an outside edit.
"""

from __future__ import annotations

import calendar
from datetime import date
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import BudgetChange, BudgetPlan, Campaign, CampaignStatus, GlobalKillSwitch, Organization
from campaigns.models.organizations import saved_user
from campaigns.platforms import platform_for
from campaigns.services import budget_rules as rules
from campaigns.services import queue
from campaigns.services.budget_checks import RebalanceError, policy_of
from campaigns.services.rebalancing import _month_spend

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

SET_BY_HAND = "set by hand"
UNCHANGED = "the daily budget is already this amount"
REFUSED = "the new budget does not pass the checks: "


def today_of(organization: Organization) -> date:
    """The organization's date now, in its own time zone (the zone of plan dates)."""
    return timezone.now().astimezone(ZoneInfo(organization.time_zone)).date()


def set_daily_budget(
    organization: Organization, campaign_id: int, amount_micros: int, *, user: User | AnonymousUser | None
) -> BudgetChange:
    """Set a campaign's daily budget to ``amount_micros`` and record who, before, after and why.

    Raises:
        Campaign.DoesNotExist: the campaign is not the organization's.
        RebalanceError: the amount is the current budget, or the checks would not let it land exactly (kill
            switch, the campaign's or the organization's monthly cap, the currency's smallest unit).
    """
    if amount_micros < 0:
        raise RebalanceError(_("money cannot be negative"))
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id, organization=organization)
        if campaign.daily_budget_micros == amount_micros:
            raise RebalanceError(UNCHANGED)
        today = today_of(organization)
        decision = _decide(organization, campaign, amount_micros, today)
        if decision.after_micros != amount_micros:
            raise RebalanceError(REFUSED + "; ".join(decision.reasons))
        version = BudgetChange.objects.filter(campaign=campaign, plan_date=today, kind=BudgetChange.Kind.MANUAL).count()
        key = f"manual:{organization.pk}:{campaign.pk}:{today}:{version + 1}"
        response = platform_for(campaign).set_daily_budget(campaign, amount_micros, key)
        change = BudgetChange.objects.create(
            organization=organization,
            campaign=campaign,
            plan_date=today,
            plan_version=version + 1,
            kind=BudgetChange.Kind.MANUAL,
            before_micros=campaign.daily_budget_micros,
            after_micros=amount_micros,
            actor=f"user:{getattr(user, 'username', 'unknown')}"[:120],
            user=saved_user(user),
            reasons=[SET_BY_HAND],
            platform_response=response,
        )
        Campaign.objects.filter(pk=campaign.pk).update(daily_budget_micros=amount_micros)
    return change


def _decide(organization: Organization, campaign: Campaign, amount_micros: int, today: date) -> rules.Decision:
    """The invariants' verdict on the edit, the other campaigns held where they are (``changed_today`` freezes
    them) so that the organization's cap counts what they may still spend."""
    others = list(organization.campaigns.filter(status=CampaignStatus.ENABLED).exclude(pk=campaign.pk))
    month_spend = _month_spend([campaign, *others], today)
    policy = policy_of(organization)
    items = [
        rules.CampaignInput(
            campaign_id=campaign.pk,
            current_micros=campaign.daily_budget_micros,
            proposed_micros=amount_micros,
            month_spend_micros=month_spend.get(campaign.pk, 0),
            cap_micros=campaign.monthly_cap_micros,
            by_hand=True,
        ),
        *(
            rules.CampaignInput(
                campaign_id=other.pk,
                current_micros=other.daily_budget_micros,
                proposed_micros=other.daily_budget_micros,
                month_spend_micros=month_spend.get(other.pk, 0),
                cap_micros=other.monthly_cap_micros,
                changed_today=True,
            )
            for other in others
        ),
    ]
    ctx = rules.Context(
        days_left=calendar.monthrange(today.year, today.month)[1] - today.day + 1,
        max_change_ratio=Fraction(policy.max_change_percent, 100),
        approved_total_micros=sum(item.current_micros for item in items[1:])
        + max(campaign.daily_budget_micros, amount_micros),
        unit_micros=rules.unit_micros(organization.currency),
        kill_switch=policy.kill_switch or GlobalKillSwitch.is_engaged(),
        org_cap_micros=policy.monthly_cap_micros,
        org_month_spend_micros=sum(month_spend.values()),
    )
    return rules.enforce(items, ctx)[0]


def queue_plan(organization: Organization) -> bool:
    """Queue the making of today's plan (applied at once in automatic mode), as the daily schedule would; False
    when today's plan is already made (one plan a day: the task would only find it)."""
    today = today_of(organization)
    if BudgetPlan.objects.filter(organization=organization, plan_date=today).exists():
        return False
    transaction.on_commit(
        partial(queue.delay, "campaigns.tasks.rebalance_organization", organization.pk, today.isoformat())
    )
    return True
