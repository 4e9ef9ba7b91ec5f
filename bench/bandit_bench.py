"""Budget policies on simulated markets of every response family: family x size x scenario x seed x policy.

Each run is the issue's "new user": 14 warm days on the marketer's uneven split, then one allocation a day for
90 days through the public allocator with its defaults, scored on the expected conversions of those 90 days.
Every policy starts from the same split and obeys the same floors and change limit (20 %/day, at least 1 unit);
``oracle`` knows the true curves and obeys the rule too (the best any policy can do under it), ``oracle_free``
knows the curves and ignores it. The waste-heavy market also runs the default strategy at half the budget
against the uniform split of the full budget.

Prints a table and writes ``bench/results/bandits.json`` plus one regret-over-time PNG per family
(``bench/results/bandits_<family>.png``), and the Open Bandit Dataset checks: our OPE estimators against obp's
on the same inputs, for an evaluation policy that ranks items by Beta-posterior draws.

    python bench/bandit_bench.py                 # 20 seeds x 90 days, every cell
    python bench/bandit_bench.py --quick         # 3 seeds x 45 days into a scratch folder
    python bench/bandit_bench.py --quick --families manual --policies thompson,greedy,oracle

The recorded run (``bandits.json``): the three families, 20 seeds at 20 and at 200 campaigns, greedy, Thompson,
uniform and the oracle, on one core: about 45 minutes of a shared two-core machine (``--policies`` adds ucb,
roas and oracle_free). Policies plan with ``budgets_arrays``: the same budgets as ``allocate_arrays`` without the
explanations and propensity draws, which cost most of a small account's plan. (The project is installed
editable; from a second checkout, such as a git worktree, ``PYTHONPATH=.`` imports that checkout's code rather
than the installed one's.)

Needs numpy, scipy, polars, matplotlib and obp (``pip install --no-deps --ignore-requires-python obp`` plus
scikit-learn and pandas for its estimator module; never torch).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ml.budgets import AllocatorConfig, BudgetAllocator
from ml.budgets.baselines import (
    BaselineConfig,
    OracleAllocator,
    RoasAllocator,
    UniformAllocator,
    free_oracle_config,
    greedy_allocator,
    ucb_allocator,
)
from ml.budgets.inputs import AccountArrays
from ml.budgets.model import make_history
from ml.budgets.simulator import FAMILY_SCENARIOS, RESPONSES, SCENARIO_CONFIGS, Market
from ml.budgets.types import MICROS

ROOT = Path(__file__).resolve().parents[1]

POLICIES = ("thompson", "greedy", "ucb", "uniform", "roas", "oracle", "oracle_free")
SIZES = (20, 200)
WARM_DAYS = 14
# The shipped strategy: the goals are checked on it, and it plays the half-budget runs.
DEFAULT = AllocatorConfig().strategy
HALF = "default_half_budget"
# Markets the model was not tuned on: the original automated-bidding scenarios (``SCENARIO_CONFIGS``), run as
# ``--families held_out --scenarios stationary,sparse,waste_heavy,drift``.
HELD_OUT = "held_out"
# Cells where exploration should pay: curves that drift, campaigns that start far below their kink.
EXPLORING_SCENARIOS = ("drift", "unexplored")
# Everything the allocator reads by default (90 days), so the bench measures the shipped configuration.
HISTORY_DAYS = AllocatorConfig().history_days
# The bench needs budgets only; propensities come from a child random stream, so one draw (the minimum) saves
# time without changing any decision.
PROPENSITY_DRAWS = 1


def make_policy(name: str, market: Market, seed: int) -> Callable[[AccountArrays, int], np.ndarray]:
    """A policy as a function of (account arrays, total) -> budgets (int64 micros, the market's order)."""
    if name == "thompson":
        policy = BudgetAllocator(random_state=seed, strategy="thompson", propensity_draws=PROPENSITY_DRAWS)
    elif name == "greedy":
        policy = greedy_allocator(random_state=seed, propensity_draws=PROPENSITY_DRAWS)
    elif name == "ucb":
        policy = ucb_allocator(random_state=seed, propensity_draws=PROPENSITY_DRAWS)
    elif name == "uniform":
        policy = UniformAllocator()
    elif name == "roas":
        policy = RoasAllocator()
    elif name == "oracle":
        policy = OracleAllocator(market.true_response, BaselineConfig())
    elif name == "oracle_free":
        policy = OracleAllocator(market.true_response, free_oracle_config())
    else:
        raise ValueError(name)
    # Budgets only: the same decisions as ``allocate_arrays`` (and the same random stream), without the
    # explanations and propensity draws that cost two thirds of a small account's plan.
    return policy.budgets_arrays


def run_policy(
    family: str,
    scenario: str,
    n_campaigns: int,
    seed: int,
    policy_name: str,
    days: int,
    budget_scale: float = 1.0,
    policy_factory: Callable[[Market, int], Callable[[AccountArrays, int], np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Warm up, then play ``days`` days; returns realised and expected conversions per policy day.

    ``budget_scale`` scales the total, the starting budgets and the floors together; ``policy_factory`` (market,
    seed) -> policy replaces the named policy (studies of variants, e.g. ``bench/bandit_sparse_study.py``).
    """
    if family == HELD_OUT:
        market = Market.from_scenario(scenario, n_campaigns, seed)
    else:
        market = Market.from_family(family, scenario, n_campaigns, seed)
    policy = (policy_factory or (lambda m, s: make_policy(policy_name, m, s)))(market, seed)
    total = int(market.total_budget_micros * budget_scale)
    budgets = (market.initial_budgets * budget_scale).astype(np.int64)
    floors = (market.floors * budget_scale).astype(np.int64)
    ceilings = np.full(n_campaigns, np.inf)
    all_days = WARM_DAYS + days
    spend, clicks, conversions, value, impressions, day_budgets = (np.zeros((n_campaigns, all_days)) for _ in range(6))
    realised, expected = np.zeros(days), np.zeros(days)
    for day in range(all_days):
        outcome = market.step_arrays(budgets)
        spend[:, day] = outcome.spend_micros / MICROS
        clicks[:, day] = outcome.clicks
        conversions[:, day] = outcome.conversions
        value[:, day] = outcome.conversion_value_micros / MICROS
        impressions[:, day] = outcome.impressions
        day_budgets[:, day] = outcome.budget_micros / MICROS
        if day >= WARM_DAYS:
            realised[day - WARM_DAYS] = outcome.conversions.sum()
            expected[day - WARM_DAYS] = outcome.expected_conversions.sum()
        if day + 1 < WARM_DAYS:
            continue  # the marketer's split holds while history gathers
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
        budgets = policy(account, total)
    return realised, expected


def _job(args: tuple) -> tuple[tuple, np.ndarray, np.ndarray]:
    family, scenario, size, seed, name, days = args
    policy, scale = (DEFAULT, 0.5) if name == HALF else (name, 1.0)
    realised, expected = run_policy(family, scenario, size, seed, policy, days, scale)
    return args, realised, expected


def run_grid(
    families: list[str],
    scenarios: list[str],
    sizes: list[int],
    policies: list[str],
    seeds: dict[int, int],
    days: int,
    workers: int,
) -> dict:
    """Every cell x policy x seed (``seeds`` per size); returns ``{(family, scenario, size): {policy:
    {"realised", "expected"}}}`` with arrays of shape (seeds, days)."""
    jobs = []
    for family in families:
        for scenario in scenarios:
            names = [*policies, HALF] if scenario == "waste_heavy" and DEFAULT in policies else list(policies)
            for size in sizes:
                jobs += [(family, scenario, size, seed, name, days) for name in names for seed in range(seeds[size])]
    runs: dict = {}
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, (args, realised, expected) in enumerate(pool.map(_job, jobs, chunksize=4), start=1):
            family, scenario, size, seed, name, _ = args
            cell = runs.setdefault((family, scenario, size), {})
            shape = (seeds[size], days)
            entry = cell.setdefault(name, {"realised": np.zeros(shape), "expected": np.zeros(shape)})
            entry["realised"][seed], entry["expected"][seed] = realised, expected
            if done % max(1, len(jobs) // 20) == 0:
                print(f"  {done}/{len(jobs)} runs, {time.perf_counter() - started:7.1f} s", flush=True)
    return runs


def _family_order(family: str) -> int:
    return RESPONSES.index(family) if family in RESPONSES else len(RESPONSES)


def summarise(runs: dict, policies: list[str]) -> dict:
    """Shares of both oracles per cell (mean and worst seed, on expected conversions), per family, goals."""
    cells = {}
    for (family, scenario, size), cell in runs.items():
        expected = {name: v["expected"].sum(axis=1) for name, v in cell.items()}
        realised = {name: v["realised"].sum(axis=1) for name, v in cell.items()}
        entry: dict = {"family": family, "scenario": scenario, "size": size}
        entry["conversions_per_run"] = {name: float(v.mean()) for name, v in realised.items()}
        for oracle in ("oracle", "oracle_free"):
            if oracle in expected:
                share = {name: v / expected[oracle] for name, v in expected.items()}
                entry[f"share_of_{oracle}"] = {name: float(v.mean()) for name, v in share.items()}
                entry[f"worst_seed_share_of_{oracle}"] = {name: float(v.min()) for name, v in share.items()}
        if HALF in expected and "uniform" in expected:
            half = expected[HALF] / expected["uniform"]
            entry["half_budget_vs_uniform_full_budget"] = float(half.mean())
            entry["half_budget_vs_uniform_full_budget_worst_seed"] = float(half.min())
        cells[f"{family}/{scenario}/{size}"] = entry
    families: dict = {}
    for family in sorted({c["family"] for c in cells.values()}, key=_family_order):
        mine = [c for c in cells.values() if c["family"] == family and "share_of_oracle" in c]
        if not mine:
            continue
        summary = {
            name: float(np.mean([c["share_of_oracle"][name] for c in mine]))
            for name in policies
            if name in mine[0]["share_of_oracle"]
        }
        summary["worst_seed"] = {
            name: float(min(c["worst_seed_share_of_oracle"][name] for c in mine))
            for name in policies
            if name in mine[0]["share_of_oracle"]
        }
        if "greedy" in summary and "thompson" in summary:
            for group, chosen in (("exploring", True), ("elsewhere", False)):
                gap = [
                    c["share_of_oracle"]["thompson"] - c["share_of_oracle"]["greedy"]
                    for c in mine
                    if (c["scenario"] in EXPLORING_SCENARIOS) == chosen
                ]
                if gap:
                    summary[f"thompson_minus_greedy_points_{group}"] = 100.0 * float(np.mean(gap))
        half = [c["half_budget_vs_uniform_full_budget"] for c in mine if "half_budget_vs_uniform_full_budget" in c]
        if half:
            summary["half_budget_vs_uniform_full_budget_min"] = float(min(half))
        families[family] = summary
    return {"cells": cells, "families": families, "goals_met": goals_met(families)}


def goals_met(families: dict) -> dict[str, bool]:
    """The issue's goals per family, from :func:`summarise`'s family summaries."""
    goals = {}
    for family, summary in families.items():
        if DEFAULT in summary:
            goals[f"{family}: {DEFAULT} share_of_oracle >= 0.95"] = summary[DEFAULT] >= 0.95
            goals[f"{family}: {DEFAULT} worst seed >= 0.85"] = summary["worst_seed"][DEFAULT] >= 0.85
        if "half_budget_vs_uniform_full_budget_min" in summary:
            goals[f"{family}: half budget >= uniform full"] = summary["half_budget_vs_uniform_full_budget_min"] >= 1.0
        # Exploration that pays: Thompson >= 1 point of the oracle above greedy where curves drift or campaigns
        # start unexplored, and no more than 0.5 point below it elsewhere (otherwise greedy stays the default).
        if "thompson_minus_greedy_points_exploring" in summary:
            goals[f"{family}: thompson >= greedy + 1 point (drift, unexplored)"] = (
                summary["thompson_minus_greedy_points_exploring"] >= 1.0
            )
        if "thompson_minus_greedy_points_elsewhere" in summary:
            goals[f"{family}: thompson >= greedy - 0.5 point elsewhere"] = (
                summary["thompson_minus_greedy_points_elsewhere"] >= -0.5
            )
    return goals


def plot_regret(runs: dict, days: int, out_dir: Path) -> list[str]:
    """One PNG per family: cumulative expected regret against the change-limited oracle, % of its conversions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    families = sorted({key[0] for key in runs}, key=_family_order)
    for family in families:
        keys = sorted((k for k in runs if k[0] == family and "oracle" in runs[k]), key=lambda k: (k[1], k[2]))
        if not keys:
            continue
        figure, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 3.2), sharey=True, squeeze=False)
        for axis, key in zip(axes[0], keys, strict=True):
            cell = runs[key]
            oracle = np.cumsum(cell["oracle"]["expected"].mean(axis=0))
            for name, series in cell.items():
                if name == "oracle":
                    continue
                regret = 100.0 * (oracle - np.cumsum(series["expected"].mean(axis=0))) / oracle
                axis.plot(np.arange(1, days + 1), regret, label=name)
            axis.set_title(f"{family} {key[1]} {key[2]}", fontsize=8)
            axis.set_xlabel("day")
            axis.grid(alpha=0.3)
        axes[0][0].set_ylabel("cumulative regret, % of oracle")
        axes[0][-1].legend(fontsize=6)
        figure.tight_layout()
        path = out_dir / f"bandits_{family}.png"
        figure.savefig(path, dpi=90)
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


def print_table(summary: dict, policies: list[str]) -> None:
    print("\nexpected conversions as a share of the change-limited oracle's (mean over seeds; worst seed)")
    print(f"{'family/scenario/size':<28}" + "".join(f"{p:>12}" for p in policies) + f"{'half':>7}")
    for key, cell in summary["cells"].items():
        shares = "".join(
            f"{cell['share_of_oracle'][p]:>6.3f}/{cell['worst_seed_share_of_oracle'][p]:<5.3f}"
            if p in cell.get("share_of_oracle", {})
            else f"{'':>12}"
            for p in policies
        )
        half = cell.get("half_budget_vs_uniform_full_budget")
        print(f"{key:<28}{shares}" + (f"{half:>7.3f}" if half is not None else ""))
    print("\nfamilies:", json.dumps(summary["families"], indent=1))
    print("goals:", json.dumps(summary["goals_met"], indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds x 45 days into a scratch folder")
    parser.add_argument("--families", default=",".join(RESPONSES))
    parser.add_argument("--scenarios", default=",".join(FAMILY_SCENARIOS))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--seeds-large", type=int, default=None, help="seeds for sizes >= 100 (default: --seeds)")
    parser.add_argument("--workers", type=int, default=1, help="processes (the shared machine: keep 1)")
    parser.add_argument("--out", default=None, help="folder for bandits.json and the plots")
    parser.add_argument("--no-obd", action="store_true", help="skip the Open Bandit Dataset checks")
    args = parser.parse_args()
    seeds, days = (3, 45) if args.quick else (20, 90)
    seeds, days = args.seeds or seeds, args.days or days
    default_out = Path("/tmp/bandit_bench_quick") if args.quick else ROOT / "bench" / "results"
    out_dir = Path(args.out) if args.out else default_out
    out_dir.mkdir(parents=True, exist_ok=True)
    families, scenarios = args.families.split(","), args.scenarios.split(",")
    sizes, policies = [int(s) for s in args.sizes.split(",")], args.policies.split(",")
    started = time.perf_counter()
    per_size = {size: (args.seeds_large or seeds) if size >= 100 else seeds for size in sizes}
    runs = run_grid(families, scenarios, sizes, policies, per_size, days, args.workers)
    summary = summarise(runs, policies)
    plots = plot_regret(runs, days, out_dir)
    result = {
        "setup": {
            "families": families,
            "scenarios": {name: (FAMILY_SCENARIOS.get(name) or SCENARIO_CONFIGS[name]).__dict__ for name in scenarios},
            "sizes": sizes,
            "seeds": {str(size): count for size, count in per_size.items()},
            "warm_days": WARM_DAYS,
            "days": days,
            "default_strategy": DEFAULT,
            "policies": [*policies, f"{HALF} ({DEFAULT} at half the budget, waste_heavy only)"],
            "rules": "all policies start from the marketer's split after the warm days and obey the same floors"
            " (5 % of an equal share) and max change (20 %/day, at least 1 unit); oracle knows the true curves and"
            " obeys the rule, oracle_free ignores it",
            "metric": "expected conversions over the policy days (the day's realised volume, noiseless"
            " conversions), per seed over the change-limited oracle's; common random numbers",
            "propensity_draws": PROPENSITY_DRAWS,
        },
        "summary": summary,
        "plots": plots,
        "obd": None if args.no_obd else obd_results(),
        "runtime_s": round(time.perf_counter() - started, 1),
        "workers": args.workers,
    }
    (out_dir / "bandits.json").write_text(json.dumps(result, indent=2) + "\n")
    print_table(summary, policies)
    if result["obd"]:
        print("OBD:", json.dumps(result["obd"], indent=1))
    print(f"runtime {result['runtime_s']} s; wrote {out_dir / 'bandits.json'}")


if __name__ == "__main__":
    main()
