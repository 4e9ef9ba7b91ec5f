"""Budget boxes and the allocation solvers shared by every budget policy.

All money here is integer micros on the way in and out; the solvers work in floats and the final step rounds
down so that a plan can never exceed the total. Precedence when limits conflict, strongest first:

1. the total budget (never exceeded),
2. floors and ceilings (explicit limits the marketer set),
3. the maximum change per step (a safety brake relative to yesterday's budget).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Log-returns below this are treated as "worth nothing"; keeps log() finite for campaigns whose sampled
# conversion rate underflows to zero.
_MIN_LOG_RETURN = -700.0


@dataclass(frozen=True)
class Boxes:
    """Per-campaign lower and upper budget bounds in micros, after resolving conflicts.

    Attributes:
        lower: Lowest allowed budget per campaign (int64 micros).
        upper: Highest allowed budget per campaign (int64 micros).
        change_lower: The lower bound the change limit alone would give.
        change_upper: The upper bound the change limit alone would give.
        total_cut: True where the total was below the sum of minimums, so the change-limit part of the
            lower bound was scaled down (floors are never cut).
    """

    lower: np.ndarray
    upper: np.ndarray
    change_lower: np.ndarray
    change_upper: np.ndarray
    total_cut: np.ndarray


def budget_boxes(
    current: np.ndarray,
    floors: np.ndarray,
    ceilings: np.ndarray,
    total_micros: int,
    max_change_ratio: float,
    min_change_micros: int,
) -> Boxes:
    """Resolve floors, ceilings, the change limit and the total into one box per campaign.

    Args:
        current: Current daily budgets (int64 micros).
        floors: Floors (int64 micros); the caller has checked ``floors.sum() <= total_micros``.
        ceilings: Ceilings (float micros, ``inf`` for none); the caller has checked ``ceilings >= floors``.
        total_micros: The total the plan must not exceed.
        max_change_ratio: Largest relative move per step.
        min_change_micros: Smallest absolute move always allowed, so a campaign at (or near) zero can grow.

    Returns:
        The resolved boxes; ``lower.sum() <= total_micros`` always holds.
    """
    current = current.astype(np.int64)
    delta = np.maximum(np.floor(current * max_change_ratio).astype(np.int64), np.int64(min_change_micros))
    change_lower = np.maximum(current - delta, 0)
    change_upper = current + delta
    capped_ceilings = np.where(np.isinf(ceilings), change_upper, np.minimum(ceilings, 2**62)).astype(np.int64)
    # Ceilings beat the change limit on the way down, floors beat it on the way up.
    lower = np.maximum(floors, np.minimum(change_lower, capped_ceilings))
    upper = np.maximum(lower, np.minimum(capped_ceilings, change_upper))
    total_cut = np.zeros(len(current), dtype=bool)
    excess = int(lower.sum()) - int(total_micros)
    if excess > 0:
        # The total wins over the change limit: shrink only the part of each minimum above its floor, pro rata.
        above_floor = lower - floors
        theta = (int(total_micros) - int(floors.sum())) / float(above_floor.sum())
        lower = floors + np.floor(above_floor * theta).astype(np.int64)
        total_cut = above_floor > 0
        upper = np.maximum(upper, lower)
    return Boxes(lower, upper, change_lower, change_upper, total_cut)


def water_fill(
    log_return: np.ndarray, saturation: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: float
) -> np.ndarray:
    """Maximise ``sum_i v_i * b_i * (1 - exp(-x_i / b_i))`` under ``sum x <= total`` and ``lower <= x <= upper``.

    The KKT conditions give ``x_i = clip(b_i * (log v_i - mu), lower_i, upper_i)`` for one multiplier ``mu``
    (the log of the marginal return every unconstrained campaign ends at). The total spent is piecewise linear
    and decreasing in ``mu``, so sorting the 2N breakpoints finds ``mu`` exactly, with no iteration; rows are
    independent problems (one per posterior draw), solved together.

    Args:
        log_return: ``log v`` with shape (M, N): log marginal return at zero spend, per draw and campaign.
        saturation: ``b`` with shape (M, N), in the same money unit as the bounds; must be > 0.
        lower: Lower bounds, shape (N,).
        upper: Upper bounds, shape (N,); the caller guarantees ``lower.sum() <= total``.
        total: The budget to split.

    Returns:
        Optimal spends, shape (M, N), as floats.
    """
    log_return = np.maximum(log_return, _MIN_LOG_RETURN)
    n_rows = log_return.shape[0]
    if float(upper.sum()) <= total:
        return np.broadcast_to(upper, log_return.shape).astype(float)
    mu_upper = log_return - upper / saturation  # below this mu, campaign sits at its upper bound
    mu_lower = log_return - lower / saturation  # above this mu, campaign sits at its lower bound
    points = np.concatenate([mu_upper, mu_lower], axis=1)
    slope_changes = np.concatenate([-saturation, saturation], axis=1)
    order = np.argsort(points, axis=1)
    points = np.take_along_axis(points, order, axis=1)
    slopes = np.cumsum(np.take_along_axis(slope_changes, order, axis=1), axis=1)
    steps = slopes[:, :-1] * np.diff(points, axis=1)
    spent = float(upper.sum()) + np.concatenate([np.zeros((n_rows, 1)), np.cumsum(steps, axis=1)], axis=1)
    # First breakpoint where the total is affordable; the multiplier lies in the interval just before it.
    first = np.argmax(spent <= total, axis=1)
    first = np.where(spent[np.arange(n_rows), first] <= total, first, spent.shape[1] - 1)
    prev = np.maximum(first - 1, 0)
    rows = np.arange(n_rows)
    slope = slopes[rows, prev]
    safe_slope = np.where(slope < 0, slope, -1.0)
    mu = np.where(slope < 0, points[rows, prev] + (total - spent[rows, prev]) / safe_slope, points[rows, first])
    spend = saturation * (log_return - mu[:, None])
    return np.clip(spend, lower, upper)


def capped_fill(
    log_return: np.ndarray,
    saturation: np.ndarray,
    cap: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    total: float,
) -> np.ndarray:
    """:func:`water_fill` for curves that stop at a spend cap: ``v_i * b_i * (1 - exp(-min(x_i, cap_i) / b_i))``.

    Budget above a cap buys nothing on an average day (the auctions the bid can win run out), so the curves are
    filled up to their caps first; what the total has left over then goes to the campaigns sitting at their cap,
    in proportion to their headroom, where it is spent only on days of more volume than usual.

    Args:
        log_return, saturation, lower, upper, total: As for :func:`water_fill`.
        cap: Shape (N,), the spend each campaign can use (``inf`` where none is known).

    Returns:
        Budgets, shape (M, N), as floats.
    """
    capped_upper = np.clip(cap, lower, upper)
    spend = water_fill(log_return, saturation, lower, capped_upper, total)
    left = total - spend.sum(axis=1, keepdims=True)
    headroom = np.where(capped_upper < upper, upper - capped_upper, 0.0) * (spend >= capped_upper)
    room = headroom.sum(axis=1, keepdims=True)
    share = np.where(room > 0, np.minimum(np.maximum(left, 0.0) / np.where(room > 0, room, 1.0), 1.0), 0.0)
    return spend + headroom * share


def proportional_fill(weights: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: float) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` (shape (N,)), clipped to the boxes: ``clip(c * w, lo, hi)``.

    Used by the hand-rule baselines (uniform, ROAS-proportional); ``c`` is found by bisection on ``log c``.
    """
    if float(upper.sum()) <= total:
        return upper.astype(float)
    weights = np.maximum(weights, 1e-12)
    low, high = -60.0, 60.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if np.clip(np.exp(mid) * weights, lower, upper).sum() > total:
            high = mid
        else:
            low = mid
    return np.clip(np.exp(low) * weights, lower, upper)


def round_down(spend_micros: np.ndarray, lower: np.ndarray, upper: np.ndarray, total_micros: int) -> np.ndarray:
    """Turn float micros into int64 micros within the boxes whose sum never exceeds ``total_micros``.

    Largest-remainder rounding: floor everything, then hand the micros that flooring lost to the campaigns with
    the largest fractions, so a plan that fills the total fills it to the micro. The repair loop only fires
    when float error let the float sum creep past the total.
    """
    budgets = np.clip(np.floor(spend_micros).astype(np.int64), lower, upper)
    target = min(int(total_micros), int(round(float(spend_micros.sum()))))
    lost = target - int(budgets.sum())
    if lost > 0:
        fraction = np.where(budgets < upper, spend_micros - budgets, -1.0)
        winners = np.argsort(-fraction, kind="stable")[:lost]
        budgets[winners[fraction[winners] >= 0]] += 1
    excess = int(budgets.sum()) - int(total_micros)
    while excess > 0:
        slack = budgets - lower
        i = int(np.argmax(slack))
        take = min(excess, int(slack[i]))
        budgets[i] -= take
        excess -= take
    return budgets
