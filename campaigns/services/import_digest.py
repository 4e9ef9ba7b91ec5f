"""What an import must know about all of a report's rows, gathered one chunk at a time while they stream in.

The campaigns and ad groups the rows name (a few thousand at most, whatever the file's length), the days they
cover, and the first row that breaks a rule that can only be judged once the whole file has been read (too long
a value, another currency, a keyword over the platforms' limits). Each chunk leaves as the rows to stage, with
its campaign and ad group as one integer key; the final statements then scan the staged rows once, not once
per question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl
from django.utils.translation import gettext as _

from campaigns.models.structure import KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS
from campaigns.reports import ReportError
from campaigns.reports.errors import shown
from campaigns.reports.reader import ReportLayout
from campaigns.services.report_values import EXCLUDED_WORDS

# Staged text columns and their limits (the reader's names: "campaign_id" is the campaign's id on the platform).
TEXT_LIMITS = {
    "campaign": 255,
    "ad_group": 255,
    "search_term": 500,
    "keyword": 255,
    "currency": 3,
    "campaign_id": 64,
    "ad_group_id": 64,
    "budget_name": 255,
}
# A campaign's attributes as the file gives them: the largest value over its rows, as SQL's MAX would give.
CAMPAIGN_FACTS = ("campaign_id", "currency", "budget", "campaign_type", "budget_type", "budget_name", "status")
# A search-term row's key in the account (its ad group, term, day and match types): rows of one key are summed.
ROW_KEY = ("gkey", "search_term", "date", "date_to", "keyword", "keyword_match_type", "match_type")


@dataclass
class Group:
    key: int
    external_id: str = ""
    status: str = ""


@dataclass
class ReportDigest:
    layout: ReportLayout
    organization_name: str
    currency: str  # the organization's
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)  # (campaign, ad group) -> group
    campaigns: dict[str, dict[str, object]] = field(default_factory=dict)  # campaign -> CAMPAIGN_FACTS
    date_from: date | None = None
    date_to: date | None = None
    any_excluded: bool = False
    # Some rows of one chunk share a row key (rows split by a column not stored, such as the device): the final
    # insert must sum them. False says nothing of rows in different chunks; the database's unique key catches those.
    repeated_keys: bool = False
    _too_long: dict[str, tuple[int, str]] = field(default_factory=dict)  # column -> (line, value), the first
    _other_currency: tuple[int, str] | None = None
    _keyword_over_limits: tuple[int, str] | None = None

    def add(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Take in one validated chunk; return it with ``gkey`` (and ``excluded``) for staging."""
        self._note_checks(frame)
        first, last = frame.select(pl.col("date").min(), pl.coalesce("date_to", "date").max()).row(0)
        self.date_from = first if self.date_from is None else min(self.date_from, first)
        self.date_to = last if self.date_to is None else max(self.date_to, last)
        self._note_campaigns(frame)
        keys = self._note_groups(frame)
        frame = frame.join(keys, on=["campaign", "ad_group"], how="left", maintain_order="left")
        if "added_excluded" in frame.columns:
            excluded = pl.col("added_excluded").str.to_lowercase().str.contains("|".join(EXCLUDED_WORDS))
            frame = frame.with_columns(excluded.cast(pl.Int16).alias("excluded"))
            self.any_excluded = self.any_excluded or bool(frame["excluded"].max())
        if self.layout.kind == "search_terms" and not self.repeated_keys:
            # Equal rows hash alike, so fewer distinct hashes than rows is the only way a repeat can show; a
            # collision only costs the summing insert.
            key = pl.struct(name for name in ROW_KEY if name in frame.columns).hash()
            self.repeated_keys = frame.select(key.n_unique()).item() < frame.height
        return frame

    @property
    def campaigns_without_ad_groups(self) -> set[str]:
        """Campaigns whose search terms come without an ad group (Performance Max): the terms are the campaign's."""
        if self.layout.kind != "search_terms":
            return set()
        return {campaign for campaign, ad_group in self.groups if ad_group == ""}

    @property
    def campaign_level_groups(self) -> bool:
        return bool(self.campaigns_without_ad_groups)

    def check(self) -> None:
        """Raise the error the whole file earned, naming the first row that broke the rule."""
        layout = self.layout
        for name, limit in TEXT_LIMITS.items():
            if name in self._too_long:
                line, value = self._too_long[name]
                raise ReportError(
                    _("%(start)s… is longer than %(limit)s characters in this %(report)s")
                    % {"start": repr(value[:40]), "limit": limit, "report": layout.kind_words},
                    line=line,
                    column=_column(layout, name),
                )
        if self._keyword_over_limits is not None:
            line, text = self._keyword_over_limits
            raise ReportError(
                _("keyword %(keyword)s breaks the platforms' limit of %(chars)s characters and %(words)s words")
                % {"keyword": shown(text), "chars": KEYWORD_MAX_CHARS, "words": KEYWORD_MAX_WORDS},
                line=line,
                column=_column(layout, "keyword"),
            )
        if self._other_currency is not None:
            line, currency = self._other_currency
            raise ReportError(
                _(
                    "this %(report)s is in %(found)s but %(organization)s keeps its money in %(currency)s, and "
                    "amounts in two currencies cannot be added up; import the reports of an account in "
                    "%(currency)s, or set the organization's currency first"
                )
                % {
                    "report": layout.kind_words,
                    "found": shown(currency, 12),
                    "organization": self.organization_name,
                    "currency": self.currency,
                },
                line=line,
                column=_column(layout, "currency"),
            )

    def _note_checks(self, frame: pl.DataFrame) -> None:
        longest = frame.select(pl.col(name).str.len_chars().max() for name in TEXT_LIMITS).row(0, named=True)
        for name, limit in TEXT_LIMITS.items():
            if name not in self._too_long and (longest[name] or 0) > limit:
                row = frame.filter(pl.col(name).str.len_chars() > limit).row(0, named=True)
                self._too_long[name] = (row["_line"], row[name])
        if self._other_currency is None:
            other = frame.filter((pl.col("currency") != "") & (pl.col("currency") != self.currency))
            if other.height:
                self._other_currency = (other["_line"][0], other["currency"][0])
        if self.layout.kind == "keyword" and self._keyword_over_limits is None:
            words = pl.col("keyword").str.count_matches(r"\S+")
            over = frame.filter((pl.col("keyword").str.len_chars() > KEYWORD_MAX_CHARS) | (words > KEYWORD_MAX_WORDS))
            if over.height:
                self._keyword_over_limits = (over["_line"][0], over["keyword"][0])

    def _note_campaigns(self, frame: pl.DataFrame) -> None:
        present = [name for name in CAMPAIGN_FACTS if name in self.layout.header.columns]  # the rest is empty
        facts = frame.group_by("campaign").agg(pl.col(name).max() for name in present)
        for row in facts.iter_rows(named=True):
            name = row.pop("campaign")
            known = self.campaigns.setdefault(name, dict.fromkeys(CAMPAIGN_FACTS))
            for fact, value in row.items():
                if value is not None and (known[fact] is None or value > known[fact]):
                    known[fact] = value

    def _note_groups(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The chunk's (campaign, ad group) pairs with their keys, new pairs numbered as they first appear."""
        columns = self.layout.header.columns
        pairs = frame.group_by("campaign", "ad_group", maintain_order=True).agg(
            pl.col(name).max() if name in columns else pl.lit("").alias(name) for name in ("ad_group_id", "status")
        )
        keys = []
        for campaign, ad_group, external_id, status in pairs.iter_rows():
            group = self.groups.get((campaign, ad_group))
            if group is None:
                group = self.groups[(campaign, ad_group)] = Group(key=len(self.groups) + 1)
            group.external_id = max(group.external_id, external_id or "")
            group.status = max(group.status, status or "")
            keys.append(group.key)
        return pairs.select("campaign", "ad_group").with_columns(pl.Series("gkey", keys, dtype=pl.Int64))


def _column(layout: ReportLayout, name: str) -> str:
    try:
        return layout.column_name(name)
    except KeyError:
        return name
