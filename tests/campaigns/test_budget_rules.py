"""The money invariants, as exact cases and as properties over random plans."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.services import budget_rules as rules
from campaigns.services.budget_rules import CampaignInput, Context, enforce, within_cap

pytestmark = pytest.mark.backend_independent  # pure logic: CI's SQLite stage leaves it to the PostgreSQL one

EUR = 1_000_000


def ctx(**overrides) -> Context:
    values = dict(days_left=10, max_change_ratio=Fraction(1, 5), approved_total_micros=1_000 * EUR)
    return Context(**{**values, **overrides})


def one(item: CampaignInput, **context) -> rules.Decision:
    return enforce([item], ctx(**context))[0]


def test_change_limit_and_rounding_toward_current():
    assert one(CampaignInput(1, 40 * EUR, 60 * EUR)).after_micros == 48 * EUR
    assert one(CampaignInput(1, 40 * EUR, 10 * EUR)).after_micros == 32 * EUR
    decision = one(CampaignInput(1, 40 * EUR, 41_234_567))
    assert (decision.after_micros, decision.reasons) == (41_230_000, [])


def test_kill_switch_and_one_change_per_day_hold_the_budget():
    assert one(CampaignInput(1, 40 * EUR, 45 * EUR), kill_switch=True).reasons == [rules.KILL_SWITCH]
    assert one(CampaignInput(1, 40 * EUR, 45 * EUR), kill_switch=True).after_micros == 40 * EUR
    decision = one(CampaignInput(1, 40 * EUR, 35 * EUR, changed_today=True))
    assert (decision.after_micros, decision.reasons) == (40 * EUR, [rules.ALREADY_CHANGED])


def test_stale_data_or_outside_change_allow_cuts_but_no_raises():
    assert one(CampaignInput(1, 40 * EUR, 45 * EUR), stale=True).after_micros == 40 * EUR
    assert one(CampaignInput(1, 40 * EUR, 35 * EUR), stale=True).after_micros == 35 * EUR
    decision = one(CampaignInput(1, 40 * EUR, 45 * EUR, changed_outside=True))
    assert (decision.after_micros, decision.reasons) == (40 * EUR, [rules.OUTSIDE])


def test_floor_and_ceiling():
    assert one(CampaignInput(1, 40 * EUR, 20 * EUR, floor_micros=38 * EUR)).after_micros == 38 * EUR
    assert one(CampaignInput(1, 40 * EUR, 60 * EUR, ceiling_micros=42 * EUR)).after_micros == 42 * EUR
    decision = one(CampaignInput(1, 10 * EUR, 10 * EUR, floor_micros=20 * EUR))
    assert (decision.after_micros, decision.reasons) == (12 * EUR, [rules.FLOOR, rules.BELOW_FLOOR])


def test_campaign_cap_forces_a_cut_beyond_the_change_limit():
    # 500 spent, 10 days left; at 40/day the platforms could still charge 2 x 40 x 10 = 800 > 1,000 - 500.
    # Today may still reach 2 x 40 (the day's highest budget), so 2 x 40 + 2 x 9 x B <= 500 gives B <= 23.33.
    decision = one(CampaignInput(1, 40 * EUR, 40 * EUR, month_spend_micros=500 * EUR, cap_micros=1_000 * EUR))
    assert decision.after_micros == 23_330_000
    assert within_cap(40 * EUR, decision.after_micros, 10, 500 * EUR, 1_000 * EUR)
    assert not within_cap(40 * EUR, decision.after_micros + 10_000, 10, 500 * EUR, 1_000 * EUR)
    assert decision.forced_cut and decision.reasons == [rules.CAMPAIGN_CAP]


def test_plan_total_shrinks_raises_only():
    decisions = enforce(
        [
            CampaignInput(1, 40 * EUR, 48 * EUR),
            CampaignInput(2, 40 * EUR, 48 * EUR),
            CampaignInput(3, 40 * EUR, 34 * EUR),
        ],
        ctx(approved_total_micros=120 * EUR),
    )
    assert [d.after_micros for d in decisions] == [43 * EUR, 43 * EUR, 34 * EUR]
    assert sum(d.after_micros for d in decisions) <= 120 * EUR


def test_organization_cap_undoes_raises_then_cuts_evenly():
    items = [
        CampaignInput(1, 40 * EUR, 48 * EUR, month_spend_micros=300 * EUR),
        CampaignInput(2, 40 * EUR, 40 * EUR, month_spend_micros=300 * EUR),
    ]
    decisions = enforce(items, ctx(org_cap_micros=1_900 * EUR, org_month_spend_micros=600 * EUR))
    potential = sum(rules.potential_spend(d.before_micros, d.after_micros, 10, 300 * EUR) for d in decisions)
    assert 600 * EUR + potential <= 1_900 * EUR
    assert decisions[0].after_micros == decisions[1].after_micros < 40 * EUR
    assert all(rules.ORG_CAP in d.reasons for d in decisions)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([CampaignInput(1, -1, 0)], "money cannot be negative"),
        ([CampaignInput(1, 1, 1), CampaignInput(1, 2, 2)], "duplicate campaign ids"),
    ],
)
def test_invalid_plans_are_refused(items, message):
    with pytest.raises(ValueError, match=message):
        enforce(items, ctx())


MONEY = st.integers(min_value=0, max_value=500).map(lambda units: units * EUR // 2)


@st.composite
def plans(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    items = []
    for campaign_id in range(count):
        current, proposed, floor = draw(MONEY), draw(MONEY), draw(MONEY) // 4
        ceiling = draw(st.one_of(st.none(), MONEY.map(lambda m, low=floor: m + low)))
        items.append(
            CampaignInput(
                campaign_id,
                current,
                proposed,
                floor_micros=floor,
                ceiling_micros=ceiling,
                month_spend_micros=draw(MONEY) * 10,
                cap_micros=draw(st.one_of(st.none(), MONEY.map(lambda m: m * 30))),
                changed_today=draw(st.booleans()),
                changed_outside=draw(st.booleans()),
            )
        )
    context = Context(
        days_left=draw(st.integers(1, 31)),
        max_change_ratio=Fraction(draw(st.integers(0, 50)), 100),
        approved_total_micros=draw(MONEY) * count,
        stale=draw(st.booleans()),
        kill_switch=draw(st.booleans()),
        org_cap_micros=draw(st.one_of(st.none(), MONEY.map(lambda m: m * 30 * count))),
        org_month_spend_micros=sum(item.month_spend_micros for item in items),
    )
    return items, context


@settings(max_examples=2000, deadline=None)
@given(plans())
def test_every_decision_keeps_every_invariant(plan):
    items, context = plan
    decisions = enforce(items, context)
    raised_any = False
    for item, d in zip(items, decisions, strict=True):
        before, after = item.current_micros, d.after_micros
        assert after >= 0
        if context.kill_switch or item.changed_today:
            assert after == before  # 2, 6
            continue
        assert after == before or after % context.unit_micros == 0  # 4: billable units
        if after > before:
            raised_any = True
            assert not (context.stale or item.changed_outside)  # 5
            assert item.ceiling_micros is None or after <= max(item.ceiling_micros, before)  # 4
            assert within_cap(before, after, context.days_left, item.month_spend_micros, item.cap_micros)  # 1
        low = before - before * context.max_change_ratio
        high = before + before * context.max_change_ratio
        assert after <= high  # 3: never raised past the limit
        if after < low:
            assert d.forced_cut and ({rules.CAMPAIGN_CAP, rules.ORG_CAP} & set(d.reasons))  # 3: only caps cut more
        if after < min(item.floor_micros, before):
            assert {rules.CAMPAIGN_CAP, rules.ORG_CAP} & set(d.reasons)  # 4: floors give way only to caps
    if raised_any:
        assert sum(d.after_micros for d in decisions) <= context.approved_total_micros  # 4
    if context.org_cap_micros is not None and any(d.after_micros for d in decisions):
        potential = sum(
            rules.potential_spend(i.current_micros, d.after_micros, context.days_left, i.month_spend_micros)
            for i, d in zip(items, decisions, strict=True)
        )
        assert context.org_month_spend_micros + potential <= context.org_cap_micros or all(
            d.after_micros <= i.current_micros for i, d in zip(items, decisions, strict=True)
        )  # 1
