"""Baseline budget policies to compare the allocator against.

Every baseline obeys the same safety rules as the policy (floors, ceilings, the change limit and the total, see
``ml.budgets.solver``) and starts from the same budgets, so differences come from the decisions alone:

* :class:`UniformAllocator`: move towards an equal split.
* :class:`RoasAllocator`: budgets proportional to the last 30 days' ROAS, the rule a marketer applies by hand.
* :func:`greedy_allocator`: the same posterior as the policy, but always its mean (no exploration).
* :func:`ucb_allocator`: the same posterior with an optimistic index.
* :class:`OracleAllocator`: knows the simulator's true expected curves (simulator only).

Deterministic baselines log propensity 1 for the action they take.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.budgets.allocator import AllocatorConfig, BudgetAllocator
from ml.budgets.inputs import AccountArrays, account_arrays
from ml.budgets.solver import budget_boxes, capped_fill, proportional_fill, round_down
from ml.budgets.types import ACTIONS, MICROS, BudgetPlan, CampaignState, Explanation, Propensity

_LOG_MICROS = math.log(MICROS)


def greedy_allocator(random_state: int | None = None, **settings: Any) -> BudgetAllocator:
    """The allocator with ``strategy="greedy"``: plug-in posterior means, never explores on purpose."""
    return BudgetAllocator(random_state=random_state, strategy="greedy", **settings)


def ucb_allocator(random_state: int | None = None, **settings: Any) -> BudgetAllocator:
    """The allocator with ``strategy="ucb"``: ``k`` and ``cvr`` raised by ``ucb_scale * sqrt(log days)`` sd."""
    return BudgetAllocator(random_state=random_state, strategy="ucb", **settings)


@dataclass(frozen=True)
class BaselineConfig:
    """Safety rules shared with the policy, plus the ROAS window.

    Attributes:
        max_change_ratio: Largest relative move per step.
        min_change_micros: Smallest move always allowed.
        roas_window_days: Days of history the ROAS rule reads.
    """

    max_change_ratio: float = 0.2
    min_change_micros: int = MICROS
    roas_window_days: int = 30

    def __post_init__(self) -> None:
        # Reuse the policy's checks so both sides reject the same values.
        AllocatorConfig(max_change_ratio=self.max_change_ratio, min_change_micros=self.min_change_micros)
        if self.roas_window_days < 1:
            raise ValueError("BaselineConfig: roas_window_days must be >= 1")


class _BoxedBaseline:
    """Shared plumbing: validate, build the boxes, fill them with the baseline's choice, explain."""

    name = "baseline"

    def __init__(self, config: BaselineConfig | None = None) -> None:
        self.config = config or BaselineConfig()

    def allocate(self, states: Sequence[CampaignState], total_budget_micros: int) -> BudgetPlan:
        """Same contract as :meth:`ml.budgets.allocator.BudgetAllocator.allocate`."""
        account = account_arrays(states, total_budget_micros, self.config.roas_window_days, 0)
        return self.allocate_arrays(account, total_budget_micros)

    def allocate_arrays(self, account: AccountArrays, total_budget_micros: int) -> BudgetPlan:
        """Plan from validated arrays."""
        budgets = self.budgets_arrays(account, total_budget_micros)
        return _deterministic_plan(self.name, account, budgets, total_budget_micros)

    def budgets_arrays(self, account: AccountArrays, total_budget_micros: int) -> np.ndarray:
        """The budgets alone (int64 micros), as :meth:`ml.budgets.allocator.BudgetAllocator.budgets_arrays`."""
        boxes = budget_boxes(
            account.current,
            account.floors,
            account.ceilings,
            total_budget_micros,
            self.config.max_change_ratio,
            self.config.min_change_micros,
        )
        lower, upper = boxes.lower.astype(float), boxes.upper.astype(float)
        spend = self._spend(account, lower, upper, float(total_budget_micros))
        return round_down(spend, boxes.lower, boxes.upper, total_budget_micros)

    def _spend(self, account: AccountArrays, lower: np.ndarray, upper: np.ndarray, total: float) -> np.ndarray:
        raise NotImplementedError


class UniformAllocator(_BoxedBaseline):
    """Moves every budget towards ``total / N`` (at the change limit's pace)."""

    name = "uniform"

    def _spend(self, account: AccountArrays, lower: np.ndarray, upper: np.ndarray, total: float) -> np.ndarray:
        return proportional_fill(np.ones(len(lower)), lower, upper, total)


class RoasAllocator(_BoxedBaseline):
    """Budgets proportional to last-``roas_window_days`` ROAS (conversion value / spend).

    A campaign with no spend in the window gets the account's ROAS, so a new campaign is not starved; one that
    spent without any value gets weight zero and sinks to its lower bound.
    """

    name = "roas"

    def _spend(self, account: AccountArrays, lower: np.ndarray, upper: np.ndarray, total: float) -> np.ndarray:
        window = self.config.roas_window_days
        spend = account.history.spend[:, -window:].sum(axis=1)
        value = account.history.value[:, -window:].sum(axis=1)
        account_roas = value.sum() / spend.sum() if spend.sum() > 0 else 1.0
        roas = np.where(spend > 0, value / np.maximum(spend, 1e-12), account_roas)
        return proportional_fill(roas, lower, upper, total)


class OracleAllocator(_BoxedBaseline):
    """Knows the true expected curves: ``curves()`` returns ``(log v, b)`` or ``(log v, b, cap)`` in currency
    units for today (see :func:`ml.budgets.solver.capped_fill`).

    Args:
        curves: Usually ``market.true_response`` of an ``ml.budgets.simulator.Market``.
        config: Safety rules (the oracle obeys them too); :func:`free_oracle_config` lifts the change limit.
    """

    name = "oracle"

    def __init__(self, curves: Callable[[], tuple[np.ndarray, ...]], config: BaselineConfig | None = None) -> None:
        super().__init__(config)
        self.curves = curves

    def _spend(self, account: AccountArrays, lower: np.ndarray, upper: np.ndarray, total: float) -> np.ndarray:
        log_return, saturation, *cap = self.curves()
        cap_micros = cap[0] * MICROS if cap else np.full(len(lower), np.inf)
        return capped_fill(
            log_return[None, :] - _LOG_MICROS, saturation[None, :] * MICROS, cap_micros, lower, upper, total
        )[0]


def free_oracle_config() -> BaselineConfig:
    """Rules for an oracle free of the change limit (floors and the total still hold): the best split of each
    day with no memory of yesterday's, which no policy under the product's safety rule can reach."""
    return BaselineConfig(max_change_ratio=10.0, min_change_micros=2**50)


def _deterministic_plan(name: str, account: AccountArrays, budgets: np.ndarray, total_budget_micros: int) -> BudgetPlan:
    current = account.current
    explanations = {}
    propensities = {}
    for i, cid in enumerate(account.campaign_ids):
        old, new = int(current[i]), int(budgets[i])
        action = ACTIONS[1 + (new > old) - (new < old)]
        explanations[cid] = Explanation(cid, old, new, f"{name} rule", math.nan, math.nan, math.nan, math.nan, math.nan)
        propensities[cid] = Propensity(action, 1.0, {a: float(a == action) for a in ACTIONS}, 0)
    return BudgetPlan(
        budgets_micros=dict(zip(account.campaign_ids, (int(b) for b in budgets), strict=True)),
        explanations=explanations,
        propensities=propensities,
        total_budget_micros=int(total_budget_micros),
        policy=name,
    )
