from __future__ import annotations

import numpy as np

from ml.budgets import BudgetAllocator, CampaignState, DayStats
from ml.budgets.limits import DIMINISHING_RETURNS, LIMITED_BY_BUDGET, LIMITED_BY_VOLUME

UNIT = 1_000_000


def _state(cid: str, budgets: np.ndarray, spends: np.ndarray, clicks: np.ndarray) -> CampaignState:
    history = [
        DayStats(int(b * UNIT), int(s * UNIT), int(c), float(c) * 0.05, int(c) * 10 * UNIT, int(c) * 20)
        for b, s, c in zip(budgets, spends, clicks, strict=True)
    ]
    return CampaignState(cid, int(budgets[-1] * UNIT), history)


def test_each_campaign_says_what_holds_it_back_with_its_evidence():
    rng = np.random.default_rng(0)
    days = 42
    # A manual bid far below its kink: whole budget spent every day, at the account's low-spend CPC.
    linear = np.full(days, 100.0)
    # One whose auctions run out near 80 a day while its budget is 200.
    stops = 80.0 * rng.lognormal(0.0, 0.1, days)
    # One whose budget swung between 50 and 400 on a curve that saturates at 100 clicks a day.
    swings = np.tile([50.0, 100.0, 200.0, 400.0, 300.0, 150.0], 7)
    states = [
        _state("linear", linear, linear, np.round(linear / 1.1)),
        _state("stops", np.full(days, 200.0), stops, np.round(stops / 1.1)),
        _state("curve", swings, swings, np.round(100.0 * -np.expm1(-swings / 100.0))),
    ]
    total = sum(s.daily_budget_micros for s in states)

    plan = BudgetAllocator(random_state=0).allocate(states, total)

    linear_, stops_, curve_ = (plan.explanations[c] for c in ("linear", "stops", "curve"))
    assert (linear_.limit, stops_.limit, curve_.limit) == (LIMITED_BY_BUDGET, LIMITED_BY_VOLUME, DIMINISHING_RETURNS)
    assert (linear_.unspent_days, linear_.bound_days, linear_.spend_cap_micros) == (0, 42, None)
    assert linear_.limit_evidence.startswith("spent its whole budget on 42 of the last 42 days; the next unit buys")
    assert stops_.unspent_days == 42 and stops_.bound_days == 0
    assert 72 * UNIT < stops_.spend_cap_micros < 88 * UNIT
    assert stops_.limit_evidence.startswith("left budget unspent on 42 of the last 42 days, stopping near ")
    assert "(learned from 42 days spending 50.00 to 400.00)" in curve_.limit_evidence
    # The same evidence as figures, for pages that word it in their own language.
    assert (linear_.evidence_days, linear_.evidence_spend_low_micros, linear_.evidence_spend_high_micros) == (
        42,
        100 * UNIT,
        100 * UNIT,
    )
    assert (curve_.evidence_days, curve_.evidence_spend_low_micros, curve_.evidence_spend_high_micros) == (
        42,
        50 * UNIT,
        400 * UNIT,
    )
    assert linear_.next_unit_share >= 0.8 > curve_.next_unit_share > 0.0
    assert f"{linear_.next_unit_share:.0%}" in linear_.limit_evidence
