"""The arithmetic of contextual advertising.

Money is integer micros (1 currency unit = 1,000,000 micros); money results are rounded half up to the micro.
Rates are floats. A zero denominator gives ``None`` — "no data", which a marketer reads differently from 0 —
never a crash or infinity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

MICROS = 1_000_000


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator == 0:
        return None
    return numerator / denominator


def _round_micros(exact: Fraction) -> int:
    """Half up (away from zero), as a marketer rounds money."""
    return int(exact + Fraction(1, 2)) if exact >= 0 else -int(-exact + Fraction(1, 2))


def _money(numerator: int, denominator: float | int) -> int | None:
    """numerator / denominator in micros, rounded half up, computed exactly (no float error)."""
    if denominator == 0:
        return None
    return _round_micros(Fraction(numerator) / Fraction(denominator))


def ctr(clicks: int, impressions: int) -> float | None:
    """Click-through rate: clicks per impression."""
    return _ratio(clicks, impressions)


def cpc_micros(cost_micros: int, clicks: int) -> int | None:
    """Average cost per click."""
    return _money(cost_micros, clicks)


def cvr(conversions: float, clicks: int) -> float | None:
    """Conversion rate: conversions per click."""
    return _ratio(conversions, clicks)


def cpa_micros(cost_micros: int, conversions: float) -> int | None:
    """Cost per acquisition (per order)."""
    return _money(cost_micros, conversions)


def roas(conversion_value_micros: int, cost_micros: int) -> float | None:
    """Return on ad spend: conversion value per unit of cost (2.0 means 200%)."""
    return _ratio(conversion_value_micros, cost_micros)


def _check_margin(margin: float) -> None:
    if not 0 < margin <= 1:
        raise ValueError(f"margin must be in (0, 1], got {margin!r}")


def break_even_cpa_micros(average_order_value_micros: int, margin: float) -> int:
    """The most an order may cost in ads before it loses money: order value × gross margin.

    Args:
        average_order_value_micros: revenue of an average order.
        margin: gross margin as a fraction in (0, 1], e.g. 0.3 for 30%.
    """
    _check_margin(margin)
    if average_order_value_micros < 0:
        raise ValueError("average_order_value_micros cannot be negative")
    # str() gives the margin the marketer typed (0.3), not its binary approximation.
    return _round_micros(average_order_value_micros * Fraction(str(margin)))


def break_even_roas(margin: float) -> float:
    """The ROAS below which ads lose money at this gross margin (1 / margin)."""
    _check_margin(margin)
    return 1 / margin


@dataclass(frozen=True)
class TermStats:
    text: str
    clicks: int
    cost_micros: int
    conversions: float


@dataclass(frozen=True)
class WastedSpend:
    total_micros: int
    share_of_cost: float | None
    terms: tuple[TermStats, ...]  # the wasteful ones, most expensive first


def wasted_spend(rows: Iterable[TermStats], *, min_clicks: int = 1) -> WastedSpend:
    """Cost spent on search terms or keywords with at least ``min_clicks`` clicks and no conversion.

    Args:
        rows: one entry per term (or keyword) with its totals over the period.
        min_clicks: how many clicks a term needs before its lack of conversions counts as waste; a term
            with fewer clicks has not had its chance yet.
    """
    if min_clicks < 1:
        raise ValueError("min_clicks must be at least 1")
    rows = list(rows)
    wasteful = sorted(
        (row for row in rows if row.clicks >= min_clicks and row.conversions == 0),
        key=lambda row: (-row.cost_micros, row.text),
    )
    total = sum(row.cost_micros for row in wasteful)
    return WastedSpend(
        total_micros=total,
        share_of_cost=_ratio(total, sum(row.cost_micros for row in rows)),
        terms=tuple(wasteful),
    )


@dataclass(frozen=True)
class Projection:
    budget_micros: int
    clicks: float
    cost_micros: int
    conversions: float
    conversion_value_micros: int
    limited_by_volume: bool


def project(
    *,
    cost_micros: int,
    clicks: int,
    conversions: float,
    conversion_value_micros: int,
    new_budget_micros: int,
    impression_share: float | None = None,
) -> Projection | None:
    """What-if: conversions for another budget over the same period, at the observed CPC, CVR and value.

    Rates are held constant, so the projection is linear until search volume runs out: with the observed
    impression share (0–1], the clicks available are at most ``clicks / impression_share``. Returns None
    when there were no clicks to learn the rates from.

    Args:
        cost_micros, clicks, conversions, conversion_value_micros: observed totals for the period.
        new_budget_micros: the budget to project for the same period.
        impression_share: observed search impression share; None assumes volume is not the limit.
    """
    if new_budget_micros < 0 or cost_micros < 0:
        raise ValueError("budgets and costs cannot be negative")
    if impression_share is not None and not 0 < impression_share <= 1:
        raise ValueError(f"impression_share must be in (0, 1], got {impression_share!r}")
    if clicks == 0 or cost_micros == 0:
        return None
    cpc = Fraction(cost_micros, clicks)
    projected_clicks = Fraction(new_budget_micros) / cpc
    limited = False
    if impression_share is not None:
        available = Fraction(clicks) / Fraction(impression_share).limit_denominator(10**6)
        if projected_clicks > available:
            projected_clicks, limited = available, True
    scale = projected_clicks / clicks
    return Projection(
        budget_micros=new_budget_micros,
        clicks=float(projected_clicks),
        cost_micros=_round_micros(projected_clicks * cpc),
        conversions=float(Fraction(conversions).limit_denominator(10**6) * scale),
        conversion_value_micros=_round_micros(conversion_value_micros * scale),
        limited_by_volume=limited,
    )


@dataclass(frozen=True)
class Summary:
    impressions: int
    clicks: int
    cost_micros: int
    conversions: float
    conversion_value_micros: int
    ctr: float | None
    cpc_micros: int | None
    cvr: float | None
    cpa_micros: int | None
    roas: float | None


def summarize(
    impressions: int, clicks: int, cost_micros: int, conversions: float, conversion_value_micros: int
) -> Summary:
    """All the rates of one set of totals."""
    return Summary(
        impressions=impressions,
        clicks=clicks,
        cost_micros=cost_micros,
        conversions=conversions,
        conversion_value_micros=conversion_value_micros,
        ctr=ctr(clicks, impressions),
        cpc_micros=cpc_micros(cost_micros, clicks),
        cvr=cvr(conversions, clicks),
        cpa_micros=cpa_micros(cost_micros, conversions),
        roas=roas(conversion_value_micros, cost_micros),
    )
