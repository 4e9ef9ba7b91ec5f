"""The speed paths plan what the plain ones do: budgets alone (``budgets_arrays``) and the effective-spend block
computed a chunk of campaigns at a time."""

from __future__ import annotations

import numpy as np
import pytest

import ml.budgets.model as model
from ml.budgets.allocator import BudgetAllocator
from ml.budgets.baselines import OracleAllocator, RoasAllocator, UniformAllocator
from ml.budgets.inputs import AccountArrays
from ml.budgets.model import make_history
from ml.budgets.simulator import Market
from ml.budgets.types import MICROS


def _played_account(n_campaigns: int, days: int, seed: int = 0) -> tuple[Market, AccountArrays]:
    market = Market.from_family("mixed", "base", n_campaigns, seed)
    budgets = market.initial_budgets
    rows = [market.step_arrays(budgets) for _ in range(days)]
    stack = {
        name: np.stack([getattr(r, name) for r in rows], axis=1)
        for name in ("spend_micros", "clicks", "conversions", "impressions", "conversion_value_micros", "budget_micros")
    }
    history = make_history(
        stack["spend_micros"] / MICROS,
        stack["clicks"].astype(float),
        stack["conversions"],
        stack["conversion_value_micros"] / MICROS,
        np.ones((n_campaigns, days), dtype=bool),
        budgets / MICROS,
        stack["impressions"].astype(float),
        stack["budget_micros"] / MICROS,
    )
    ceilings = np.full(n_campaigns, np.inf)
    return market, AccountArrays(market.campaign_ids, budgets, market.floors, ceilings, history, days)


@pytest.mark.parametrize("strategy", ["greedy", "thompson", "ucb"])
def test_budgets_arrays_plans_what_allocate_arrays_plans_day_after_day(strategy):
    market, account = _played_account(30, 21)
    total = market.total_budget_micros
    full = BudgetAllocator(random_state=3, strategy=strategy)
    fast = BudgetAllocator(random_state=3, strategy=strategy)

    for _ in range(3):  # the random streams must stay in step across calls, not just on the first
        plan = full.allocate_arrays(account, total)
        budgets = fast.budgets_arrays(account, total)
        assert [plan.budgets_micros[c] for c in account.campaign_ids] == budgets.tolist()
        assert budgets.dtype == np.int64 and int(budgets.sum()) <= total


def test_baselines_budgets_arrays_match_their_plans():
    market, account = _played_account(12, 15)
    total = market.total_budget_micros
    for baseline in (UniformAllocator(), RoasAllocator(), OracleAllocator(market.true_response)):
        plan = baseline.allocate_arrays(account, total)
        assert [plan.budgets_micros[c] for c in account.campaign_ids] == baseline.budgets_arrays(
            account, total
        ).tolist()


def test_chunked_effective_spend_equals_the_whole_block():
    rng = np.random.default_rng(0)
    n, k, h = model._CHUNK * 2 + 37, 16, 40  # more than two chunks, the last one partial
    grid = rng.uniform(1.0, 500.0, (n, k))
    spend = rng.uniform(0.0, 400.0, (n, h))
    spend[:5, :3] = 0.0  # days without spend hit the log floor
    volume = rng.uniform(0.8, 1.2, h)
    weight = rng.uniform(0.3, 1.0, (n, h))
    counts = [rng.poisson(5.0, (n, h)) * weight, rng.poisson(100.0, (n, h)) * weight]

    curves = model._effective_spend(grid, spend, volume, weight, counts)

    effective = grid[:, :, None] * volume * -np.expm1(-spend[:, None, :] / (grid[:, :, None] * volume))
    log_effective = np.log(np.maximum(effective, 1e-9))
    np.testing.assert_allclose(curves.effective_sum, (effective * weight[:, None, :]).sum(axis=2), rtol=1e-5)
    for data_term, c in zip(curves.data_terms, counts, strict=True):
        np.testing.assert_allclose(data_term, (log_effective * c[:, None, :]).sum(axis=2), rtol=1e-4, atol=1e-2)
    best = rng.integers(k, size=n)
    np.testing.assert_allclose(curves.at(best), effective[np.arange(n), best, :], rtol=1e-5, atol=1e-6)
