from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ml.budgets import BudgetAllocator, CampaignState
from ml.budgets.ope import LoggedRounds, budget_rounds, doubly_robust, estimate_all, ipw, snipw
from ml.budgets.simulator import Market


@cache
def obp_estimators() -> types.ModuleType:
    """obp's ``ope/estimators.py`` without the rest of obp.

    obp's package ``__init__`` imports its torch policies and ``obp.utils`` imports torch for one type check;
    the estimators need neither. So the two packages are registered empty under a private name and only the
    estimator module (with ``utils``/``helper``) is executed; a stand-in ``torch`` exists while it loads.
    """
    root = Path(importlib.util.find_spec("obp").submodule_search_locations[0])
    for name, path in (("_obp_reference", root), ("_obp_reference.ope", root / "ope")):
        package = types.ModuleType(name)
        package.__path__ = [str(path)]
        sys.modules[name] = package
    stand_in = None
    if importlib.util.find_spec("torch") is None:
        stand_in = types.ModuleType("torch")
        stand_in.Tensor = type("Tensor", (), {})
        stand_in.tensor = stand_in.Tensor
        sys.modules["torch"] = stand_in
    try:
        return importlib.import_module("_obp_reference.ope.estimators")
    finally:
        if stand_in is not None:
            del sys.modules["torch"]


@cache
def obd(policy: str) -> LoggedRounds:
    """The Open Bandit Dataset sample shipped with obp (ZOZOTOWN, campaign "all", 10,000 rounds, 80 items)."""
    root = Path(importlib.util.find_spec("obp").submodule_search_locations[0])
    columns = ["item_id", "position", "click", "propensity_score"]
    frame = pl.read_csv(root / "dataset" / "obd" / policy / "all" / "all.csv", columns=columns)
    return LoggedRounds.from_arrays(
        frame["click"].to_numpy(),
        frame["item_id"].to_numpy(),
        frame["propensity_score"].to_numpy(),
        frame["position"].to_numpy() - 1,
    )


def random_inputs(seed: int, n: int = 500, n_actions: int = 6, slots: int = 2):
    rng = np.random.default_rng(seed)
    action_dist = rng.dirichlet(np.ones(n_actions), size=(n, slots)).transpose(0, 2, 1)
    rounds = LoggedRounds.from_arrays(
        rng.binomial(1, 0.3, n), rng.integers(0, n_actions, n), rng.uniform(0.05, 1.0, n), rng.integers(0, slots, n)
    )
    return rounds, action_dist, rng.uniform(0, 1, (n, n_actions, slots))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_estimators_match_obp_on_identical_random_inputs(seed):
    estimators = obp_estimators()
    rounds, action_dist, q = random_inputs(seed)
    inputs = dict(
        reward=rounds.reward,
        action=rounds.action,
        position=rounds.position,
        pscore=rounds.pscore,
        action_dist=action_dist,
    )

    assert ipw(rounds, action_dist) == pytest.approx(
        estimators.InverseProbabilityWeighting().estimate_policy_value(**inputs), abs=1e-12
    )
    assert snipw(rounds, action_dist) == pytest.approx(
        estimators.SelfNormalizedInverseProbabilityWeighting().estimate_policy_value(**inputs), abs=1e-12
    )
    assert doubly_robust(rounds, action_dist, q) == pytest.approx(
        estimators.DoublyRobust().estimate_policy_value(**inputs, estimated_rewards_by_reg_model=q), abs=1e-12
    )


def test_estimators_match_obp_on_the_open_bandit_dataset():
    estimators = obp_estimators()
    rounds = obd("random")
    rng = np.random.default_rng(0)
    action_dist = rng.dirichlet(np.ones(80), size=(len(rounds.reward), 3)).transpose(0, 2, 1)
    q = rng.uniform(0.0, 0.01, action_dist.shape)
    inputs = dict(
        reward=rounds.reward.astype(float),
        action=rounds.action,
        position=rounds.position,
        pscore=rounds.pscore,
        action_dist=action_dist,
    )

    ours = estimate_all(rounds, action_dist, q)

    assert ours["ipw"] == pytest.approx(
        estimators.InverseProbabilityWeighting().estimate_policy_value(**inputs), abs=1e-9
    )
    assert ours["snipw"] == pytest.approx(
        estimators.SelfNormalizedInverseProbabilityWeighting().estimate_policy_value(**inputs), abs=1e-9
    )
    assert ours["dr"] == pytest.approx(
        estimators.DoublyRobust().estimate_policy_value(**inputs, estimated_rewards_by_reg_model=q), abs=1e-9
    )


def test_logging_policy_evaluated_on_its_own_logs_gives_its_click_rate():
    rounds = obd("random")
    uniform = np.full((len(rounds.reward), 80, 3), 1 / 80)

    assert ipw(rounds, uniform) == pytest.approx(0.0038, abs=1e-12)
    assert snipw(rounds, uniform) == pytest.approx(0.0038, abs=1e-12)


def test_budget_plans_become_ope_rounds():
    market = Market.from_scenario("stationary", 10, 0)
    history = {cid: [] for cid in market.campaign_ids}
    budgets = market.initial_budgets_micros
    logged, rewards, target = [], [], []
    logging_policy, new_policy = BudgetAllocator(random_state=0), BudgetAllocator(random_state=1, max_change_ratio=0.1)
    for _ in range(6):
        for cid, stats in market.step(budgets).items():
            history[cid].append(stats)
        states = [CampaignState(c, budgets[c], history[c], market.floors_micros[c]) for c in market.campaign_ids]
        plan = logging_policy.allocate(states, market.total_budget_micros)
        logged.append(plan.propensities)
        target.append(new_policy.allocate(states, market.total_budget_micros).propensities)
        budgets = plan.budgets_micros
        outcome = market.step(budgets)
        rewards.append({c: s.conversions for c, s in outcome.items()})
        for cid, stats in outcome.items():
            history[cid].append(stats)

    rounds, action_dist = budget_rounds(logged, rewards, target)

    assert rounds.reward.shape == (60,)
    assert action_dist.shape == (60, 3, 1)
    # Computed here from the plans themselves, not from the rounds: each campaign-day's weight is the target
    # policy's probability of the logged action over the logging policy's. (The values come from Monte Carlo
    # propensities, whose last digits depend on the numeric libraries installed, so the test compares formulas on
    # the same draws rather than a number recorded on one machine.)
    weights, outcomes = [], []
    for plan, outcome, new in zip(logged, rewards, target, strict=True):
        for cid, propensity in plan.items():
            weights.append(new[cid].probabilities[propensity.action] / propensity.probability)
            outcomes.append(outcome[cid])
    weights, outcomes = np.array(weights), np.array(outcomes)
    estimates = estimate_all(rounds, action_dist)
    assert estimates["ipw"] == pytest.approx(float(np.mean(weights * outcomes)), abs=1e-12)
    assert estimates["snipw"] == pytest.approx(float(np.sum(weights * outcomes) / np.sum(weights)), abs=1e-12)
    assert 0.5 < estimates["snipw"] < 2.0  # the new policy's conversions per campaign-day, in the market's range


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: LoggedRounds.from_arrays([1, 0], [0], [0.5, 0.5]), "action has 1 rows, reward has 2"),
        (lambda: LoggedRounds.from_arrays([], [], []), "no rounds"),
        (lambda: LoggedRounds.from_arrays([1, 0], [0, 1], [0.5, 0.0]), r"pscore must be in \(0, 1\], row 1"),
        (lambda: LoggedRounds.from_arrays([np.nan], [0], [0.5]), "reward must be finite"),
        (lambda: LoggedRounds.from_arrays([1], [-1], [0.5]), "action and position must be >= 0"),
        (lambda: ipw(LoggedRounds.from_arrays([1], [0], [0.5]), np.ones((1, 2, 1))), "must sum to 1"),
        (lambda: ipw(LoggedRounds.from_arrays([1], [3], [0.5]), np.full((1, 2, 1), 0.5)), "too small"),
        (lambda: ipw(LoggedRounds.from_arrays([1], [0], [0.5]), np.ones((1, 1))), "must have shape"),
    ],
)
def test_invalid_logs_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()
