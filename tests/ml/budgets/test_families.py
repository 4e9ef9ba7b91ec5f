from __future__ import annotations

import itertools

import numpy as np
import pytest

from ml.budgets.baselines import BaselineConfig, OracleAllocator, free_oracle_config
from ml.budgets.inputs import AccountArrays
from ml.budgets.model import make_history
from ml.budgets.simulator import FAMILY_SCENARIOS, RESPONSES, Market
from ml.budgets.solver import capped_fill
from ml.budgets.types import MICROS


def _days(market: Market, multiple: float, days: int = 28) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spend, clicks and budgets (currency units) of ``days`` days at ``multiple`` x each campaign's
    average saturation spend (volume x CPC)."""
    saturation = market.clicks_cap * market.cpc
    budgets = np.round(multiple * saturation * MICROS).astype(np.int64)
    rows = [market.step_arrays(budgets) for _ in range(days)]
    spend = np.array([r.spend_micros for r in rows]) / MICROS
    clicks = np.array([r.clicks for r in rows], dtype=float)
    return spend, clicks, np.broadcast_to(budgets / MICROS, spend.shape)


def test_manual_bids_are_linear_then_flat():
    low_spend, low_clicks, low_budget = _days(Market.from_family("manual", "base", 20, 0), 0.4)
    high_spend, high_clicks, high_budget = _days(Market.from_family("manual", "base", 20, 0), 2.0)
    cpc = Market.from_family("manual", "base", 20, 0).cpc

    # Below the kink every click costs the bid and the whole budget goes (paced to 95-100 %).
    assert (low_spend[low_clicks > 0] >= 0.95 * low_budget[low_clicks > 0]).all()
    assert np.allclose(low_spend.sum(axis=0) / low_clicks.sum(axis=0), cpc, rtol=0.25)
    # Past it the volume is used up: spend stops at the kink and most of the budget stays unspent.
    assert (high_spend.mean(axis=0) < 0.6 * high_budget[0]).all()
    assert np.allclose(high_spend.sum(axis=0) / high_clicks.sum(axis=0), cpc, rtol=0.25)


def test_smooth_saturation_leaves_budget_unspent_before_the_curve_flattens():
    low_spend, low_clicks, low_budget = _days(Market.from_family("smooth", "base", 20, 0), 0.4)
    high_spend, high_clicks, high_budget = _days(Market.from_family("smooth", "base", 20, 0), 2.0)
    cpc = Market.from_family("smooth", "base", 20, 0).cpc

    assert (low_spend[low_clicks > 0] >= 0.95 * low_budget[low_clicks > 0]).all()
    # Diminishing returns already below the cap: a click costs 1.2x the bid at 40 % of the saturation spend.
    assert 1.1 < np.median(low_spend.sum(axis=0) / low_clicks.sum(axis=0) / cpc) < 1.35
    # The bid stops winning at the saturation spend, with 37 % of the volume still unbought.
    assert (high_spend.mean(axis=0) < 0.6 * high_budget[0]).all()


def test_automated_bidding_spends_the_whole_budget_at_a_rising_cost():
    low_spend, low_clicks, _ = _days(Market.from_family("auto", "base", 20, 0), 0.4)
    high_spend, high_clicks, high_budget = _days(Market.from_family("auto", "base", 20, 0), 1.2)

    assert (high_spend[high_clicks > 0] >= 0.95 * high_budget[high_clicks > 0]).all()
    low_cpc = low_spend.sum(axis=0) / low_clicks.sum(axis=0)
    high_cpc = high_spend.sum(axis=0) / high_clicks.sum(axis=0)
    assert (high_cpc > 1.3 * low_cpc).all()


def test_a_mixed_account_holds_every_family_and_auto_is_the_original_market():
    mixed = Market.from_family("mixed", "base", 200, 0)
    assert sorted(set(mixed.spend_cap.tolist())) == [1.0, 3.0]
    assert sorted(set(mixed.family)) == ["auto", "manual", "smooth"]
    assert 0 < mixed.is_linear.sum() < (mixed.spend_cap == 1.0).sum() < 200
    # "auto" is the market every earlier scenario used: same campaigns, same days.
    auto = Market.from_family("auto", "base", 20, 4)
    original = Market(FAMILY_SCENARIOS["base"], 20, 4)
    for _ in range(3):
        assert auto.step(auto.initial_budgets_micros) == original.step(original.initial_budgets_micros)


@pytest.mark.parametrize(("response", "scenario"), list(itertools.product(RESPONSES, FAMILY_SCENARIOS)))
def test_family_markets_are_sparse_and_thirty_percent_wasteful(response, scenario):
    market = Market.from_family(response, scenario, 20, 1)
    conversions = np.array([market.step_arrays(market.initial_budgets).conversions for _ in range(28)])

    assert market.is_waste.sum() == (8 if scenario == "waste_heavy" else 6)
    assert np.median(conversions.mean(axis=0)) < 2.0


def test_unknown_family_or_scenario_is_rejected():
    with pytest.raises(ValueError, match="response must be one of"):
        Market.from_family("target_roas", "base", 20, 0)
    with pytest.raises(ValueError, match="scenario must be one of"):
        Market.from_family("manual", "stationary", 20, 0)


def test_capped_fill_matches_brute_force():
    log_return = np.log(np.array([[0.3, 0.2, 0.1]]))
    saturation = np.array([[100.0, 5000.0, 40.0]])
    cap = np.array([30.0, 60.0, np.inf])
    lower, upper = np.zeros(3), np.full(3, 100.0)

    spend = capped_fill(log_return, saturation, cap, lower, upper, 120.0)[0]

    def value(x: np.ndarray) -> float:
        used = np.minimum(x, cap)
        return float((np.exp(log_return[0]) * saturation[0] * -np.expm1(-used / saturation[0])).sum())

    grid = [np.array(x, dtype=float) for x in itertools.product(range(0, 101, 2), repeat=2)]
    best = max(value(np.array([x[0], x[1], 120.0 - x.sum()])) for x in grid if x.sum() <= 120.0)
    assert spend.sum() == pytest.approx(120.0)
    assert value(spend) >= best - 1e-9
    assert spend[0] == pytest.approx(30.0) and spend[1] == pytest.approx(60.0)


def test_the_change_limited_oracle_obeys_the_rule_and_the_free_one_does_not():
    market = Market.from_family("manual", "unexplored", 20, 0)
    day = market.step_arrays(market.initial_budgets)
    history = make_history(
        day.spend_micros[:, None] / MICROS,
        day.clicks[:, None] * 1.0,
        day.conversions[:, None],
        day.conversion_value_micros[:, None] / MICROS,
        np.ones((20, 1), dtype=bool),
        market.initial_budgets / MICROS,
        budgets=day.budget_micros[:, None] / MICROS,
    )
    account = AccountArrays(market.campaign_ids, market.initial_budgets, market.floors, np.full(20, np.inf), history, 1)
    total = market.total_budget_micros

    limited = OracleAllocator(market.true_response, BaselineConfig()).allocate_arrays(account, total)
    free = OracleAllocator(market.true_response, free_oracle_config()).allocate_arrays(account, total)

    start = market.initial_budgets
    moved = np.array([limited.budgets_micros[c] for c in market.campaign_ids]) - start
    assert (np.abs(moved) <= np.maximum(start // 5, MICROS)).all()
    free_moved = np.array([free.budgets_micros[c] for c in market.campaign_ids]) - start
    assert (np.abs(free_moved) > np.maximum(start // 5, MICROS)).any()
    assert sum(free.budgets_micros.values()) <= total and sum(limited.budgets_micros.values()) <= total
