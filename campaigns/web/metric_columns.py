"""The arithmetic's columns (impressions to ROAS) of the campaign, ad group and keyword tables, read from a row's
``totals`` (an ``ml.arithmetic.Summary`` attached by the page, None where the row has no data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from campaigns.web.tables import COUNT, MONEY, NUMBER, PERCENT, Column


def _total(name: str) -> Callable[[Any], Any]:
    return lambda row: getattr(row.totals, name) if row.totals is not None else None


METRIC_COLUMNS = (
    Column("impressions", _("Impressions"), _total("impressions"), COUNT),
    Column("clicks", _("Clicks"), _total("clicks"), COUNT),
    Column("cost", _("Spend"), _total("cost_micros"), MONEY),
    Column("conversions", _("Conversions"), _total("conversions"), NUMBER, decimals=1),
    Column("ctr", _("CTR"), _total("ctr"), PERCENT),
    Column("cpc", _("CPC"), _total("cpc_micros"), MONEY),
    Column("cpa", _("CPA"), _total("cpa_micros"), MONEY),
    Column(
        "roas",
        _("ROAS"),
        _total("roas"),
        NUMBER,
        help=_("conversion value per unit of spend; — where the reports give the conversions no value"),
    ),
)
