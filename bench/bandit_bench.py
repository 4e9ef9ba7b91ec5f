"""Budget policies on the simulated market: every scenario x size x seed x policy for 90 days.

Prints a table and writes ``bench/results/bandits.json`` plus one regret-over-time PNG per scenario, and the
Open Bandit Dataset checks (our OPE estimators vs obp's, our ad-rotation policy vs the logged Thompson sampling
policy).

    python bench/bandit_bench.py            # the full run (about 10-15 minutes on 2 cores)
    python bench/bandit_bench.py --quick    # 3 seeds, 30 days: a smoke test
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ml.bandits import MICROS, AccountArrays, BudgetAllocator  # noqa: E402
from ml.bandits_baselines import (  # noqa: E402
    OracleAllocator,
    RoasAllocator,
    UniformAllocator,
    greedy_allocator,
    ucb_allocator,
)
from ml.budget_model import make_history  # noqa: E402
from ml.simulator import Market  # noqa: E402

POLICIES = ("thompson", "greedy", "ucb", "uniform", "roas", "oracle")
HISTORY_DAYS = 56
# The bench needs budgets only; a few propensity draws keep explanations cheap without changing decisions.
PROPENSITY_DRAWS = 8


def make_policy(name: str, market: Market, seed: int) -> Callable[[AccountArrays, int], dict[str, int]]:
    """A policy as a function of (account arrays, total) -> budgets."""
    if name == "thompson":
        policy = BudgetAllocator(random_state=seed, propensity_draws=PROPENSITY_DRAWS)
    elif name == "greedy":
        policy = greedy_allocator(random_state=seed, propensity_draws=PROPENSITY_DRAWS)
    elif name == "ucb":
        policy = ucb_allocator(random_state=seed, propensity_draws=PROPENSITY_DRAWS)
    elif name == "uniform":
        policy = UniformAllocator()
    elif name == "roas":
        policy = RoasAllocator()
    elif name == "oracle":
        policy = OracleAllocator(market.true_curves)
    else:
        raise ValueError(name)
    return lambda account, total: policy.allocate_arrays(account, total).budgets_micros


def run_policy(
    scenario: str, n_campaigns: int, seed: int, policy_name: str, days: int, budget_scale: float = 1.0
):
    """Play ``days`` days; returns realised and expected conversions per day (arrays of length ``days``)."""
    market = Market.from_scenario(scenario, n_campaigns, seed)
    policy = make_policy(policy_name, market, seed)
    total = int(market.total_budget_micros * budget_scale)
    budgets = (market.initial_budgets * budget_scale).astype(np.int64)
    floors = (market.floors * budget_scale).astype(np.int64)
    ceilings = np.full(n_campaigns, np.inf)
    n = n_campaigns
    spend, clicks, conversions, value = (np.zeros((n, days)) for _ in range(4))
    realised, expected = np.zeros(days), np.zeros(days)
    for day in range(days):
        outcome = market.step_arrays(budgets)
        spend[:, day] = outcome.spend_micros / MICROS
        clicks[:, day] = outcome.clicks
        conversions[:, day] = outcome.conversions
        value[:, day] = outcome.conversion_value_micros / MICROS
        realised[day] = outcome.conversions.sum()
        expected[day] = outcome.expected_conversions.sum()
        start = max(0, day + 1 - HISTORY_DAYS)
        window = slice(start, day + 1)
        history = make_history(
            spend[:, window],
            clicks[:, window],
            conversions[:, window],
            value[:, window],
            np.ones((n, day + 1 - start), dtype=bool),
            budgets / MICROS,
        )
        account = AccountArrays(market.campaign_ids, budgets, floors, ceilings, history, day + 1)
        plan = policy(account, total)
        budgets = np.array([plan[cid] for cid in market.campaign_ids], dtype=np.int64)
    return realised, expected
