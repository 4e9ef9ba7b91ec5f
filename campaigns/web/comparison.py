"""The dashboard's figures against the previous period: the change (Δ) and its percentage, formatted for the
marketer's language, with unknown figures shown as unknown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from campaigns.services import unknowns
from campaigns.templatetags.campaign_money import money
from campaigns.templatetags.campaign_numbers import count, decimal
from campaigns.templatetags.campaign_percent import percent

UNKNOWN = "—"


@dataclass(frozen=True)
class Figure:
    """One card. ``better`` is the direction that is good news ("up", "down"; "" for spend, which is neither)."""

    key: str
    label: str
    kind: str  # money, count, number or ratio
    value: float | None  # None: unknown
    previous: float | None
    better: str
    currency: str
    note: str = ""

    @property
    def delta(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def change(self) -> float | None:
        """The change as a share of the previous value; None when there was nothing (or nothing known) before."""
        return None if self.delta is None or not self.previous else self.delta / self.previous

    @property
    def verdict(self) -> str:
        """ "better" / "worse" for the colour; the sign and the words carry the meaning without it."""
        if not self.delta or not self.better:
            return ""
        return "better" if (self.delta > 0) == (self.better == "up") else "worse"

    def _format(self, value: float | None) -> str:
        if value is None:
            return UNKNOWN
        if self.kind == "money":
            return money(round(value), self.currency)
        if self.kind == "count":
            return count(round(value))
        return decimal(value, 1 if self.kind == "number" else 2)

    @property
    def shown(self) -> str:
        return self._format(self.value)

    @property
    def previous_shown(self) -> str:
        return self._format(self.previous)

    @property
    def delta_shown(self) -> str:
        delta = self.delta
        return UNKNOWN if delta is None else ("+" if delta > 0 else "") + self._format(delta)

    @property
    def change_shown(self) -> str:
        change = self.change
        return UNKNOWN if change is None else ("+" if change > 0 else "") + percent(change, 1)


def figures(current: dict, previous: dict, currency: str) -> list[Figure]:
    """The cards of two ``services.summary.account_summary`` dicts: this period and the one before."""
    now, before = _known(current), _known(previous)
    value_note = _("unknown: the reports give the conversions no value") if now["roas"] is None else ""

    def figure(key: str, label: str, kind: str, better: str, note: str = "") -> Figure:
        return Figure(key, label, kind, now[key], before[key], better, currency, note)

    return [
        figure("cost_micros", _("Spend"), "money", ""),
        figure("clicks", _("Clicks"), "count", "up"),
        figure("conversions", _("Conversions"), "number", "up"),
        figure("cpa_micros", _("CPA"), "money", "down"),
        figure("roas", _("ROAS"), "ratio", "up", value_note),
        figure("wasted_spend_micros", _("Wasted spend"), "money", "down"),
    ]


def has_data(summary: dict) -> bool:
    """Whether any report covered the period: nothing shown, clicked or spent is no data, not zeros to compare."""
    return bool(summary.get("impressions") or summary.get("clicks") or summary.get("cost_micros"))


def _known(summary: dict) -> dict[str, Any]:
    """A summary's figures with those its reports do not know set to None (a period without data: all None)."""
    if not summary.get("date_from") or not has_data(summary):
        return dict.fromkeys(("cost_micros", "clicks", "conversions", "cpa_micros", "roas", "wasted_spend_micros"))
    unknown = unknowns.unknown_figures(
        summary["unknown"],
        conversions=summary["conversions"],
        conversion_value_micros=summary["conversion_value_micros"],
    )
    known = dict(summary)
    if unknowns.CONVERSIONS in unknown:
        known.update(conversions=None, cpa_micros=None)
    if unknowns.CONVERSION_VALUE in unknown:
        known["roas"] = None
    return known
