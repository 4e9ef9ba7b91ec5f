"""The money invariants of a budget change, as one pure function over plain values.

Every proposed daily budget passes through :func:`enforce` before it can be applied; the function never raises
a budget it should not and says why for each campaign. Money is integer micros.

1. Monthly cap: month-to-date spend + what the platforms may still charge this month stays under the campaign's
   and the organization's caps. The platforms may spend up to 2x a daily budget on a day (on a day with a change,
   up to 2x that day's highest budget) and charge up to 30.4x the daily budget in a month; the potential is the
   tighter of those two guarantees. Cuts are always allowed.
2. At most one automated change per campaign per day (and so never a raise and a cut on the same day).
3. |new / old - 1| <= the change limit, except cuts forced by a cap.
4. Floors and ceilings; amounts rounded to the currency's minimum unit; the plan's sum within the approved total.
5. Stale data or a change made outside the tool: no increases.
6. A kill switch stops every change.

A person's edit (``by_hand``) is held to 1, 4's rounding and 6 only: the change limit, floors, ceilings and the
no-increase rules pace and bound the automation, and a campaign imported with a budget of 0 must be settable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

MONTH_FACTOR = Fraction(304, 10)
DAILY_OVERSPEND = 2
# Minimum billable unit per currency, in micros (cents for most; whole units where the currency has none).
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "CLP", "VND", "ISK", "HUF", "TWD"}

KILL_SWITCH = "kill switch engaged: no automated change"
ALREADY_CHANGED = "already changed today: one automated change per campaign per day"
STALE = "data is stale: no increases until fresh metrics arrive"
OUTSIDE = "budget was changed outside the tool since the last plan: no increases"
CHANGE_LIMIT = "limited by the maximum change per day"
FLOOR = "held at its floor"
CEILING = "capped by its ceiling"
CAMPAIGN_CAP = "cut to stay under the campaign's monthly cap"
ORG_CAP = "cut to stay under the organization's monthly cap"
TOTAL = "raise reduced to keep the plan within the approved total"
BELOW_FLOOR = "below its floor, raised only as far as the change limit allows"


def unit_micros(currency: str) -> int:
    return 1_000_000 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 10_000


@dataclass(frozen=True)
class CampaignInput:
    campaign_id: int
    current_micros: int
    proposed_micros: int
    floor_micros: int = 0
    ceiling_micros: int | None = None
    month_spend_micros: int = 0
    cap_micros: int | None = None
    changed_today: bool = False
    changed_outside: bool = False
    by_hand: bool = False


@dataclass(frozen=True)
class Context:
    days_left: int  # days left in the month, today included
    max_change_ratio: Fraction
    approved_total_micros: int
    unit_micros: int = 10_000
    stale: bool = False
    kill_switch: bool = False
    org_cap_micros: int | None = None
    org_month_spend_micros: int = 0

    def __post_init__(self) -> None:
        if self.days_left < 1:
            raise ValueError("days_left must be at least 1")
        if not 0 <= self.max_change_ratio <= 10:
            raise ValueError("max_change_ratio must be between 0 and 10")
        if self.unit_micros < 1 or self.approved_total_micros < 0:
            raise ValueError("unit_micros must be positive and approved_total_micros non-negative")


@dataclass
class Decision:
    campaign_id: int
    before_micros: int
    after_micros: int
    reasons: list[str] = field(default_factory=list)
    forced_cut: bool = False

    @property
    def changed(self) -> bool:
        return self.after_micros != self.before_micros


def potential_spend(before: int, after: int, days_left: int, month_spend: int) -> int:
    """The most the platforms may still charge this month if the budget goes from ``before`` to ``after`` today."""
    by_day = DAILY_OVERSPEND * (max(before, after) + after * (days_left - 1))
    by_month = int(MONTH_FACTOR * max(before, after)) - month_spend
    return max(0, min(by_day, by_month))


def within_cap(before: int, after: int, days_left: int, month_spend: int, cap: int | None) -> bool:
    return cap is None or month_spend + potential_spend(before, after, days_left, month_spend) <= cap


def _largest_within_cap(item: CampaignInput, upper: int, days_left: int, unit: int) -> int:
    """The highest budget on the unit grid, at most ``upper``, that keeps the campaign under its cap."""
    low, high = 0, upper // unit
    while low < high:
        middle = (low + high + 1) // 2
        if within_cap(item.current_micros, middle * unit, days_left, item.month_spend_micros, item.cap_micros):
            low = middle
        else:
            high = middle - 1
    return low * unit


def _one(item: CampaignInput, ctx: Context) -> Decision:
    before, unit = item.current_micros, ctx.unit_micros
    decision = Decision(item.campaign_id, before, before)
    if ctx.kill_switch:
        decision.reasons.append(KILL_SWITCH)
        return decision
    if item.changed_today:
        decision.reasons.append(ALREADY_CHANGED)
        return decision
    low = int(before - before * ctx.max_change_ratio)
    target = item.proposed_micros if item.by_hand else _automation_bounds(item, ctx, low, decision)
    # Round to what the platform can bill: toward the current budget, so rounding never widens a move.
    if target > before:
        target = max(before, target // unit * unit)
    elif target < before:
        target = min(before, -(-target // unit) * unit)
    if not within_cap(before, target, ctx.days_left, item.month_spend_micros, item.cap_micros):
        target = min(target, _largest_within_cap(item, min(target, before), ctx.days_left, unit))
        decision.forced_cut = target < low and not item.by_hand
        decision.reasons.append(CAMPAIGN_CAP)
    decision.after_micros = target
    return decision


def _automation_bounds(item: CampaignInput, ctx: Context, low: int, decision: Decision) -> int:
    """The proposed budget within the ceiling, the floor, the change limit and the no-increase rules."""
    before, target = item.current_micros, item.proposed_micros
    if item.ceiling_micros is not None and target > item.ceiling_micros:
        target = item.ceiling_micros
        decision.reasons.append(CEILING)
    if target < item.floor_micros:
        target = item.floor_micros
        decision.reasons.append(FLOOR)
    high = int(before + before * ctx.max_change_ratio)
    if not low <= target <= high:
        target = min(max(target, low), high)
        decision.reasons.append(BELOW_FLOOR if target < item.floor_micros else CHANGE_LIMIT)
    if target > before and (ctx.stale or item.changed_outside):
        target = before
        decision.reasons.append(STALE if ctx.stale else OUTSIDE)
    return target


def enforce(items: Sequence[CampaignInput], ctx: Context) -> list[Decision]:
    """Apply every invariant to a proposed plan; returns one decision per campaign, in input order."""
    ids = [item.campaign_id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate campaign ids in the plan")
    for item in items:
        if min(item.current_micros, item.proposed_micros, item.floor_micros, item.month_spend_micros) < 0:
            raise ValueError(f"campaign {item.campaign_id}: money cannot be negative")
    decisions = [_one(item, ctx) for item in items]
    if ctx.kill_switch:
        return decisions
    # A campaign already changed today is frozen: the plan-wide fixes below may not move it either.
    movable = [(item, d) for item, d in zip(items, decisions, strict=True) if not item.changed_today]
    _fit_total(
        [d for _, d in movable],
        ctx.approved_total_micros
        - sum(d.after_micros for item, d in zip(items, decisions, strict=True) if item.changed_today),
        ctx.unit_micros,
    )
    _fit_org_cap(items, decisions, {id(d) for _, d in movable}, ctx)
    return decisions


def _fit_total(decisions: list[Decision], total: int, unit: int) -> None:
    """Shrink raises (never below the current budget) until the plan's sum is within the approved total."""
    excess = sum(d.after_micros for d in decisions) - total
    raises = [d for d in decisions if d.after_micros > d.before_micros]
    room = sum(d.after_micros - d.before_micros for d in raises)
    if excess <= 0 or not raises:
        return
    keep = max(Fraction(0), Fraction(room - excess, room))
    for d in raises:
        raised = d.before_micros + int((d.after_micros - d.before_micros) * keep) // unit * unit
        d.after_micros = max(d.before_micros, raised)
        d.reasons.append(TOTAL)


def _fit_org_cap(items: Sequence[CampaignInput], decisions: list[Decision], movable: set[int], ctx: Context) -> None:
    cap = ctx.org_cap_micros
    if cap is None:
        return

    def fits() -> bool:
        potential = sum(
            potential_spend(d.before_micros, d.after_micros, ctx.days_left, item.month_spend_micros)
            for item, d in zip(items, decisions, strict=True)
        )
        return ctx.org_month_spend_micros + potential <= cap

    if fits():
        return
    for d in decisions:  # first give up every raise
        if id(d) in movable and d.after_micros > d.before_micros:
            d.after_micros = d.before_micros
            d.reasons.append(ORG_CAP)
    starts = [d.after_micros for d in decisions]

    def scale(factor: Fraction) -> None:
        for d, start in zip(decisions, starts, strict=True):
            if id(d) in movable:
                d.after_micros = int(start * factor) // ctx.unit_micros * ctx.unit_micros

    # then cut every budget by the same factor, the largest that fits (0 when even that cannot: today's
    # potential spend follows the day's highest budget, which is already set)
    low, high = Fraction(0), Fraction(1)
    if not fits():
        for _ in range(30):
            middle = (low + high) / 2
            scale(middle)
            low, high = (middle, high) if fits() else (low, middle)
        scale(low)
    for d, item in zip(decisions, items, strict=True):
        if id(d) not in movable:
            continue
        if d.after_micros < d.before_micros and ORG_CAP not in d.reasons:
            d.reasons.append(ORG_CAP)
        lowest = int(item.current_micros - item.current_micros * ctx.max_change_ratio)
        d.forced_cut = d.forced_cut or d.after_micros < lowest
