"""A platform file read into plain values (the way in), shared by the format modules and the account import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

from campaigns.reports import ReportError


class AccountImportError(ReportError):
    """An account file that cannot be imported; nothing was written."""


@dataclass
class CampaignIn:
    line: int | None  # None: a Microsoft record whose line the reader does not know
    name: str
    status: str = "enabled"
    daily_budget_micros: int = 0
    language: str | None = None
    campaign_type: str | None = None  # None: the file does not say
    budget_type: str = "daily"
    total_budget_micros: int | None = None
    shared_budget_name: str = ""


@dataclass
class KeywordIn:
    line: int | None
    column: str
    text: str
    match_type: str
    negative: bool
    campaign: str | None = None
    ad_group: str | None = None
    shared_list: str | None = None
    status: str = "enabled"
    max_cpc_micros: int | None = None


@dataclass
class AdIn:
    line: int | None
    campaign: str
    ad_group: str
    headlines: list[dict]
    descriptions: list[dict]
    path1: str
    path2: str
    final_url: str
    status: str = "enabled"


@dataclass
class ParsedAccount:
    """A platform file read into plain values, before any check against the rules or the database."""

    platform: str
    campaigns: dict[str, CampaignIn] = field(default_factory=dict)
    ad_groups: dict[tuple[str, str], tuple[int | None, str, int | None]] = field(default_factory=dict)
    keywords: list[KeywordIn] = field(default_factory=list)
    ads: list[AdIn] = field(default_factory=list)
    shared_lists: dict[str, int | None] = field(default_factory=dict)
    associations: list[tuple[int | None, str, str]] = field(default_factory=list)  # line, campaign, list
    # Rows of entity types the product does not model (locations, audiences, extensions ...): counted, not read.
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountImportResult:
    platform: str
    campaigns: int
    ad_groups: int
    keywords: int
    ads: int
    shared_lists: int
    created: int
    skipped: dict[str, int] = field(default_factory=dict)


def parse_money(value: str, line: int | None, column: str) -> int:
    try:
        amount = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise AccountImportError(
            gettext("%(value)s is not an amount") % {"value": repr(value)}, line=line, column=column
        ) from None
    micros = amount * 1_000_000
    if amount < 0 or micros != micros.to_integral_value():
        raise AccountImportError(
            gettext("%(value)s must be a non-negative amount with at most 6 decimals") % {"value": repr(value)},
            line=line,
            column=column,
        )
    return int(micros)


def read_text(data: bytes) -> str:
    """Editor exports are UTF-16 (tab-separated); hand-made files are usually UTF-8, with or without a BOM."""
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AccountImportError(gettext("the file is neither UTF-8 nor UTF-16 text")) from None


def csv_rows(text: str) -> list[list[str]]:
    first = text.split("\n", 1)[0]
    return list(csv.reader(io.StringIO(text), delimiter="\t" if "\t" in first else ","))
