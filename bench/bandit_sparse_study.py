"""Where the greedy allocator loses on sparse conversions: the held-out "sparse" market, told one truth at a time.

The held-out sparse market (``Market.from_scenario("sparse")``: conversion rate 1.2 %, 15 clicks a day, 10 %
waste, automated bidding) was the one cell of ``bandits_held_out.json`` below 0.95 of the change-limited oracle. Each
variant below is the default allocator (greedy) with one part of its posterior replaced by the truth, played as
``bench/bandit_bench.py`` plays it (14 warm days, 90 policy days, same seeds, common random numbers):

* ``told_cvr``: each campaign's conversion rate is today's true rate (the click curve is still learned);
* ``told_curve``: the click curve (clicks per unit, saturation, spend cap) is the true one, the conversion rate
  still learned;
* ``told_prior``: the conversion rate is still learned from the campaign's own clicks and conversions, but under
  the market's true population prior (the log-normal spread of rates plus the waste campaigns' share), instead
  of the empirical-Bayes Beta prior: the best any shrinkage of the rates can do with the same data.

The gaps say which part of the model the loss lies in, and how much a better prior could win at most. Recorded
(``bandits_sparse_study.json``, 20 seeds): before the model dropped the impressions of days without a click, greedy
0.941, told the curve 0.959, the rates 0.981, the prior 0.944; after, greedy 0.950, told the curve 0.959, the rates
0.992, the prior 0.955: what is left is the rates, read from about ten conversions a campaign, and no prior
recovers more than half a point of it.

    python bench/bandit_sparse_study.py                  # 20 seeds, writes bench/results/bandits_sparse_study.json
    python bench/bandit_sparse_study.py --seeds 4 --out /tmp
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from bench.bandit_bench import run_policy
from ml.budgets import BudgetAllocator
from ml.budgets.inputs import AccountArrays
from ml.budgets.model import Posterior, conversion_weights
from ml.budgets.simulator import SCENARIO_CONFIGS, Market, ScenarioConfig
from ml.budgets.types import MICROS

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("greedy", "told_cvr", "told_curve", "told_prior")


class ToldAllocator(BudgetAllocator):
    """The default (greedy) allocator with one part of its posterior replaced by the market's truth."""

    def __init__(self, market: Market, variant: str, config: ScenarioConfig, random_state: int) -> None:
        super().__init__(random_state=random_state, propensity_draws=1)
        self.market, self.variant, self.scenario = market, variant, config

    def _posterior(self, account: AccountArrays) -> Posterior:
        posterior = super()._posterior(account)
        if self.variant == "told_cvr":
            true_cvr, strength = self.market._cvr_today(), 1e9
            posterior = dataclasses.replace(
                posterior, cvr_alpha=true_cvr * strength, cvr_beta=(1 - true_cvr) * strength
            )
        elif self.variant == "told_prior":
            alpha, beta = _true_prior_posterior(account, self.config.discount, self.scenario)
            posterior = dataclasses.replace(posterior, cvr_alpha=alpha, cvr_beta=beta)
        return posterior

    def _parameters(self, posterior: Posterior, account: AccountArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        log_return, saturation, cap = super()._parameters(posterior, account)
        if self.variant == "told_curve":
            true_log_return, true_saturation, true_cap = self.market.true_response()
            true_cvr = self.market._cvr_today()
            learned_cvr = posterior.cvr_alpha / (posterior.cvr_alpha + posterior.cvr_beta)
            log_return = (true_log_return - np.log(true_cvr) + np.log(learned_cvr))[None, :]
            saturation, cap = true_saturation[None, :], true_cap * MICROS
        return log_return, saturation, cap


def _true_prior_posterior(account: AccountArrays, discount: float, config: ScenarioConfig) -> tuple[np.ndarray, ...]:
    """Each campaign's conversion-rate posterior (moment-matched to a Beta) under the market's true population
    prior, from the same discounted clicks and conversions the model reads."""
    history = account.history
    age = np.arange(history.spend.shape[1] - 1, -1, -1, dtype=float)
    weight = conversion_weights(history, discount, age)
    conversions = (history.conversions * weight).sum(axis=1)[:, None]
    clicks = (history.clicks * weight).sum(axis=1)[:, None]
    grid = np.geomspace(1e-5, 0.5, 600)[None, :]

    def log_normal(median: float) -> np.ndarray:
        return np.exp(-0.5 * ((np.log(grid) - np.log(median)) / config.cvr_sigma) ** 2)

    # The simulator clips the normal campaigns' rates to [0.002, 0.3] before the waste factor.
    body = log_normal(config.cvr_median) * ((grid >= 0.002) & (grid <= 0.3))
    low = config.cvr_median * config.waste_cvr_factor
    waste = log_normal(low) * ((grid >= 0.002 * config.waste_cvr_factor) & (grid <= 0.3 * config.waste_cvr_factor))
    prior = (1.0 - config.waste_share) * body / body.sum() + config.waste_share * waste / waste.sum()
    log_post = conversions * np.log(grid) + (clicks - conversions) * np.log1p(-grid) + np.log(prior + 1e-300)
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    mean = (post * grid).sum(axis=1)
    var = np.maximum((post * grid**2).sum(axis=1) - mean**2, 1e-300)
    strength = np.maximum(mean * (1.0 - mean) / var - 1.0, 1e-3)
    return mean * strength, (1.0 - mean) * strength


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="sparse")
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    config = SCENARIO_CONFIGS[args.scenario]
    started = time.perf_counter()
    oracle = np.array(
        [
            run_policy("held_out", args.scenario, args.campaigns, s, "oracle", args.days)[1].sum()
            for s in range(args.seeds)
        ]
    )
    shares = {}
    for variant in VARIANTS:

        def policy(market: Market, seed: int, variant: str = variant) -> object:
            return ToldAllocator(market, variant, config, seed).budgets_arrays

        runs = [
            run_policy("held_out", args.scenario, args.campaigns, s, "greedy", args.days, policy_factory=policy)[
                1
            ].sum()
            for s in range(args.seeds)
        ]
        shares[variant] = np.array(runs) / oracle
        print(f"{variant:<12} {shares[variant].mean():.4f} (worst seed {shares[variant].min():.4f})", flush=True)
    result = {
        "setup": {
            "market": f"held_out/{args.scenario}/{args.campaigns}",
            "scenario": config.__dict__,
            "seeds": args.seeds,
            "days": args.days,
            "metric": "expected conversions over the policy days over the change-limited oracle's, per seed",
        },
        "share_of_oracle": {k: float(v.mean()) for k, v in shares.items()},
        "worst_seed_share_of_oracle": {k: float(v.min()) for k, v in shares.items()},
        "per_seed": {k: [round(float(x), 4) for x in v] for k, v in shares.items()},
        "runtime_s": round(time.perf_counter() - started, 1),
    }
    out = Path(args.out) / "bandits_sparse_study.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
