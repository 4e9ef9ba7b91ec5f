"""Budget policies on the simulated market: every scenario x size x seed x policy for 90 days.

Prints a table and writes ``bench/results/bandits.json`` plus one regret-over-time PNG per scenario
(``bench/results/bandits_<scenario>.png``), and the Open Bandit Dataset checks: our OPE estimators against obp's
on the same inputs, for an evaluation policy that ranks items by Beta-posterior draws.

    python bench/bandit_bench.py            # the full run: 20 seeds x 90 days (about 15 minutes, one core)
    python bench/bandit_bench.py --quick    # 2 seeds x 30 days, written to a scratch folder: a smoke test

Needs numpy, scipy, polars, matplotlib and obp (``pip install --no-deps --ignore-requires-python obp`` plus
scikit-learn and pandas for its estimator module; never torch).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ml.budgets import AllocatorConfig, BudgetAllocator
from ml.budgets.baselines import (
    OracleAllocator,
    RoasAllocator,
    UniformAllocator,
    greedy_allocator,
    ucb_allocator,
)
from ml.budgets.inputs import AccountArrays
from ml.budgets.model import make_history
from ml.budgets.simulator import SCENARIOS, SIZES, Market
from ml.budgets.types import MICROS

ROOT = Path(__file__).resolve().parents[1]

POLICIES = ("thompson", "greedy", "ucb", "uniform", "roas", "oracle")
# Everything the allocator reads by default (90 days), so the bench measures the shipped configuration.
HISTORY_DAYS = AllocatorConfig().history_days
# The bench needs budgets only; propensities come from a child random stream, so one draw (the minimum) saves
# time without changing any decision.
PROPENSITY_DRAWS = 1


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
) -> tuple[np.ndarray, np.ndarray]:
    """Play ``days`` days; returns realised and expected conversions per day (arrays of length ``days``).

    Every policy starts from the marketer's current split and obeys the same floors and change limit;
    ``budget_scale`` scales the total, the starting budgets and the floors together.
    """
    market = Market.from_scenario(scenario, n_campaigns, seed)
    policy = make_policy(policy_name, market, seed)
    total = int(market.total_budget_micros * budget_scale)
    budgets = (market.initial_budgets * budget_scale).astype(np.int64)
    floors = (market.floors * budget_scale).astype(np.int64)
    ceilings = np.full(n_campaigns, np.inf)
    spend, clicks, conversions, value, impressions, day_budgets = (np.zeros((n_campaigns, days)) for _ in range(6))
    realised, expected = np.zeros(days), np.zeros(days)
    for day in range(days):
        outcome = market.step_arrays(budgets)
        spend[:, day] = outcome.spend_micros / MICROS
        clicks[:, day] = outcome.clicks
        conversions[:, day] = outcome.conversions
        value[:, day] = outcome.conversion_value_micros / MICROS
        impressions[:, day] = outcome.impressions
        day_budgets[:, day] = outcome.budget_micros / MICROS
        realised[day] = outcome.conversions.sum()
        expected[day] = outcome.expected_conversions.sum()
        window = slice(max(0, day + 1 - HISTORY_DAYS), day + 1)
        n_days = window.stop - window.start
        history = make_history(
            spend[:, window],
            clicks[:, window],
            conversions[:, window],
            value[:, window],
            np.ones((n_campaigns, n_days), dtype=bool),
            budgets / MICROS,
            impressions[:, window],
            # The day's budget, as every DayStats reports it (``ml.budgets.inputs.history_arrays`` reads it too).
            day_budgets[:, window],
        )
        account = AccountArrays(market.campaign_ids, budgets, floors, ceilings, history, day + 1)
        plan = policy(account, total)
        budgets = np.array([plan[cid] for cid in market.campaign_ids], dtype=np.int64)
    return realised, expected


def run_grid(seeds: int, days: int) -> dict:
    """Every scenario x size x seed x policy; returns per-run daily conversions, summed over seeds."""
    runs: dict = {}
    for scenario in SCENARIOS:
        for size in SIZES:
            started = time.perf_counter()
            cell: dict = {}
            names = [*POLICIES, "thompson_half_budget"] if scenario == "waste_heavy" else list(POLICIES)
            for name in names:
                policy, scale = ("thompson", 0.5) if name == "thompson_half_budget" else (name, 1.0)
                realised, expected = np.zeros(days), np.zeros(days)
                for seed in range(seeds):
                    r, e = run_policy(scenario, size, seed, policy, days, scale)
                    realised += r
                    expected += e
                cell[name] = {"realised": realised / seeds, "expected": expected / seeds}
            runs[(scenario, size)] = cell
            print(f"  {scenario:<12} {size:>4} campaigns: {time.perf_counter() - started:6.1f} s", flush=True)
    return runs


def summarise(runs: dict) -> dict:
    """Shares of the oracle and ratios to the baselines, per cell and averaged; goals checked."""
    cells = {}
    for (scenario, size), cell in runs.items():
        total = {name: float(v["realised"].sum()) for name, v in cell.items()}
        expected = {name: float(v["expected"].sum()) for name, v in cell.items()}
        entry = {
            "conversions_per_run": total,
            "share_of_oracle": {name: total[name] / total["oracle"] for name in total},
            "expected_share_of_oracle": {name: expected[name] / expected["oracle"] for name in expected},
            "thompson_vs_uniform": total["thompson"] / total["uniform"],
            "thompson_vs_roas": total["thompson"] / total["roas"],
        }
        if "thompson_half_budget" in total:
            entry["half_budget_thompson_vs_full_budget_uniform"] = total["thompson_half_budget"] / total["uniform"]
        cells[f"{scenario}/{size}"] = entry
    mean = {
        key: float(np.mean([c[key] for c in cells.values()])) for key in ("thompson_vs_uniform", "thompson_vs_roas")
    }
    mean["thompson_share_of_oracle"] = float(np.mean([c["share_of_oracle"]["thompson"] for c in cells.values()]))
    half_key = "half_budget_thompson_vs_full_budget_uniform"
    half = [c[half_key] for c in cells.values() if half_key in c]
    mean["waste_heavy_half_budget_vs_uniform"] = float(np.mean(half))
    goals = {
        "share_of_oracle >= 0.95": mean["thompson_share_of_oracle"] >= 0.95,
        "vs_uniform >= 1.3": mean["thompson_vs_uniform"] >= 1.3,
        "vs_roas >= 1.15": mean["thompson_vs_roas"] >= 1.15,
        "waste_heavy half budget >= uniform full budget": min(half) >= 1.0,
    }
    return {"cells": cells, "mean": mean, "goals_met": goals}


def plot_regret(runs: dict, days: int, out_dir: Path) -> list[str]:
    """One PNG per scenario: cumulative expected regret against the oracle, as % of the oracle's conversions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for scenario in SCENARIOS:
        figure, axes = plt.subplots(1, len(SIZES), figsize=(4.2 * len(SIZES), 3.4), sharey=True)
        for axis, size in zip(axes, SIZES, strict=True):
            cell = runs[(scenario, size)]
            oracle = np.cumsum(cell["oracle"]["expected"])
            for name, series in cell.items():
                if name == "oracle":
                    continue
                regret = 100.0 * (oracle - np.cumsum(series["expected"])) / oracle
                axis.plot(np.arange(1, days + 1), regret, label=name)
            axis.set_title(f"{scenario}, {size} campaigns")
            axis.set_xlabel("day")
            axis.grid(alpha=0.3)
        axes[0].set_ylabel("cumulative regret, % of oracle")
        axes[-1].legend(fontsize=7)
        figure.tight_layout()
        path = out_dir / f"bandits_{scenario}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        paths.append(str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
    return paths


def obd_results() -> dict:
    """Open Bandit Dataset: our estimators vs obp's on the same logs and evaluation policy."""
    import importlib
    import importlib.util
    import types

    import polars as pl

    from ml.budgets.ope import LoggedRounds, estimate_all

    root = Path(importlib.util.find_spec("obp").submodule_search_locations[0])

    def load(policy: str) -> LoggedRounds:
        columns = ["item_id", "position", "click", "propensity_score"]
        frame = pl.read_csv(root / "dataset" / "obd" / policy / "all" / "all.csv", columns=columns)
        return LoggedRounds.from_arrays(
            frame["click"].to_numpy().astype(float),
            frame["item_id"].to_numpy(),
            frame["propensity_score"].to_numpy(),
            frame["position"].to_numpy() - 1,
        )

    # obp's package __init__ and utils import torch (unused by the estimators): load estimators.py alone.
    for name, path in (("_obp_reference", root), ("_obp_reference.ope", root / "ope")):
        package = types.ModuleType(name)
        package.__path__ = [str(path)]
        sys.modules[name] = package
    stand_in = importlib.util.find_spec("torch") is None
    if stand_in:
        sys.modules["torch"] = types.SimpleNamespace(Tensor=type("Tensor", (), {}), tensor=None)
    try:
        estimators = importlib.import_module("_obp_reference.ope.estimators")
    finally:
        if stand_in:
            del sys.modules["torch"]

    random_logs, bts_logs = load("random"), load("bts")
    n = len(random_logs.reward)
    folds = [slice(0, n // 2), slice(n // 2, n)]

    def part(rounds: LoggedRounds, s: slice) -> LoggedRounds:
        return LoggedRounds(rounds.reward[s], rounds.action[s], rounds.pscore[s], rounds.position[s])

    test = part(random_logs, folds[1])
    probabilities = thompson_ranking(random_logs.action[folds[0]], random_logs.reward[folds[0]], 80, 3, seed=0)
    dist = np.broadcast_to(probabilities, (len(test.reward), 80, 3)).copy()
    q = np.full(dist.shape, float(random_logs.reward[folds[0]].mean()))
    ours = estimate_all(test, dist, q)
    inputs = dict(reward=test.reward, action=test.action, position=test.position, pscore=test.pscore, action_dist=dist)
    theirs = {
        "ipw": float(estimators.InverseProbabilityWeighting().estimate_policy_value(**inputs)),
        "snipw": float(estimators.SelfNormalizedInverseProbabilityWeighting().estimate_policy_value(**inputs)),
        "dr": float(estimators.DoublyRobust().estimate_policy_value(**inputs, estimated_rewards_by_reg_model=q)),
    }
    return {
        "data": "obp's Open Bandit Dataset sample, campaign 'all': 10,000 rounds per policy, 80 items, 3 slots",
        "estimators_vs_obp": {
            k: {"ours": ours[k], "obp": theirs[k], "abs_diff": abs(ours[k] - theirs[k])} for k in ours
        },
        "logged_random_policy_ctr": float(random_logs.reward.mean()),
        "logged_bernoulli_ts_policy_ctr": float(bts_logs.reward.mean()),
        "paper_full_data_ctr": {"bernoulli_ts": 0.0050, "random": 0.0035},
    }


def thompson_ranking(
    items: np.ndarray, clicks: np.ndarray, n_items: int, slots: int, seed: int, simulations: int = 1000
) -> np.ndarray:
    """Probability that each item is shown in each slot, shape (n_items, slots), when every request ranks the
    items by one draw from their Beta(1 + clicks, 1 + misses) posteriors (estimated over ``simulations`` draws).

    Only an evaluation policy for comparing estimators: the ad platforms rotate ads themselves, so the app has no
    rotation policy of its own.
    """
    rng = np.random.default_rng(seed)
    shown, clicked = np.zeros(n_items), np.zeros(n_items)
    np.add.at(shown, items, 1.0)
    np.add.at(clicked, items, np.asarray(clicks, dtype=float))
    alpha, beta = 1.0 + clicked, 1.0 + shown - clicked
    draws = rng.beta(np.broadcast_to(alpha, (simulations, n_items)), beta)
    ranked = np.argsort(-draws, axis=1, kind="stable")[:, :slots]
    counts = np.stack([np.bincount(ranked[:, slot], minlength=n_items) for slot in range(slots)], axis=1)
    return counts / simulations


def print_table(summary: dict) -> None:
    header = f"{'scenario/size':<18}" + "".join(f"{p:>10}" for p in POLICIES) + f"{'xUnif':>8}{'xROAS':>8}{'half':>7}"
    print("\nconversions as a share of the oracle's (mean of 20 seeds x 90 days)")
    print(header)
    for key, cell in summary["cells"].items():
        shares = "".join(f"{cell['share_of_oracle'][p]:>10.3f}" for p in POLICIES)
        half = cell.get("half_budget_thompson_vs_full_budget_uniform")
        half_text = f"{half:>7.3f}" if half is not None else f"{'':>7}"
        print(f"{key:<18}{shares}{cell['thompson_vs_uniform']:>8.3f}{cell['thompson_vs_roas']:>8.3f}{half_text}")
    print("\nmean:", json.dumps(summary["mean"], indent=1))
    print("goals:", json.dumps(summary["goals_met"], indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds x 30 days into a scratch folder")
    args = parser.parse_args()
    seeds, days = (2, 30) if args.quick else (20, 90)
    out_dir = Path("/tmp/bandit_bench_quick") if args.quick else ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    runs = run_grid(seeds, days)
    summary = summarise(runs)
    plots = plot_regret(runs, days, out_dir)
    result = {
        "setup": {
            "scenarios": list(SCENARIOS),
            "sizes": list(SIZES),
            "seeds": seeds,
            "days": days,
            "policies": [*POLICIES, "thompson_half_budget (waste_heavy only)"],
            "rules": "all policies start from the marketer's split, obey the same floors (5 % of an equal share)"
            " and the same max change (20 %/day); the oracle knows the true expected curves",
            "metric": "realised conversions summed over days, averaged over seeds (common random numbers)",
            "propensity_draws": PROPENSITY_DRAWS,
        },
        "summary": summary,
        "plots": plots,
        "obd": obd_results(),
        "runtime_s": round(time.perf_counter() - started, 1),
    }
    (out_dir / "bandits.json").write_text(json.dumps(result, indent=2) + "\n")
    print_table(summary)
    print("OBD:", json.dumps(result["obd"], indent=1))
    print(f"runtime {result['runtime_s']} s; wrote {out_dir / 'bandits.json'}")


if __name__ == "__main__":
    main()
