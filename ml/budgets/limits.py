"""What holds each campaign back, in the marketer's words, with the days and spends it was learned from.

Three answers, from the response model at the planned budget:

* ``LIMITED_BY_VOLUME``: the campaign has left budget unspent and the plan reaches where it stops spending
  (its learned spend cap): more budget would go unspent.
* ``LIMITED_BY_BUDGET``: the next unit of budget buys nearly as much as the first (at least 80 %): the budget,
  not the searches, sets how much it sells.
* ``DIMINISHING_RETURNS``: in between: it spends what it gets, but each extra unit buys less.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.budgets.model import HistoryArrays, Posterior, point_parameters

LIMITED_BY_VOLUME = "limited by volume"
LIMITED_BY_BUDGET = "limited by budget"
DIMINISHING_RETURNS = "diminishing returns"
# Marginal return at the planned budget, relative to the first unit's, above which a curve counts as linear.
_LINEAR_MARGINAL = 0.8
# Share of the learned cap the plan must reach for the cap to be what binds.
_AT_CAP = 0.9


@dataclass(frozen=True)
class Limits:
    """What holds each campaign back, and the evidence, one entry per campaign.

    Attributes:
        labels: One of the module's three labels.
        evidence: One English sentence (the web page writes its own, translated, from the figures below).
        next_unit_share: Shape (N,): the marginal return at the budget as a share of the first unit's (1 for a
            straight line).
        days: Shape (N,): the days with spend the curve was learned from.
        spend_low, spend_high: Shape (N,): the lowest and highest of those days' spends (currency units; ``inf``
            and 0 where there is none).
    """

    labels: list[str]
    evidence: list[str]
    next_unit_share: np.ndarray
    days: np.ndarray
    spend_low: np.ndarray
    spend_high: np.ndarray


def response_limits(posterior: Posterior, history: HistoryArrays, budgets: np.ndarray) -> Limits:
    """Label and evidence per campaign at ``budgets`` (currency units, shape (N,))."""
    saturation = point_parameters(posterior, 0.0)[1][0]
    cap = posterior.spend_cap
    next_unit = np.exp(-budgets / saturation)
    at_cap = np.isfinite(cap.cap) & (budgets >= _AT_CAP * cap.cap)
    limits = np.where(
        at_cap, LIMITED_BY_VOLUME, np.where(next_unit >= _LINEAR_MARGINAL, LIMITED_BY_BUDGET, DIMINISHING_RETURNS)
    )
    spent = history.valid & (history.spend > 0)
    days = spent.sum(axis=1)
    low = np.where(spent, history.spend, np.inf).min(axis=1)
    high = np.where(spent, history.spend, 0.0).max(axis=1)
    evidence = []
    rows = zip(
        limits.tolist(),
        days.tolist(),
        low.tolist(),
        high.tolist(),
        next_unit.tolist(),
        cap.cap.tolist(),
        cap.unspent_days.tolist(),
        cap.bound_days.tolist(),
        strict=True,
    )
    for limit, n_days, lo, hi, share, cap_i, unspent, bound in rows:
        if n_days == 0:
            evidence.append("no spend yet: the account's other campaigns stand in for it")
        elif limit == LIMITED_BY_VOLUME:
            evidence.append(
                f"left budget unspent on {unspent:.0f} of the last {unspent + bound:.0f} days, stopping near "
                f"{cap_i:,.2f} a day: more budget would not be spent"
            )
        elif limit == LIMITED_BY_BUDGET:
            evidence.append(
                f"spent its whole budget on {bound:.0f} of the last {unspent + bound:.0f} days; the next unit buys "
                f"{share:.0%} of what the first did (learned from {n_days} days spending {lo:,.2f} to {hi:,.2f})"
            )
        else:
            evidence.append(
                f"the next unit buys {share:.0%} of what the first did (learned from {n_days} days spending "
                f"{lo:,.2f} to {hi:,.2f})"
            )
    return Limits(limits.tolist(), evidence, next_unit, days, low, high)
