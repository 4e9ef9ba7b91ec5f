"""Figures the account does not report are unknown, not zero: ROAS without conversion values is "—", not 0.00."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from django.db.models import Sum

from campaigns.models import DailyMetric, MetricLevel, Organization, in_span
from campaigns.services import summary as account
from campaigns.services.performance import Period
from ml.arithmetic import Summary

CONVERSIONS, CONVERSION_VALUE = "conversions", "conversion_value"


def unknown_figures(
    missing_columns: Iterable[str], *, conversions: float, conversion_value_micros: int
) -> frozenset[str]:
    """The figures of a period that no number can be shown for: the columns its campaign reports lacked
    (``services.summary.unknown_figures``), and the conversion value when the account counts conversions but gives
    none of them a value (its reports carry the column, all zeros): a ROAS of 0 would read "the sales were worth
    nothing" when they were only never valued."""
    unknown = set(missing_columns)
    if conversions > 0 and conversion_value_micros == 0:
        unknown.add(CONVERSION_VALUE)
    if CONVERSIONS in unknown:
        unknown.add(CONVERSION_VALUE)  # a value per conversion needs the conversions
    return frozenset(unknown)


def without_unknown(summary: Summary, unknown: Collection[str]) -> Summary:
    """``summary`` with the rates that rest on unknown figures set to None (shown as "—", sorted last)."""
    if CONVERSIONS in unknown:
        return replace(summary, cvr=None, cpa_micros=None, roas=None)
    if CONVERSION_VALUE in unknown:
        return replace(summary, roas=None)
    return summary


def of_period(organization: Organization, period: Period) -> frozenset[str]:
    """:func:`unknown_figures` of the organization's campaign data over ``period`` (two queries)."""
    totals = DailyMetric.objects.filter(
        in_span(*period), organization=organization, level=MetricLevel.CAMPAIGN
    ).aggregate(conversions=Sum("conversions", default=0.0), value=Sum("conversion_value_micros", default=0))
    return unknown_figures(
        account.unknown_figures(organization, *period),
        conversions=totals["conversions"],
        conversion_value_micros=totals["value"],
    )
