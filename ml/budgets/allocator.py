"""Daily budget allocation across campaigns on a pooled Bayesian response model (posterior mean by default,
Thompson sampling or UCB by choice).

Public API (plain values in, plain values out; no Django)::

    from ml.budgets import BudgetAllocator, CampaignState, DayStats
    allocator = BudgetAllocator(random_state=0)          # config checked at construction
    plan = allocator.allocate(states, total_budget_micros)
    plan.budgets_micros        # {campaign_id: int}, sums to at most the total
    plan.explanations          # {campaign_id: Explanation}: posterior summary and why it moved
    plan.propensities          # {campaign_id: Propensity}: what offline evaluation needs

Each call fits every campaign's posterior (see ``ml.budgets.model``: a curve that may stop at a spend cap) and
splits the total to maximise the expected conversions (or value) under floors, ceilings and the change limit
(``ml.budgets.solver``). ``strategy="thompson"`` draws one set of parameters instead, so uncertain campaigns get
sampled high some days and low on others. On the markets of ``bench/bandit_bench.py`` (three response
families and a mixed account, drifting curves, campaigns that start far below their kink) the posterior mean was
ahead of Thompson sampling in 31 cells of 32, also where exploration should pay: the change limit and the
budgets' own drift already move every campaign through its curve, and sampled jitter costs more than it teaches
(20 seeds a cell: Thompson 0.11-0.30 point of the oracle behind where exploration should pay, 0.10-0.16
elsewhere; UCB no better; ``docs/budgets.md``). So the default is greedy.

Propensities: whatever the strategy, they are those of Thompson sampling on the same posterior (with greedy, the
chance each direction has under the posterior's uncertainty, not the probability 1 of a deterministic choice;
offline evaluation needs that overlap). A budget is a continuous action, so the logged action is its direction —
``"up"``, ``"hold"`` or ``"down"`` against the current budget (``hold`` within ``hold_tolerance``). The probability
of each direction under the policy is estimated by re-running the whole allocation on ``propensity_draws`` further
posterior draws; the realised draw counts as one more, so no probability is ever zero: ``p = (1 + same) / (1 +
draws)``. These feed ``ml.budgets.ope`` (IPW, SNIPW, DR) to judge a new policy on logged plans before it goes live.

Limits, strongest first: the total is never exceeded; floors and ceilings hold; each budget moves at most
``max_change_ratio`` (or ``min_change_micros``, whichever is larger) from ``daily_budget_micros``. When the
total is below the sum of what the change limit would keep, budgets are cut further (never below floors) and
the explanation says so. Invalid input (negative money, NaN, duplicate ids, ceiling below floor, floors above
the total, a campaign with no history) raises ``ValueError`` naming the campaign and field. A new campaign with
no history is rejected by default; ``min_history_days=0`` lets the pooled prior alone plan it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ml.budgets.inputs import AccountArrays, account_arrays
from ml.budgets.limits import response_limits
from ml.budgets.model import Posterior, fit_posterior, point_parameters, sample_parameters
from ml.budgets.solver import Boxes, budget_boxes, capped_fill, round_down
from ml.budgets.types import ACTIONS, MICROS, BudgetPlan, CampaignState, Explanation, Propensity

_LOG_MICROS = math.log(MICROS)
STRATEGIES = ("thompson", "greedy", "ucb")

RAISED = "raised: high sampled return"
CUT = "cut: low sampled return"
HELD = "held: sampled return close to the account's marginal return"
AT_FLOOR = "held at floor"
AT_CEILING = "capped by ceiling"
RAISE_CAPPED = "raised, capped by max change"
CUT_CAPPED = "cut, limited by max change"
RAISED_TO_FLOOR = "raised to floor (beyond max change)"
CUT_TO_CEILING = "cut to ceiling (beyond max change)"
TOTAL_CUT = "cut beyond max change: total below the sum of minimum budgets"


@dataclass(frozen=True)
class AllocatorConfig:
    """Settings of :class:`BudgetAllocator`, checked at construction.

    Attributes:
        objective: ``"conversions"`` or ``"value"`` (conversion value).
        strategy: ``"greedy"`` (posterior mean, the default), ``"thompson"`` (one posterior draw) or ``"ucb"``
            (optimistic index); see the module docstring for why greedy.
        max_change_ratio: Largest relative move of a budget per step, e.g. 0.2 = ±20 %.
        min_change_micros: Smallest move always allowed, so a campaign with a tiny budget can still grow.
        history_days: Only the most recent days are read; bounds memory at 10,000 campaigns.
        discount: Weight multiplier per day of age for conversions of a campaign converting about once a day or
            more; 0.97 halves a day's weight in 23 days. Sparser campaigns remember longer, as a Kalman filter
            on a drifting rate would (``ml.budgets.model.conversion_discounts``): 0.987 at one conversion in
            five days, 0.993 at one in twenty, every day alike for a campaign that does not convert.
        click_discount: The same for the click curve (saturation); it changes slowly and is learned from the
            rarer days when budgets moved, so it forgets more slowly (0.99: half weight after 69 days).
        grid_size: Saturation grid points per campaign; cost grows linearly.
        propensity_draws: Extra posterior draws for propensities and explanations (cost grows linearly).
        thompson_spread: Tempering of the Thompson draws: 1 samples the posterior, smaller values sample a
            posterior narrowed by this factor (see ``ml.budgets.model.sample_parameters``). Every step moves a
            budget by at most ``max_change_ratio`` and a 90-day posterior already explores through its budgets'
            drift, so full-width draws mostly add jitter: on the simulator 0.5 beat 1.0 and 0.3. Also the
            spread of the propensity draws.
        hold_tolerance: Relative move below which a change is logged as ``"hold"``.
        min_history_days: Campaigns with fewer days are rejected; 0 lets the pooled prior alone decide.
        ucb_scale: Standard deviations of optimism for ``strategy="ucb"``, multiplied by ``sqrt(log(days))``.
    """

    objective: str = "conversions"
    strategy: str = "greedy"
    max_change_ratio: float = 0.2
    min_change_micros: int = MICROS
    history_days: int = 90
    discount: float = 0.97
    click_discount: float = 0.99
    grid_size: int = 16
    propensity_draws: int = 32
    thompson_spread: float = 0.5
    hold_tolerance: float = 0.01
    min_history_days: int = 1
    ucb_scale: float = 1.0

    def __post_init__(self) -> None:
        checks = [
            (self.objective in ("conversions", "value"), "objective must be 'conversions' or 'value'"),
            (self.strategy in STRATEGIES, f"strategy must be one of {STRATEGIES}"),
            (0.0 < self.max_change_ratio <= 10.0, "max_change_ratio must be in (0, 10]"),
            (self.min_change_micros >= 0, "min_change_micros must be >= 0"),
            (self.history_days >= 1, "history_days must be >= 1"),
            (0.0 < self.discount <= 1.0, "discount must be in (0, 1]"),
            (0.0 < self.click_discount <= 1.0, "click_discount must be in (0, 1]"),
            (2 <= self.grid_size <= 256, "grid_size must be in [2, 256]"),
            (self.propensity_draws >= 1, "propensity_draws must be >= 1"),
            (0.0 < self.thompson_spread <= 1.0, "thompson_spread must be in (0, 1]"),
            (0.0 <= self.hold_tolerance < 1.0, "hold_tolerance must be in [0, 1)"),
            (self.min_history_days >= 0, "min_history_days must be >= 0"),
            (self.ucb_scale >= 0.0, "ucb_scale must be >= 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"AllocatorConfig: {message}")


class BudgetAllocator:
    """Splits a daily total across campaigns; see the module docstring for the policy.

    Args:
        random_state: Seed; the same seed, inputs and call order give the same plans.
        config: Settings; ``AllocatorConfig()`` when omitted.
        **settings: Shortcuts for config fields, e.g. ``BudgetAllocator(random_state=0, max_change_ratio=0.1)``.
    """

    def __init__(
        self, random_state: int | None = None, config: AllocatorConfig | None = None, **settings: object
    ) -> None:
        base = config or AllocatorConfig()
        self.config = AllocatorConfig(**{**base.__dict__, **settings}) if settings else base
        self.random_state = random_state
        self.rng = np.random.default_rng(random_state)

    def allocate(self, states: Sequence[CampaignState], total_budget_micros: int) -> BudgetPlan:
        """Plan tomorrow's budgets.

        Args:
            states: One entry per campaign, unique ids. Only the last ``history_days`` of each history are read
                (and validated).
            total_budget_micros: The most the plan may add up to.

        Returns:
            The plan, its explanations and its propensities.

        Raises:
            ValueError: On invalid input, naming the campaign and the field; nothing is drawn from the rng.
        """
        account = account_arrays(states, total_budget_micros, self.config.history_days, self.config.min_history_days)
        return self.allocate_arrays(account, total_budget_micros)

    def allocate_arrays(self, account: AccountArrays, total_budget_micros: int) -> BudgetPlan:
        """:meth:`allocate` on already validated arrays (benchmarks keep their history as arrays)."""
        cfg = self.config
        boxes, posterior, budgets = self._decide(account, total_budget_micros)
        lower, upper, total = boxes.lower.astype(float), boxes.upper.astype(float), float(total_budget_micros)
        cap = posterior.spend_cap.cap * MICROS
        # A child stream keeps decisions identical whatever propensity_draws is set to.
        extra_rng = np.random.default_rng(self.rng.integers(2**63))
        draw_log_return, draw_saturation = sample_parameters(
            posterior, extra_rng, cfg.propensity_draws, cfg.thompson_spread
        )
        draw_spend = capped_fill(draw_log_return - _LOG_MICROS, draw_saturation * MICROS, cap, lower, upper, total)
        current = account.current.astype(float)
        chosen = _directions(budgets.astype(float), current, cfg.hold_tolerance)
        drawn = _directions(draw_spend, current, cfg.hold_tolerance)
        # The realised draw counts as one sample, so the logged action never has probability 0.
        counts = np.stack([(drawn == k).sum(axis=0) + (chosen == k) for k in range(len(ACTIONS))], axis=1)
        probabilities = counts / (1.0 + cfg.propensity_draws)
        units = budgets[None, :] / MICROS / draw_saturation
        marginal = np.exp(draw_log_return - units)
        expected = (np.exp(draw_log_return) * draw_saturation * -np.expm1(-units)).mean(axis=0)
        p05, p95 = np.quantile(marginal, [0.05, 0.95], axis=0)
        mean = marginal.mean(axis=0)
        reasons = _reasons(budgets, account.current, account.floors, account.ceilings, boxes, chosen)
        limits = response_limits(posterior, account.history, budgets / MICROS)
        cap_micros = _optional_micros(posterior.spend_cap.cap)
        # Python lists once, rather than numpy scalars per campaign: this loop runs 10,000 times.
        columns = zip(
            account.campaign_ids,
            account.current.tolist(),
            budgets.tolist(),
            reasons,
            mean.tolist(),
            p05.tolist(),
            p95.tolist(),
            expected.tolist(),
            posterior.conversions_seen.tolist(),
            limits.labels,
            limits.evidence,
            cap_micros,
            posterior.spend_cap.unspent_days.astype(int).tolist(),
            posterior.spend_cap.bound_days.astype(int).tolist(),
            limits.next_unit_share.tolist(),
            limits.days.tolist(),
            _optional_micros(limits.spend_low, rounded=True),
            _optional_micros(np.where(limits.days > 0, limits.spend_high, np.inf), rounded=True),
            strict=True,
        )
        explanations = {row[0]: Explanation(*row) for row in columns}
        propensities = {
            cid: Propensity(ACTIONS[action], row[action], dict(zip(ACTIONS, row, strict=True)), cfg.propensity_draws)
            for cid, action, row in zip(account.campaign_ids, chosen.tolist(), probabilities.tolist(), strict=True)
        }
        return BudgetPlan(
            budgets_micros=dict(zip(account.campaign_ids, budgets.tolist(), strict=True)),
            explanations=explanations,
            propensities=propensities,
            total_budget_micros=int(total_budget_micros),
            policy=cfg.strategy,
        )

    def budgets_arrays(self, account: AccountArrays, total_budget_micros: int) -> np.ndarray:
        """The budgets of :meth:`allocate_arrays` alone (int64 micros, order of ``account.campaign_ids``), without
        explanations or propensities: what a simulation needs, at a third of the cost on small accounts. The
        random stream advances exactly as in :meth:`allocate_arrays`, so both give the same sequence of plans."""
        budgets = self._decide(account, total_budget_micros)[2]
        self.rng.integers(2**63)  # the propensities' child stream
        return budgets

    def _decide(self, account: AccountArrays, total_budget_micros: int) -> tuple[Boxes, Posterior, np.ndarray]:
        """Boxes, posterior and the chosen budgets (int64 micros)."""
        cfg = self.config
        boxes = budget_boxes(
            account.current,
            account.floors,
            account.ceilings,
            total_budget_micros,
            cfg.max_change_ratio,
            cfg.min_change_micros,
        )
        posterior = self._posterior(account)
        log_return, saturation, cap = self._parameters(posterior, account)
        # Solve in micros so that clipped budgets land exactly on their (integer) bounds.
        lower, upper, total = boxes.lower.astype(float), boxes.upper.astype(float), float(total_budget_micros)
        spend = capped_fill(log_return - _LOG_MICROS, saturation * MICROS, cap, lower, upper, total)[0]
        return boxes, posterior, round_down(spend, boxes.lower, boxes.upper, total_budget_micros)

    def _posterior(self, account: AccountArrays) -> Posterior:
        """The response model fitted to the account's history."""
        cfg = self.config
        return fit_posterior(
            account.history,
            discount=cfg.discount,
            click_discount=cfg.click_discount,
            grid_size=cfg.grid_size,
            objective=cfg.objective,
        )

    def _parameters(self, posterior: Posterior, account: AccountArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (1, N) log returns and saturations the budgets are solved for (a Thompson draw or the posterior's
        point, optimistic under UCB), and each campaign's spend cap in micros."""
        cfg = self.config
        if cfg.strategy == "thompson":
            log_return, saturation = sample_parameters(posterior, self.rng, 1, cfg.thompson_spread)
        else:
            days = max(account.n_days, 1)
            optimism = cfg.ucb_scale * math.sqrt(math.log(days + 1.0)) if cfg.strategy == "ucb" else 0.0
            log_return, saturation = point_parameters(posterior, optimism)
        return log_return, saturation, posterior.spend_cap.cap * MICROS


def _optional_micros(units: np.ndarray, rounded: bool = False) -> list[int | None]:
    """Currency units as int micros (truncated, or ``rounded`` to the nearest), None where infinite; one Python
    int per finite entry only."""
    out: list[int | None] = [None] * len(units)
    finite = np.flatnonzero(np.isfinite(units))
    micros = units[finite] * MICROS
    for i, value in zip(finite.tolist(), (np.rint(micros) if rounded else micros).tolist(), strict=True):
        out[i] = int(value)
    return out


def _directions(new: np.ndarray, old: np.ndarray, tolerance: float) -> np.ndarray:
    """Index into ACTIONS: 0 down, 1 hold, 2 up; works on (N,) and (M, N)."""
    band = np.maximum(old * tolerance, 1.0)
    return np.where(new > old + band, 2, np.where(new < old - band, 0, 1))


def _reasons(
    budgets: np.ndarray,
    current: np.ndarray,
    floors: np.ndarray,
    ceilings: np.ndarray,
    boxes: Boxes,
    chosen: np.ndarray,
) -> list[str]:
    """One reason per campaign; the first matching condition wins, binding limits before sampled returns."""
    at_floor = budgets == floors
    at_ceiling = budgets == ceilings
    conditions = [
        boxes.total_cut & (budgets < boxes.change_lower),
        at_floor & (floors > boxes.change_upper),
        at_floor & (budgets == boxes.lower) & (floors > 0),
        at_ceiling & (ceilings < boxes.change_lower),
        at_ceiling & (budgets == boxes.upper),
        (budgets == boxes.change_upper) & (budgets > current),
        (budgets == boxes.change_lower) & (budgets < current),
    ]
    choices = [TOTAL_CUT, RAISED_TO_FLOOR, AT_FLOOR, CUT_TO_CEILING, AT_CEILING, RAISE_CAPPED, CUT_CAPPED]
    by_return = np.array([CUT, HELD, RAISED], dtype=object)[chosen]
    return np.select(conditions, np.array(choices, dtype=object), default=by_return).tolist()


__all__ = ["STRATEGIES", "AllocatorConfig", "BudgetAllocator"]
