"""A state machine over a month of budget life: rebalances, manual edits, spend, month rollover, retries and
duplicate deliveries, approvals and rollbacks. After every step the money invariants hold.

The machine drives the real invariant function (``budget_rules.enforce``) and a ledger that applies decisions
the way the service does (one change per key, rollbacks as new changes); the database path of the same flow
is covered by test_rebalancing.py and the SIGKILL integration test.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from campaigns.services import budget_rules as rules

pytestmark = [pytest.mark.slow, pytest.mark.backend_independent]

EUR = 1_000_000
UNIT = 10_000
LIMIT = Fraction(1, 5)


@dataclass
class Campaign:
    budget: int
    floor: int
    ceiling: int | None
    cap: int | None
    month_spend: int = 0
    last_tool_budget: int | None = None
    changes_today: list[str] = field(default_factory=list)  # "raise" / "cut" by automation


class BudgetLife(RuleBasedStateMachine):
    @initialize(
        budgets=st.lists(st.integers(1, 100), min_size=1, max_size=4),
        caps=st.lists(st.one_of(st.none(), st.integers(100, 4_000)), min_size=4, max_size=4),
        org_cap=st.one_of(st.none(), st.integers(500, 10_000)),
    )
    def start(self, budgets, caps, org_cap):
        self.year, self.month, self.day = 2026, 1, 1
        self.campaigns = [
            Campaign(budget=b * EUR, floor=EUR, ceiling=(b + 50) * EUR, cap=caps[i] and caps[i] * EUR)
            for i, b in enumerate(budgets)
        ]
        self.org_cap = org_cap and org_cap * EUR
        self.org_spend = 0
        self.kill_switch = False
        self.ledger: dict[tuple, tuple[int, int, bool]] = {}  # key -> (before, after, forced cut)
        self.pending: list[rules.Decision] | None = None  # a plan waiting for approval
        self.last_decisions: list[rules.Decision] = []
        self.checked_caps: list[tuple[int, int, int, int, int | None]] = []

    @property
    def days_left(self) -> int:
        return calendar.monthrange(self.year, self.month)[1] - self.day + 1

    def context(self, stale: bool) -> rules.Context:
        return rules.Context(
            days_left=self.days_left,
            max_change_ratio=LIMIT,
            approved_total_micros=sum(c.budget for c in self.campaigns),
            unit_micros=UNIT,
            stale=stale,
            kill_switch=self.kill_switch,
            org_cap_micros=self.org_cap,
            org_month_spend_micros=self.org_spend,
        )

    def inputs(self, proposals: list[int]) -> list[rules.CampaignInput]:
        return [
            rules.CampaignInput(
                i,
                c.budget,
                proposals[i % len(proposals)],
                floor_micros=c.floor,
                ceiling_micros=c.ceiling,
                month_spend_micros=c.month_spend,
                cap_micros=c.cap,
                changed_today=bool(c.changes_today),
                changed_outside=c.last_tool_budget is not None and c.last_tool_budget != c.budget,
            )
            for i, c in enumerate(self.campaigns)
        ]

    def apply(self, decisions: list[rules.Decision], key: str) -> None:
        for d in decisions:
            campaign = self.campaigns[d.campaign_id]
            ledger_key = (d.campaign_id, self.year, self.month, self.day, key)
            if d.after_micros == d.before_micros or ledger_key in self.ledger:
                continue  # unchanged, or a redelivery that finds its key
            if campaign.budget != d.before_micros:
                continue  # changed since the plan was made
            self.ledger[ledger_key] = (d.before_micros, d.after_micros, d.forced_cut)
            campaign.changes_today.append("raise" if d.after_micros > d.before_micros else "cut")
            campaign.budget = campaign.last_tool_budget = d.after_micros

    @rule(
        proposals=st.lists(st.integers(0, 300).map(lambda v: v * EUR // 2), min_size=1, max_size=4),
        stale=st.booleans(),
        auto=st.booleans(),
    )
    def rebalance(self, proposals, stale, auto):
        items = self.inputs(proposals)
        decisions = rules.enforce(items, self.context(stale))
        self.last_decisions = decisions
        self.checked_caps = [
            (
                d.before_micros,
                d.after_micros,
                self.days_left,
                items[d.campaign_id].month_spend_micros,
                items[d.campaign_id].cap_micros,
            )
            for d in decisions
        ]
        if auto:
            self.apply(decisions, "rebalance")
        else:
            self.pending = decisions

    @precondition(lambda self: self.pending is not None)
    @rule()
    def approve(self):
        self.apply(self.pending, "rebalance")
        self.pending = None

    @rule()
    def duplicate_delivery(self):
        self.apply(self.last_decisions, "rebalance")  # the same plan again: must change nothing

    @rule(index=st.integers(0, 3), euros=st.integers(1, 150))
    def manual_edit(self, index, euros):
        campaign = self.campaigns[index % len(self.campaigns)]
        campaign.budget = euros * EUR  # someone edits the budget on the platform

    @rule(index=st.integers(0, 3))
    def rollback(self, index):
        mine = [
            (k, v)
            for k, v in self.ledger.items()
            if k[0] == index % len(self.campaigns)
            and k[4] == "rebalance"
            and (k[0], *k[1:4], "rollback") not in self.ledger
        ]
        if not mine:
            return
        key, (before, _after, _forced) = mine[-1]
        campaign = self.campaigns[key[0]]
        item = rules.CampaignInput(
            key[0],
            campaign.budget,
            before,
            floor_micros=campaign.floor,
            ceiling_micros=campaign.ceiling,
            month_spend_micros=campaign.month_spend,
            cap_micros=campaign.cap,
        )
        ctx = self.context(stale=False)
        ctx = rules.Context(
            **{**ctx.__dict__, "approved_total_micros": max(campaign.budget, before), "org_cap_micros": None}
        )
        (decision,) = rules.enforce([item], ctx)
        if decision.after_micros == before and campaign.budget != before:
            self.ledger[(key[0], *key[1:4], "rollback")] = (campaign.budget, before, False)
            campaign.budget = campaign.last_tool_budget = before

    @rule(share=st.floats(0, 2))
    def spend_a_day(self, share):
        for campaign in self.campaigns:
            spent = int(campaign.budget * share) // UNIT * UNIT  # the platform may overspend up to 2x a day
            campaign.month_spend += spent
            self.org_spend += spent
            campaign.changes_today = []
        last = calendar.monthrange(self.year, self.month)[1]
        if self.day == last:  # month rollover
            self.year, self.month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
            self.day = 1
            self.org_spend = 0
            for campaign in self.campaigns:
                campaign.month_spend = 0
        else:
            self.day += 1
        self.last_decisions = []
        self.pending = None

    @rule()
    def toggle_kill_switch(self):
        self.kill_switch = not self.kill_switch

    @invariant()
    def money_is_whole_and_non_negative(self):
        for campaign in self.campaigns:
            assert campaign.budget >= 0 and isinstance(campaign.budget, int)

    @invariant()
    def one_automated_change_per_campaign_per_day(self):
        for campaign in self.campaigns:
            assert len(campaign.changes_today) <= 1  # and so never a raise and a cut on one day

    @invariant()
    def every_automated_change_respects_the_limits(self):
        for (*_key, kind), (before, after, forced) in self.ledger.items():
            if kind != "rebalance":
                continue
            if after > before:
                assert after <= before + before * LIMIT
                assert after % UNIT == 0
            elif after < before - before * LIMIT:
                assert forced  # only a cap may cut beyond the change limit

    @invariant()
    def raises_keep_the_caps(self):
        for before, after, days_left, spend, cap in self.checked_caps:
            if after > before:
                assert rules.within_cap(before, after, days_left, spend, cap)


BudgetLife.TestCase.settings = settings(max_examples=10_000, stateful_step_count=12, deadline=None)
test_budget_life = BudgetLife.TestCase
