"""The dashboard's period: a preset (last 7 / 30 / 90 days, this month, last month) or a custom range, and the
previous period of the same length to compare it with.

Presets end on the newest day the reports cover, not on today: the data arrives by import, and a period that ran
past the newest report would compare a week of data with a week half empty (docs/tables.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PRESETS = {
    "last_7": gettext_lazy("Last 7 days"),
    "last_30": gettext_lazy("Last 30 days"),
    "last_90": gettext_lazy("Last 90 days"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
}
CUSTOM = "custom"
DEFAULT = "last_30"
MAX_DAYS = 731  # two years: what the charts and the comparison stay readable over


@dataclass(frozen=True)
class Period:
    preset: str  # a key of PRESETS, or CUSTOM
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The same number of days just before this period."""
        end = self.start - timedelta(days=1)
        return Period(self.preset, end - timedelta(days=self.days - 1), end)


def preset_period(preset: str, newest: date) -> Period:
    """``preset`` ending on ``newest`` (the newest day of data); the months are those of ``newest``."""
    if preset == "this_month":
        return Period(preset, newest.replace(day=1), newest)
    if preset == "last_month":
        end = newest.replace(day=1) - timedelta(days=1)
        return Period(preset, end.replace(day=1), end)
    days = int(preset.removeprefix("last_"))
    return Period(preset, newest - timedelta(days=days - 1), newest)


def choose(params: QueryDict, newest: date) -> tuple[Period, str | None]:
    """The period ``?range=`` (and ``?from=&to=`` for a custom one) asks for, or the default one with the reason
    the request was refused."""
    preset = params.get("range", DEFAULT)
    if preset in PRESETS:
        return preset_period(preset, newest), None
    if preset != CUSTOM:
        return preset_period(DEFAULT, newest), None
    try:
        start, end = _date(params.get("from")), _date(params.get("to"))
    except ValidationError:
        return preset_period(DEFAULT, newest), _("Choose both dates of the custom period.")
    if start > end:
        return preset_period(DEFAULT, newest), _("The custom period starts after it ends.")
    if (end - start).days + 1 > MAX_DAYS:
        return preset_period(DEFAULT, newest), _("A period can be at most %(days)d days long.") % {"days": MAX_DAYS}
    return Period(CUSTOM, start, end), None


def _date(text: str | None) -> date:
    """A date as the browser's date input sends it (ISO) or as typed in the language's own format."""
    value = forms.DateField(required=True).clean(text)  # Django adds ISO to every language's input formats
    assert isinstance(value, date)
    return value
