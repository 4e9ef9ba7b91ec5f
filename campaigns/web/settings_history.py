"""The settings page's history: the latest ``SettingsChange`` rows as "field: before → after" lines to read.

Values are stored raw (micros, choice values, lists) and worded here, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from campaigns.models import InjectionPolicy, Organization, RebalanceMode, SettingsChange
from campaigns.templatetags.campaign_money import money

HISTORY_ROWS = 20
FIELD_LABELS = {
    "mode": gettext_lazy("Mode"),
    "monthly_cap_micros": gettext_lazy("Organization monthly cap"),
    "max_change_percent": gettext_lazy("Change limit (% per day)"),
    "freshness_days": gettext_lazy("Freshness limit (days)"),
    "kill_switch": gettext_lazy("Kill switch"),
    "blocked_terms": gettext_lazy("Blocked terms"),
    "injection_policy": gettext_lazy("Injection policy"),
}
_CHOICES = {"mode": dict(RebalanceMode.choices), "injection_policy": dict(InjectionPolicy.choices)}


@dataclass(frozen=True)
class ChangedField:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    change: SettingsChange
    who: str
    fields: list[ChangedField]


def _word(name: str, value: Any, currency: str) -> str:  # value: as stored in the JSON
    if name in _CHOICES:
        return str(_CHOICES[name].get(str(value), str(value)))
    if name == "monthly_cap_micros":
        return money(value, currency) if value is not None else _("no cap")
    if name == "kill_switch":
        return pgettext("switch", "on") if value else pgettext("switch", "off")
    if name == "blocked_terms":
        return ", ".join(f"“{term}”" for term in value) if value else _("none")
    return str(value)


def _field(currency: str, name: str, before: Any, after: Any) -> ChangedField:
    label = str(FIELD_LABELS.get(name, name))
    if name == "blocked_terms":  # a list of up to 200: show what went out and what came in, not both lists
        old, new = list(before or []), list(after or [])
        before, after = [t for t in old if t not in new], [t for t in new if t not in old]
    return ChangedField(label, _word(name, before, currency), _word(name, after, currency))


def settings_history(organization: Organization, limit: int = HISTORY_ROWS) -> list[HistoryRow]:
    """The organization's latest settings changes, newest first (one query, users joined)."""
    rows = SettingsChange.objects.filter(organization=organization).select_related("user")[:limit]
    return [
        HistoryRow(
            change,
            change.user.get_username() if change.user else change.actor,
            [_field(organization.currency, name, *change.changes[name]) for name in _in_page_order(change)],
        )
        for change in rows
    ]


def _in_page_order(change: SettingsChange) -> list[str]:
    # PostgreSQL's jsonb keeps no key order: list the fields as the page does
    order = list(FIELD_LABELS)
    return sorted(change.changes, key=lambda name: (order.index(name) if name in order else len(order), name))
