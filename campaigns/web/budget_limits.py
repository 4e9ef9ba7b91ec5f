"""What holds each campaign of a budget plan back, worded for the Budgets page in the user's language.

The allocator (``ml.budgets.limits``) labels each campaign "limited by budget", "limited by volume" or "diminishing
returns" and records the figures behind the label in the plan item's posterior: the days with spend it learned from
and their lowest and highest spend, what the next unit of budget brings against the first, where the campaign stops
spending and on how many days it did. This module turns those figures into sentences. A plan made before the
figures were recorded shows the allocator's own (English) sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns.templatetags.campaign_money import money
from campaigns.templatetags.campaign_percent import percent

ONE_UNIT_MICROS = 1_000_000
LABELS = {
    "limited by budget": gettext_lazy("Limited by budget"),
    "limited by volume": gettext_lazy("Limited by volume"),
    "diminishing returns": gettext_lazy("Diminishing returns"),
}


@dataclass(frozen=True)
class LimitNote:
    """The label and the evidence, both in the active language."""

    label: str
    evidence: str


def annotate(items: Iterable[Any], currency: str) -> None:
    """Set ``limit_note`` (a :class:`LimitNote` or None) on each plan item, from its posterior."""
    for item in items:
        item.limit_note = limit_note(item.posterior or {}, currency)


def limit_note(posterior: Mapping[str, Any], currency: str) -> LimitNote | None:
    """What holds the campaign back, with its evidence; None when the plan says nothing about it."""
    limit = posterior.get("limit")
    if not limit or "evidence_days" not in posterior:  # none, or a plan from before the figures: the page words it
        return None
    return LimitNote(str(LABELS.get(limit, limit)), " ".join(_evidence(limit, posterior, currency)))


def _evidence(limit: str, posterior: Mapping[str, Any], currency: str) -> list[str]:
    days = int(posterior["evidence_days"])
    if days == 0:
        return [_("It has not spent yet: until it does, the account's other campaigns stand in for it.")]
    unspent, bound = int(posterior.get("unspent_days") or 0), int(posterior.get("bound_days") or 0)
    window = unspent + bound
    unit = money(ONE_UNIT_MICROS, currency)
    share = percent(posterior.get("next_unit_share"), 0)
    sentences = []
    cap = posterior.get("spend_cap_micros")
    if limit == "limited by volume" and cap is not None and window:
        sentences.append(
            ngettext(
                "It left budget unspent on its last day, stopping at about %(cap)s: a higher budget would not be "
                "spent.",
                "It left budget unspent on %(unspent)s of the last %(window)s days, stopping at about %(cap)s a "
                "day: a higher budget would not be spent.",
                window,
            )
            % {"unspent": unspent, "window": window, "cap": money(cap, currency)}
        )
    elif limit == "limited by budget":
        if window:
            sentences.append(
                ngettext(
                    "It spent its whole budget on its last day.",
                    "It spent its whole budget on %(bound)s of the last %(window)s days.",
                    window,
                )
                % {"bound": bound, "window": window}
            )
        sentences.append(
            _(
                "The next %(unit)s still brings %(share)s of what the first %(unit)s did: the budget, not the "
                "searches, sets how much it sells."
            )
            % {"unit": unit, "share": share}
        )
    else:
        sentences.append(
            _("The next %(unit)s brings %(share)s of what the first %(unit)s did: each extra %(unit)s buys less.")
            % {"unit": unit, "share": share}
        )
    low, high = posterior.get("evidence_spend_low_micros"), posterior.get("evidence_spend_high_micros")
    spends = {"days": days, "low": money(low, currency), "high": money(high, currency)}
    if days == 1 or low == high:
        learned = ngettext(
            "Learned from one day spending %(low)s.", "Learned from %(days)s days spending %(low)s a day.", days
        )
    else:
        learned = _("Learned from %(days)s days spending between %(low)s and %(high)s a day.")
    sentences.append(learned % spends)
    return sentences
