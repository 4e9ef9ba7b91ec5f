from __future__ import annotations

import numpy as np
import pytest

from ml.budgets import DayStats
from ml.budgets.simulator import SCENARIO_CONFIGS, SCENARIOS, CampaignCurve, Market, ScenarioConfig


def test_first_day_is_exact_for_a_seed():
    market = Market.from_scenario("stationary", n_campaigns=10, seed=7)

    day = market.step(market.initial_budgets_micros)

    assert market.total_budget_micros == 1_335_000_000
    assert market.initial_budgets_micros["c000"] == 140_690_000
    assert market.floors_micros["c000"] == 6_670_000
    assert day["c000"] == DayStats(
        budget_micros=140_690_000,
        spend_micros=134_632_145,
        clicks=49,
        conversions=6.0,
        conversion_value_micros=1_482_378_251,
        impressions=759,
    )
    assert market.day == 1


def test_same_seed_same_market_and_days():
    first, second = (Market.from_scenario("drift", n_campaigns=50, seed=3) for _ in range(2))

    for _ in range(5):
        assert first.step(first.initial_budgets_micros) == second.step(second.initial_budgets_micros)


def test_noise_does_not_depend_on_other_campaigns_budgets():
    # Common random numbers: changing one campaign's budget leaves every other campaign's day unchanged.
    base, changed = (Market.from_scenario("stationary", n_campaigns=10, seed=1) for _ in range(2))
    budgets = base.initial_budgets_micros
    other = {**budgets, "c004": budgets["c004"] // 2}

    day_base, day_changed = base.step(budgets), changed.step(other)

    assert day_base["c004"] != day_changed["c004"]
    assert {c: s for c, s in day_base.items() if c != "c004"} == {c: s for c, s in day_changed.items() if c != "c004"}


def test_rates_over_four_weeks_sit_in_the_published_ranges():
    market = Market.from_scenario("stationary", n_campaigns=50, seed=0)
    spend = clicks = impressions = conversions = 0.0
    for _ in range(28):
        for stats in market.step(market.initial_budgets_micros).values():
            spend += stats.spend_micros / 1e6
            clicks += stats.clicks
            impressions += stats.impressions
            conversions += stats.conversions

    assert 2.0 <= spend / clicks <= 8.0  # CPC, dollars
    assert 0.03 <= clicks / impressions <= 0.08  # CTR
    assert 0.02 <= conversions / clicks <= 0.08  # CVR


def test_sparse_scenario_sees_a_few_orders_a_day():
    market = Market.from_scenario("sparse", n_campaigns=10, seed=0)

    orders = [sum(s.conversions for s in market.step(market.initial_budgets_micros).values()) for _ in range(14)]

    assert orders == [2.0, 0.0, 1.0, 1.0, 2.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]


def test_waste_heavy_scenario_gives_waste_the_largest_budgets():
    market = Market.from_scenario("waste_heavy", n_campaigns=50, seed=0)
    budgets = market.initial_budgets.astype(float)

    assert market.is_waste.sum() == 20
    assert budgets[market.is_waste].mean() > 2 * budgets[~market.is_waste].mean()
    assert market.base_cvr[market.is_waste].max() < market.base_cvr[~market.is_waste].min()
    assert all(
        market.campaign_names[c].endswith("- broad")
        for c, w in zip(market.campaign_ids, market.is_waste, strict=True)
        if w
    )


def test_more_budget_buys_fewer_extra_clicks():
    market = Market.from_scenario("stationary", n_campaigns=10, seed=0)
    log_return, saturation = market.true_curves()
    spends = np.array([0.5, 1.0, 2.0, 4.0])[:, None] * saturation[None, :]

    expected = np.exp(log_return) * saturation * -np.expm1(-spends / saturation)

    gains = np.diff(expected, axis=0) / np.diff(spends, axis=0)
    assert (np.diff(gains, axis=0) < 0).all()


def test_scenarios_and_sizes_are_named():
    assert SCENARIOS == ("stationary", "sparse", "waste_heavy", "drift")
    assert set(SCENARIO_CONFIGS) == set(SCENARIOS)
    assert len(Market.from_scenario("drift", 200, 0).campaign_ids) == 200


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Market.from_scenario("black_friday", 10, 0), "scenario must be one of"),
        (lambda: Market.from_scenario("stationary", 0, 0), "n_campaigns must be >= 1"),
        (lambda: ScenarioConfig("x", cvr_median=1.5), "cvr_median must be in"),
        (lambda: ScenarioConfig("x", cpc_median=0.0), "must be > 0"),
    ],
)
def test_invalid_markets_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_step_needs_a_budget_for_every_campaign():
    market = Market.from_scenario("stationary", 10, 0)
    budgets = market.initial_budgets_micros
    del budgets["c007"]

    with pytest.raises(ValueError, match="no budget for campaign 'c007'"):
        market.step(budgets)
    assert market.day == 0


def _curves() -> list[CampaignCurve]:
    return [
        CampaignCurve(
            "a",
            "Cement",
            cpc=0.5,
            clicks_per_day=120.0,
            cvr=0.05,
            order_value=180.0,
            ctr=0.06,
            budget_micros=40_000_000,
        ),
        CampaignCurve(
            "b", "Tiles", cpc=0.6, clicks_per_day=8.0, cvr=0.03, order_value=520.0, ctr=0.05, budget_micros=20_000_000
        ),
    ]


def test_a_market_of_known_campaigns_follows_their_curves():
    market = Market.from_curves(_curves(), seed=3, start_weekday=2)
    assert market.initial_budgets_micros == {"a": 40_000_000, "b": 20_000_000}
    assert market.campaign_names == {"a": "Cement", "b": "Tiles"}
    days = [market.step(market.initial_budgets_micros) for _ in range(28)]
    clicks = {cid: sum(d[cid].clicks for d in days) / 28 for cid in ("a", "b")}
    # Cement is budget-limited (spends its 40 on a 60-a-day volume); tiles run out of searches at 3x saturation.
    assert 0.95 * 40_000_000 <= min(d["a"].spend_micros for d in days)
    assert max(d["b"].spend_micros for d in days) < 20_000_000
    assert 50 < clicks["a"] < 68 and 6.5 < clicks["b"] < 8.5  # 120 (1 - e^-2/3) = 58.6; 8 (1 - e^-3) = 7.6
    again = Market.from_curves(_curves(), seed=3, start_weekday=2)
    assert again.step(again.initial_budgets_micros) == days[0]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Market.from_curves([], seed=0), "at least one campaign"),
        (lambda: Market.from_curves(_curves() + _curves()[:1], seed=0), "distinct campaign ids"),
        (lambda: Market.from_curves(_curves(), seed=0, start_weekday=7), "start_weekday"),
        (
            lambda: CampaignCurve(
                "x", "X", cpc=0.0, clicks_per_day=1.0, cvr=0.1, order_value=1.0, ctr=0.1, budget_micros=1
            ),
            "cpc",
        ),
        (
            lambda: CampaignCurve(
                "x", "X", cpc=1.0, clicks_per_day=1.0, cvr=1.5, order_value=1.0, ctr=0.1, budget_micros=1
            ),
            "cvr must be in",
        ),
    ],
)
def test_invalid_known_campaigns_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()
