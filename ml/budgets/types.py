"""The budget allocator's shared values: what goes in (``CampaignState``, ``DayStats``) and what comes out
(``BudgetPlan`` with its ``Explanation`` and ``Propensity`` per campaign).

They live apart from the allocator so that the input packing (``ml.budgets.inputs``), the simulator and the
offline evaluation can name them without importing the allocator, which imports them in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Micros per currency unit: money is integer micros everywhere outside the model.
MICROS = 1_000_000
# The logged action of a budget move, by index; see ``ml.budgets.allocator``'s module docstring.
ACTIONS = ("down", "hold", "up")


@dataclass(frozen=True)
class DayStats:
    """One campaign-day as reported by the ad platform (money in integer micros)."""

    budget_micros: int
    spend_micros: int
    clicks: int
    conversions: float
    conversion_value_micros: int
    impressions: int = 0


@dataclass(frozen=True)
class CampaignState:
    """A campaign as the allocator sees it: current budget, limits and its history, oldest day first."""

    campaign_id: str
    daily_budget_micros: int
    history: Sequence[DayStats]
    floor_micros: int = 0
    ceiling_micros: int | None = None


@dataclass(frozen=True)
class Explanation:
    """Why a campaign's budget is what it is.

    ``marginal_return_*`` summarise the posterior of the next currency unit's return at the planned budget
    (conversions per unit, or value per unit with ``objective="value"``) over the propensity draws;
    ``expected_return`` is the posterior mean of the day's conversions (or value) at the planned budget and
    ``conversions_seen`` the discounted conversions the posterior learned from.

    ``limit`` says what holds the campaign back at the planned budget (``"limited by budget"``, ``"limited by
    volume"`` or ``"diminishing returns"``, see ``ml.budgets.limits``) and ``limit_evidence`` why, in the
    marketer's words (English); ``spend_cap_micros`` is where it stops spending (None: never seen),
    ``unspent_days`` and ``bound_days`` the days of the last six weeks that left budget unspent or reached it.
    The evidence as figures, for pages that word it in their own language: ``next_unit_share`` (the next unit's
    return as a share of the first's), ``evidence_days`` (days with spend it learned from) and
    ``evidence_spend_low_micros`` / ``evidence_spend_high_micros`` (their lowest and highest spend; None without
    any). Baselines leave them all empty.
    """

    campaign_id: str
    previous_budget_micros: int
    budget_micros: int
    reason: str
    marginal_return_mean: float
    marginal_return_p05: float
    marginal_return_p95: float
    expected_return: float
    conversions_seen: float
    limit: str = ""
    limit_evidence: str = ""
    spend_cap_micros: int | None = None
    unspent_days: int = 0
    bound_days: int = 0
    next_unit_share: float | None = None
    evidence_days: int = 0
    evidence_spend_low_micros: int | None = None
    evidence_spend_high_micros: int | None = None


@dataclass(frozen=True)
class Propensity:
    """The logged action of one campaign and the policy's probability of each action (see module docstring)."""

    action: str
    probability: float
    probabilities: dict[str, float]
    draws: int


@dataclass(frozen=True)
class BudgetPlan:
    """The output of one allocation."""

    budgets_micros: dict[str, int]
    explanations: dict[str, Explanation]
    propensities: dict[str, Propensity]
    total_budget_micros: int
    policy: str
