"""Input side of the budget allocator: validation with errors that name the campaign and field, and packing of
``CampaignState`` lists into arrays (vectorised: 10,000 campaigns x 56 days is 560,000 ``DayStats``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter

import numpy as np

from ml.budgets.model import HistoryArrays, make_history
from ml.budgets.types import MICROS, CampaignState, DayStats


@dataclass(frozen=True)
class AccountArrays:
    """A validated list of :class:`CampaignState` as arrays (money in int64 micros, ceilings float with inf)."""

    campaign_ids: list[str]
    current: np.ndarray
    floors: np.ndarray
    ceilings: np.ndarray
    history: HistoryArrays
    n_days: int


def account_arrays(
    states: Sequence[CampaignState], total_budget_micros: int, history_days: int, min_history_days: int
) -> AccountArrays:
    """Validate ``states`` and pack them into arrays; raises ``ValueError`` naming campaign and field."""
    validate_states(states, total_budget_micros, min_history_days)
    current = np.array([s.daily_budget_micros for s in states], dtype=np.int64)
    return AccountArrays(
        campaign_ids=[s.campaign_id for s in states],
        current=current,
        floors=np.array([s.floor_micros for s in states], dtype=np.int64),
        ceilings=np.array([math.inf if s.ceiling_micros is None else float(s.ceiling_micros) for s in states]),
        history=history_arrays(states, history_days),
        n_days=max(len(s.history) for s in states),
    )


def validate_states(states: Sequence[CampaignState], total_budget_micros: int, min_history_days: int) -> None:
    """Raise ``ValueError`` naming the campaign and field of the first invalid input."""
    if not _is_int(total_budget_micros) or total_budget_micros < 0:
        raise ValueError(f"total_budget_micros: must be a non-negative integer, got {total_budget_micros!r}")
    if len(states) == 0:
        raise ValueError("states: no campaigns to allocate to")
    seen: set[str] = set()
    for state in states:
        cid = state.campaign_id
        if cid in seen:
            raise ValueError(f"campaign {cid!r}: campaign_id is duplicated")
        seen.add(cid)
        for name in ("daily_budget_micros", "floor_micros"):
            value = getattr(state, name)
            if not _is_int(value) or value < 0:
                raise ValueError(f"campaign {cid!r}: {name} must be a non-negative integer, got {value!r}")
        ceiling = state.ceiling_micros
        if ceiling is not None and (not _is_int(ceiling) or ceiling < state.floor_micros):
            raise ValueError(
                f"campaign {cid!r}: ceiling_micros must be an integer >= floor_micros "
                f"({state.floor_micros}), got {ceiling!r}"
            )
        if len(state.history) < min_history_days:
            raise ValueError(
                f"campaign {cid!r}: history has {len(state.history)} days, at least {min_history_days} needed "
                "(set min_history_days=0 to let the pooled prior decide for new campaigns)"
            )
    floors = sum(s.floor_micros for s in states)
    if floors > total_budget_micros:
        raise ValueError(
            f"floor_micros: campaign floors add up to {floors}, above total_budget_micros {total_budget_micros}"
        )


# Types a DayStats field may have; anything else (str, bool, None) is named by the slow validation path.
_NUMBER_TYPES = {int, float, np.int64, np.int32, np.float64, np.float32}
# Order matters: history_arrays reads columns by position.
_DAY_FIELDS = ("spend_micros", "clicks", "conversions", "conversion_value_micros", "budget_micros", "impressions")


def _validate_day(cid: str, day: int, stats: DayStats) -> None:
    for name in _DAY_FIELDS:
        value = getattr(stats, name)
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ValueError(f"campaign {cid!r}: history[{day}].{name} must be a number, got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"campaign {cid!r}: history[{day}].{name} must be finite and >= 0, got {value!r}")


def history_arrays(states: Sequence[CampaignState], history_days: int) -> HistoryArrays:
    """Pack (and validate) the last ``history_days`` of every campaign into right-aligned (N, H) arrays."""
    n_days = max(1, min(history_days, max(len(s.history) for s in states)))
    lengths = np.array([min(len(s.history), n_days) for s in states], dtype=np.int64)
    # One flat list and one conversion: per-campaign numpy assignments dominate at 10,000 campaigns.
    fields = attrgetter(*_DAY_FIELDS)
    rows = [fields(d) for s in states for d in s.history[len(s.history) - min(len(s.history), n_days) :]]
    types = set(map(type, chain.from_iterable(rows)))
    try:
        if not types <= _NUMBER_TYPES:
            raise TypeError("a field is not a number")
        values = chain.from_iterable(rows)
        flat = np.fromiter(values, dtype=float, count=len(rows) * len(_DAY_FIELDS)).reshape(-1, len(_DAY_FIELDS))
        bad = ~(np.isfinite(flat).all(axis=1) & (flat >= 0).all(axis=1))
    except (TypeError, ValueError):  # a non-number somewhere: the slow path below names it
        flat, bad = None, np.ones(len(rows), dtype=bool)
    if bad.any():
        # Invalid input only: walk the campaigns (from the first flagged one) to name the bad field.
        owner = int(np.repeat(np.arange(len(states)), lengths)[int(np.argmax(bad))])
        for state in states[owner:]:
            offset = len(state.history) - min(len(state.history), n_days)
            for day, stats in enumerate(state.history[offset:]):
                _validate_day(state.campaign_id, offset + day, stats)
        # Every field passed the strict check (an unusual numeric type, say): convert the slow way.
        flat = np.array(rows, dtype=float).reshape(-1, len(_DAY_FIELDS))
    table = np.zeros((len(states), n_days, len(_DAY_FIELDS)))
    valid = np.arange(n_days)[None, :] >= (n_days - lengths)[:, None]
    table[valid] = flat
    return make_history(
        table[:, :, 0] / MICROS,
        table[:, :, 1],
        table[:, :, 2],
        table[:, :, 3] / MICROS,
        valid,
        np.array([s.daily_budget_micros for s in states], dtype=float) / MICROS,
        impressions=table[:, :, 5],
        budgets=table[:, :, 4] / MICROS,
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
