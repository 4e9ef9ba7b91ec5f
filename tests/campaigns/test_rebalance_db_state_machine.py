"""The same month of budget life as test_budget_state_machine.py, driven through the real services and the real
database: rebalance (dry run, approval, auto), approval, duplicate deliveries and retries, manual edits outside
the tool, missing reports (stale data), month rollover, rollback and the kill switches. After every step the
checker reads the database and checks invariants 1-8 on every plan and audit row.

Each example runs in a savepoint that is rolled back, so examples do not see each other. The pure machine runs
10,000 examples over the invariant function; this one is slower per example (each plan fits the bandit on the
real history) and runs ``DB_STATE_MACHINE_EXAMPLES`` (default 150) in CI.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from campaigns.models import (
    BudgetChange,
    BudgetPlan,
    BudgetPolicy,
    Campaign,
    DailyMetric,
    GlobalKillSwitch,
    Organization,
    PlanStatus,
)
from campaigns.services import budget_rules as rules
from campaigns.services import rebalancing

pytestmark = pytest.mark.slow

EUR = 1_000_000
LIMIT = Fraction(20, 100)
EXAMPLES = int(os.environ.get("DB_STATE_MACHINE_EXAMPLES", "150"))


def _days_left(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1] - day.day + 1


def _month_spend(campaign_id: int, day: dt.date) -> int:
    rows = DailyMetric.objects.filter(
        campaign_id=campaign_id, level="campaign", date__gte=day.replace(day=1), date__lt=day
    )
    return sum(rows.values_list("cost_micros", flat=True))


class BudgetLifeInTheDatabase(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize(
        budgets=st.lists(st.integers(5, 80), min_size=2, max_size=3),
        caps=st.lists(st.one_of(st.none(), st.integers(150, 3_000)), min_size=3, max_size=3),
        start=st.integers(1, 27),
        seed=st.integers(0, 3),
    )
    def start(self, budgets, caps, start, seed):
        self.org = Organization.objects.create(name="Máquina", slug="maquina")
        self.campaigns = [
            Campaign.objects.create(
                organization=self.org,
                platform="google",
                name=f"C{i}",
                daily_budget_micros=b * EUR,
                floor_micros=2 * EUR,
                ceiling_micros=(b + 40) * EUR,
                monthly_cap_micros=caps[i] and caps[i] * EUR,
            )
            for i, b in enumerate(budgets)
        ]
        self.policy = BudgetPolicy.objects.create(organization=self.org, max_change_percent=20, freshness_days=2)
        self.today = dt.date(2026, 5, start)
        self.seed = seed
        for back in range(14, 0, -1):  # two weeks of reports before the first plan
            self._report(self.today - dt.timedelta(days=back))
        self.outside: set[int] = set()  # campaigns edited outside the tool since the tool last saw them
        self.edited_after: dict[int, int] = {}  # campaign -> newest audit row id when it was edited outside
        self.audit: dict[int, tuple] = {}

    def _report(self, day: dt.date) -> None:
        for campaign in Campaign.objects.filter(organization=self.org):
            share = 70 + (day.day * 7 + campaign.pk + self.seed) % 31  # 70-100 % of the budget, varied
            spend = campaign.daily_budget_micros * share // 100
            clicks = spend // (600_000 + 100_000 * (campaign.pk % 3))
            DailyMetric.objects.create(
                organization=self.org,
                campaign=campaign,
                level="campaign",
                date=day,
                cost_micros=spend,
                clicks=clicks,
                impressions=clicks * 15,
                conversions=(clicks * (2 + campaign.pk % 4)) // 100,
                conversion_value_micros=0,
            )

    def _plan(self) -> BudgetPlan:
        existed = BudgetPlan.objects.filter(organization=self.org, plan_date=self.today).exists()
        plan = rebalancing.run_daily(self.org, self.today)
        if not existed:  # the first plan after an outside edit holds that campaign (5), and the plan says why
            for item in plan.items.filter(campaign_id__in=self.outside):
                assert item.after_micros <= item.before_micros, "invariant 5: raise after an outside change"
            self.outside.clear()
        return plan

    @rule(mode=st.sampled_from(["dry_run", "approval", "auto"]))
    def rebalance(self, mode):
        BudgetPolicy.objects.filter(pk=self.policy.pk).update(mode=mode)
        changes = BudgetChange.objects.count()
        killed = self._killed()
        self._plan()
        if killed:
            assert BudgetChange.objects.count() == changes, "invariant 6: a change under the kill switch"

    @rule()
    def duplicate_delivery(self):
        plan = BudgetPlan.objects.filter(organization=self.org, plan_date=self.today).first()
        if plan is None:
            return
        before = BudgetChange.objects.count()
        again = rebalancing.run_daily(self.org, self.today)
        assert again.pk == plan.pk, "two plans for one organization and day"
        if plan.status == PlanStatus.APPLIED:
            rebalancing.apply(plan.pk)
            assert BudgetChange.objects.count() == before, "a redelivered apply changed a budget twice"

    @rule()
    def approve(self):
        plan = BudgetPlan.objects.filter(
            organization=self.org, plan_date=self.today, status=PlanStatus.PROPOSED
        ).first()
        if plan is None:
            return
        changes = BudgetChange.objects.count()
        show_only = BudgetPolicy.objects.get(pk=self.policy.pk).mode == "dry_run"
        try:
            rebalancing.apply(plan.pk)
        except rebalancing.ShowOnlyMode:
            assert show_only and not self._killed(), "the kill switch is named first"
        except rebalancing.RebalanceError as error:
            assert self._killed() and rules.KILL_SWITCH in str(error)
        if self._killed() or show_only:
            assert BudgetChange.objects.count() == changes, "a change under the kill switch or in show-only mode"
            assert BudgetPlan.objects.get(pk=plan.pk).status == PlanStatus.PROPOSED

    @rule(index=st.integers(0, 2), euros=st.integers(0, 150))
    def manual_edit(self, index, euros):
        campaign = self.campaigns[index % len(self.campaigns)]
        Campaign.objects.filter(pk=campaign.pk).update(daily_budget_micros=euros * EUR + 130_000)
        if BudgetPlan.objects.filter(organization=self.org).exists():  # before any plan the tool knows nothing
            self.outside.add(campaign.pk)
        newest = BudgetChange.objects.filter(campaign_id=campaign.pk).order_by("-pk").values_list("pk", flat=True)
        self.edited_after[campaign.pk] = newest.first() or 0

    @rule(report=st.booleans(), days=st.sampled_from([1, 1, 1, 3]))
    def next_day(self, report, days):
        for _ in range(days):
            if report:  # without reports the data goes stale
                self._report(self.today)
            self.today += dt.timedelta(days=1)

    @rule()
    def month_rollover(self):
        while self.today.day != 1:
            self._report(self.today)
            self.today += dt.timedelta(days=1)

    @precondition(lambda self: BudgetChange.objects.filter(kind="rebalance").exists())
    @rule(pick=st.integers(0, 50))
    def rollback(self, pick):
        changes = list(BudgetChange.objects.filter(kind="rebalance").order_by("pk"))
        change = changes[pick % len(changes)]
        count = BudgetChange.objects.count()
        try:
            rolled = rebalancing.rollback(change.pk, user=None)
        except rebalancing.RebalanceError:
            assert BudgetChange.objects.count() == count, "a refused rollback left a change"
            return
        assert self._killed() is False, "invariant 6: a rollback under the kill switch"
        assert (rolled.before_micros, rolled.after_micros) == (change.after_micros, change.before_micros)

    @rule(engaged=st.booleans(), global_switch=st.booleans())
    def kill_switch(self, engaged, global_switch):
        if global_switch:
            GlobalKillSwitch.objects.update_or_create(pk=1, defaults={"engaged": engaged})
        else:
            BudgetPolicy.objects.filter(pk=self.policy.pk).update(kill_switch=engaged)

    def _killed(self) -> bool:
        return BudgetPolicy.objects.get(pk=self.policy.pk).kill_switch or GlobalKillSwitch.is_engaged()

    @invariant()
    def money_invariants_hold(self):
        if not hasattr(self, "org"):
            return
        campaigns = {c.pk: c for c in Campaign.objects.filter(organization=self.org)}
        for change in BudgetChange.objects.filter(organization=self.org).select_related("plan"):
            before, after = change.before_micros, change.after_micros
            campaign = campaigns[change.campaign_id]
            spend = _month_spend(change.campaign_id, change.plan_date)
            days = _days_left(change.plan_date)
            # 1. a raise keeps month-to-date spend + what the platforms may still charge under the cap
            if after > before:
                assert rules.within_cap(before, after, days, spend, campaign.monthly_cap_micros), "invariant 1"
            # 3. the change limit, except cuts forced by the cap
            limit_low, limit_high = int(before - before * LIMIT), int(before + before * LIMIT)
            if after > limit_high:
                raise AssertionError(f"invariant 3: {before} -> {after}")
            if after < limit_low:
                item = change.plan and change.plan.items.get(campaign_id=change.campaign_id)
                assert item and item.forced_cut, "invariant 3: a cut past the limit that no cap forced"
                assert not rules.within_cap(before, limit_low, days, spend, campaign.monthly_cap_micros)
            # 4. ceilings and floors (raises only), the currency's unit
            if after > before:
                assert campaign.ceiling_micros is None or after <= campaign.ceiling_micros, "invariant 4: ceiling"
            if after < campaign.floor_micros:
                assert after >= before or change.plan.items.get(campaign_id=change.campaign_id).forced_cut, (
                    "invariant 4: cut below the floor"
                )
            assert after % 10_000 == 0 or after == before, "invariant 4: not a whole cent"
            # 7. the audit row says who, before, after and why
            assert change.actor and change.reasons and change.platform_response is not None
        # 2. one automated change per campaign per day
        keys = list(
            BudgetChange.objects.filter(organization=self.org, kind="rebalance").values_list("campaign_id", "plan_date")
        )
        assert len(keys) == len(set(keys)), "invariant 2: two automated changes on one day"
        for plan in BudgetPlan.objects.filter(organization=self.org).prefetch_related("items"):
            items = list(plan.items.all())
            # 4. the plan's sum within the approved total
            assert sum(i.after_micros for i in items) <= max(plan.total_micros, sum(i.before_micros for i in items))
            # 5. stale data: no increases, and the plan says why
            if rules.STALE in plan.notes or rules.KILL_SWITCH in plan.notes:
                assert all(i.after_micros <= i.before_micros for i in items), "invariant 5/6: raise in a held plan"
        # 7. audit rows never change or disappear
        rows = {
            c.pk: (c.campaign_id, c.plan_date, c.kind, c.before_micros, c.after_micros, c.actor)
            for c in BudgetChange.objects.filter(organization=self.org)
        }
        for pk, values in self.audit.items():
            assert rows.get(pk) == values, "invariant 7: an audit row changed or disappeared"
        self.audit = rows
        # the budgets are what the audit says, except where someone edited outside the tool since
        last = {}
        for change in BudgetChange.objects.filter(organization=self.org).order_by("pk"):
            last[change.campaign_id] = (change.pk, change.after_micros)
        for pk, (change_id, after) in last.items():
            if change_id > self.edited_after.get(pk, -1):
                assert campaigns[pk].daily_budget_micros == after, "a budget differs from its last audited change"


@pytest.mark.django_db
def test_money_invariants_hold_through_the_services_and_the_database():
    run_state_machine_as_test(
        BudgetLifeInTheDatabase,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
