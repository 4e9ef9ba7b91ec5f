"""Importing report files: all or nothing, re-imports of a date range replace rather than duplicate."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction

from campaigns.models import (
    AdGroup,
    BudgetType,
    Campaign,
    CampaignType,
    DailyMetric,
    Keyword,
    Organization,
    ReportImport,
    SearchTerm,
    SearchTermDaily,
    overlapping,
)
from campaigns.models.organizations import saved_user
from campaigns.models.structure import KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS
from campaigns.reports import ReportReader
from campaigns.services.import_digest import ReportDigest
from campaigns.services.matching_jobs import queue_matching
from campaigns.services.read_ahead import read_ahead
from campaigns.services.report_values import STATUS_SQL, budget_type, campaign_type, entity_status
from campaigns.services.staging import Staging, bulk_settings, indexes_built_after
from campaigns.services.staging import execute as _sql

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

UNKNOWN_WHEN_ABSENT = ("conversions", "conversion_value")
TOTAL_FIELDS = {
    "impressions": "impressions",
    "clicks": "clicks",
    "cost": "cost_micros",
    "conversions": "conversions",
    "conversion_value": "conversion_value_micros",
}


@dataclass(frozen=True)
class ReadProgress:
    """How far an import has got when a chunk of its rows is staged."""

    rows_read: int
    fraction_read: float  # of the file, 0 to 1


@dataclass(frozen=True)
class ImportResult:
    report_import_id: int
    kind: str
    platform: str
    rows: int
    date_from: date
    date_to: date
    campaigns_created: int
    ad_groups_created: int
    keywords_created: int
    rows_replaced: int
    segmented_by_day: bool = True
    totals: dict | None = None
    unknown_columns: tuple[str, ...] = ()


def import_report(
    organization: Organization,
    path: str | Path,
    *,
    user: User | AnonymousUser | None = None,
    decimal: str | None = None,
    platform: str | None = None,
    chunk_rows: int = 50_000,
    match_after: bool = True,
    filename: str | None = None,
    progress: Callable[[ReadProgress], None] | None = None,
) -> ImportResult:
    """Import one report file into the organization's account, or raise ReportError and write nothing.

    The rows stream into a temporary staging table, each chunk in its own short transaction, and ``progress`` (if
    given) is called after each chunk inside that transaction, so what it writes is visible to others as the import
    goes. Nothing reaches the account's tables until the last step, one transaction that moves every staged row
    home or none. A search-terms report queues a matching job (``campaigns.services.matching_jobs``) that starts
    once the import has committed.
    """
    path = Path(path)
    reader = ReportReader(path, decimal=decimal, chunk_rows=chunk_rows)
    layout = reader.layout
    platform = platform or layout.platform
    staging = Staging(
        layout.kind, periods=not layout.segmented_by_day, excluded="added_excluded" in layout.header.columns
    )
    digest = ReportDigest(layout, organization.name, organization.currency)
    staging.create()
    try:
        # Reading and checking the next chunk (polars) overlaps writing this one (the database driver): both let
        # go of the GIL, so on two cores the import takes the longer of the two, not their sum.
        chunks = (
            (digest.add(chunk), ReadProgress(reader.rows_read, reader.fraction_read)) for chunk in reader.chunks()
        )
        for rows, read in read_ahead(chunks):
            with transaction.atomic():
                staging.load(rows)
                if progress is not None:
                    progress(read)
        digest.check()
        assert digest.date_from is not None and digest.date_to is not None  # the reader refuses a file of no rows
        with transaction.atomic(), bulk_settings():
            # One import of an organization lands at a time: two overlapping files that finish together would each
            # delete the rows the other has not committed yet and both insert (summed on PostgreSQL). In turns,
            # the one that lands last replaces what it overlaps: the newest finished import's data wins.
            Organization.objects.select_for_update().filter(pk=organization.pk).first()
            report_import = ReportImport.objects.create(
                organization=organization,
                platform=platform,
                kind=layout.kind,
                filename=(filename or path.name)[:255],
                sha256=_sha256(path),
                rows=reader.rows_read,
                date_from=digest.date_from,
                date_to=digest.date_to,
                segmented_by_day=layout.segmented_by_day,
                totals=_totals(reader),
                unknown_columns=[name for name in UNKNOWN_WHEN_ABSENT if name not in layout.header.columns],
                created_by=saved_user(user),
            )
            result = _Writer(organization, platform, digest, staging, report_import).run()
            if match_after and layout.kind == "search_terms":
                queue_matching(organization, report_import)  # queued once this import has committed
    finally:
        staging.drop()
    return result


def _totals(reader: ReportReader) -> dict[str, dict]:
    """The file's total lines by label: what the rows must add up to.

    A report segmented by day, week or month can write a label's total once per period (its cell in the time
    column): those are summed, a figure unknown in any period being unknown in the sum. Otherwise the first line
    of a label is kept.
    """
    totals: dict[str, dict] = {}
    periods: dict[str, set[str]] = {}
    for line, label, period, figures in reader.totals:
        fields = {TOTAL_FIELDS[k]: v for k, v in figures.items()}
        if label not in totals:
            totals[label] = {"line": line, **fields}
            periods[label] = {period}
        elif period and period not in periods[label] and "" not in periods[label]:
            periods[label].add(period)
            kept = totals[label]
            for name, value in fields.items():
                kept[name] = None if kept[name] is None or value is None else _add(kept[name], value)
    for label, seen in periods.items():
        if len(seen) > 1:
            totals[label]["periods"] = len(seen)
    return totals


def _add(a: int | float, b: int | float) -> int | float:
    """Counts and micros add exactly; conversions (two decimals in the files) without float noise."""
    return a + b if isinstance(a, int) and isinstance(b, int) else round(a + b, 6)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _text(fact: object) -> str | None:
    """A campaign fact of a text column (``ReportDigest.campaigns``), for the type checker."""
    assert fact is None or isinstance(fact, str)
    return fact


def _micros(fact: object) -> int | None:
    """A campaign fact of a money column (the budget), for the type checker."""
    assert fact is None or isinstance(fact, int)
    return fact


_DAILY_COLUMNS = (
    "search_term_id, campaign_id, date, date_to, keyword_id, keyword_text, keyword_match_type, "
    "match_type, excluded, impressions, clicks, cost_micros, conversions, conversion_value_micros, "
    "report_import_id"
)
_ROW_KEY_CONSTRAINT = "searchtermdaily_unique_row"  # SearchTermDaily's unique row key (models/metrics.py)
# SQLite sums rows the file lists twice as it inserts them, through the unique row key: no sort of the staged
# rows first. PostgreSQL cannot update a row twice in one statement, so it sums them with GROUP BY (hashed).
_SQLITE_SUM_ON_CONFLICT = (
    "ON CONFLICT (search_term_id, date, keyword_text, keyword_match_type, match_type) DO UPDATE SET "
    "impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks, "
    "cost_micros = cost_micros + excluded.cost_micros, conversions = conversions + excluded.conversions, "
    "conversion_value_micros = conversion_value_micros + excluded.conversion_value_micros, "
    f"excluded = {SearchTermDaily._meta.db_table}.excluded OR excluded.excluded"
)


class _Writer:
    """Moves staged rows into the account tables with set-based SQL (inside the caller's transaction)."""

    def __init__(
        self,
        organization: Organization,
        platform: str,
        digest: ReportDigest,
        staging: Staging,
        report_import: ReportImport,
    ) -> None:
        self.organization = organization
        self.platform = platform
        self.digest = digest
        self.kind = digest.layout.kind
        self.staging = staging
        self.report_import = report_import

    def run(self) -> ImportResult:
        campaign_ids, campaigns_created = self._campaigns()
        ad_group_ids, ad_groups_created = self._ad_groups(campaign_ids)
        self.staging.load_groups(
            (group.key, campaign_ids[campaign], ad_group_ids.get((campaign, ad_group)))
            for (campaign, ad_group), group in self.digest.groups.items()
        )
        self.staging.analyze()
        keywords_created = self._keywords() if self.kind == "keyword" else 0
        date_from, date_to = self.digest.date_from, self.digest.date_to
        assert date_from is not None and date_to is not None
        # Every row, daily or period, that shares a day with the file is replaced: rows of one campaign and level
        # never overlap in time, so nothing downstream can count a day twice.
        ids = sorted(set(campaign_ids.values()))
        if self.kind == "search_terms":
            replaced, _ = SearchTermDaily.objects.filter(overlapping(date_from, date_to), campaign_id__in=ids).delete()
            self._search_terms()
        else:
            replaced, _ = DailyMetric.objects.filter(
                overlapping(date_from, date_to),
                organization=self.organization,
                level=self.kind,
                campaign_id__in=ids,
            ).delete()
            self._metrics()
        return ImportResult(
            report_import_id=self.report_import.pk,
            kind=self.kind,
            platform=self.platform,
            rows=self.report_import.rows,
            date_from=date_from,
            date_to=date_to,
            campaigns_created=campaigns_created,
            ad_groups_created=ad_groups_created,
            keywords_created=keywords_created,
            rows_replaced=replaced,
            segmented_by_day=self.report_import.segmented_by_day,
            totals=self.report_import.totals,
            unknown_columns=tuple(self.report_import.unknown_columns),
        )

    def _campaigns(self) -> tuple[dict[str, int], int]:
        created = 0
        ids: dict[str, int] = {}
        campaigns = Campaign.objects.filter(organization=self.organization, platform=self.platform)
        language = "es" if self.digest.layout.header.spanish else "en"
        for name, facts in self.digest.campaigns.items():
            external_id = str(facts["campaign_id"] or "")
            budget = _micros(facts["budget"])
            # Only a campaign report's status column is the campaign's; a keyword report's is the keyword's.
            status = entity_status(_text(facts["status"])) if self.kind == "campaign" else None
            kind = campaign_type(_text(facts["campaign_type"]))
            if kind is None and name in self.digest.campaigns_without_ad_groups:
                kind = CampaignType.PERFORMANCE_MAX  # the one kind whose search terms have no ad group
            period = budget_type(_text(facts["budget_type"]))
            shared_name = _text(facts["budget_name"]) if self.kind == "campaign" else None
            per_day = period != BudgetType.CAMPAIGN_TOTAL
            campaign = (external_id and campaigns.filter(external_id=external_id).first()) or campaigns.filter(
                name=name
            ).first()
            if campaign is None:
                campaign = Campaign.objects.create(
                    organization=self.organization,
                    platform=self.platform,
                    name=name,
                    external_id=external_id,
                    currency=_text(facts["currency"]) or self.organization.currency,
                    daily_budget_micros=(budget or 0) if per_day else 0,
                    budget_type=period or BudgetType.DAILY,
                    total_budget_micros=None if per_day else budget,
                    shared_budget_name=shared_name or "",
                    campaign_type=kind or "search",
                    status=status or "enabled",
                    language=language,
                )
                created += 1
            else:
                changed: dict[str, str | int | None] = {
                    "name": name,
                    "campaign_type": kind,
                    "status": status,
                    "budget_type": period,
                    # a campaign report names the budget of each campaign: "" when it is the campaign's own
                    "shared_budget_name": shared_name,
                }
                if not per_day:
                    changed["total_budget_micros"] = budget
                fields = [
                    field for field, value in changed.items() if value is not None and getattr(campaign, field) != value
                ]
                for field in fields:  # renamed on the platform (the id identifies it), paused, retyped ...
                    setattr(campaign, field, changed[field])
                if fields:
                    campaign.save(update_fields=[*fields, "updated_at"])
            ids[name] = campaign.pk
        return ids, created

    def _ad_groups(self, campaign_ids: dict[str, int]) -> tuple[dict[tuple[str, str], int], int]:
        """The rows' ad groups, created where new ((campaign, name) -> id); rows without one have none."""
        if self.kind == "campaign":
            return {}, 0
        named = {pair: group for pair, group in self.digest.groups.items() if pair[1]}
        # Only an ad group report's status column is the ad group's.
        status = (lambda text: entity_status(text) or "enabled") if self.kind == "ad_group" else (lambda _: "enabled")
        existing = AdGroup.objects.filter(campaign_id__in=set(campaign_ids.values()))
        before = existing.count()
        AdGroup.objects.bulk_create(
            [
                AdGroup(
                    campaign_id=campaign_ids[campaign],
                    name=name,
                    external_id=group.external_id,
                    status=status(group.status),
                )
                for (campaign, name), group in named.items()
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        names = {campaign_id: campaign for campaign, campaign_id in campaign_ids.items()}
        ids = {
            (names[campaign_id], name): pk
            for campaign_id, name, pk in existing.values_list("campaign_id", "name", "pk")
        }
        return ids, existing.count() - before

    def _keywords(self) -> int:
        return _sql(
            f"INSERT INTO {Keyword._meta.db_table} "
            "(organization_id, level, campaign_id, ad_group_id, external_id, text, match_type, negative, status) "
            "SELECT %s, 'ad_group', g.campaign_id, g.ad_group_id, '', s.keyword, "
            "CASE WHEN s.keyword_match_type = '' THEN 'broad' ELSE s.keyword_match_type END, %s, "
            f"{STATUS_SQL.format(column='MAX(s.status)')} "
            "FROM {staging} s JOIN {groups} g ON g.gkey = s.gkey WHERE g.ad_group_id IS NOT NULL "
            "GROUP BY g.campaign_id, g.ad_group_id, s.keyword, s.keyword_match_type ON CONFLICT DO NOTHING",
            [self.organization.pk, False],
        )

    def _keyword_join(self, kind: str) -> str:
        match = "COALESCE(NULLIF(s.keyword_match_type, ''), 'broad')" if kind == "keyword" else "s.keyword_match_type"
        return (
            f"JOIN {Keyword._meta.db_table} k ON k.ad_group_id = g.ad_group_id AND k.level = 'ad_group' "
            f"AND k.negative = %s AND LOWER(k.text) = LOWER(s.keyword) AND k.match_type = {match}"
        )

    def _search_terms(self) -> None:
        staging_join = "FROM {staging} s JOIN {groups} g ON g.gkey = s.gkey"
        # SQLite inserts the staged rows in the file's order: with the terms numbered in the order the file first
        # names them, the row key's index fills in order wherever a term's rows sit together (PostgreSQL sorts).
        first_named = "ORDER BY MIN(s.rowid) " if connection.vendor == "sqlite" else ""
        _sql(
            f"INSERT INTO {SearchTerm._meta.db_table} (organization_id, campaign_id, ad_group_id, text) "
            f"SELECT %s, g.campaign_id, g.ad_group_id, s.search_term {staging_join} "
            f"GROUP BY g.campaign_id, g.ad_group_id, s.search_term {first_named}ON CONFLICT DO NOTHING",
            [self.organization.pk],
        )
        self.staging.analyze(SearchTerm._meta.db_table)  # thousands of new terms: plan the join with them
        # Rows the platform lists apart stay apart (their key holds both match types); rows that differ only in
        # columns not stored (a device, a network) are summed, so the totals still reconcile with the file's.
        terms = SearchTerm._meta.db_table
        levels = [
            ("g.ad_group_id IS NOT NULL", f"JOIN {terms} t ON t.ad_group_id = g.ad_group_id AND t.text = s.search_term")
        ]
        if self.digest.campaign_level_groups:  # Performance Max: the terms belong to the campaign
            levels.append(
                (
                    "g.ad_group_id IS NULL",
                    f"JOIN {terms} t ON t.campaign_id = g.campaign_id "
                    "AND t.ad_group_id IS NULL AND t.text = s.search_term",
                )
            )
        date_to, excluded = self.staging.column("date_to", "NULL"), self.staging.column("excluded", "0")
        group = ", ".join(
            [
                "t.id",
                "g.campaign_id",
                "s.date",
                *([date_to] if date_to != "NULL" else []),
                "s.keyword",
                "s.keyword_match_type",
                "s.match_type",
            ]
        )
        # The table's other indexes are built after the rows when the file outnumbers the table's rows.
        with indexes_built_after(SearchTermDaily._meta.db_table, self.report_import.rows) as rebuilt:
            for where, term_join in levels:
                joins = f"{staging_join} {term_join} LEFT {self._keyword_join('search_terms')} WHERE {where}"
                if connection.vendor == "sqlite":
                    _sql(
                        f"INSERT INTO {SearchTermDaily._meta.db_table} ({_DAILY_COLUMNS}) "
                        f"SELECT t.id, g.campaign_id, s.date, {date_to}, k.id, s.keyword, s.keyword_match_type, "
                        f"s.match_type, {excluded} = 1, s.impressions, s.clicks, s.cost, s.conversions, "
                        f"s.conversion_value, %s {joins} {_SQLITE_SUM_ON_CONFLICT}",
                        [self.report_import.pk, False],
                    )
                elif self.digest.repeated_keys or not self._insert_unsummed(joins, date_to, excluded, not rebuilt):
                    _sql(
                        f"INSERT INTO {SearchTermDaily._meta.db_table} ({_DAILY_COLUMNS}) "
                        f"SELECT t.id, g.campaign_id, s.date, {date_to}, MIN(k.id), s.keyword, s.keyword_match_type, "
                        f"s.match_type, MAX({excluded}) = 1, SUM(s.impressions), SUM(s.clicks), SUM(s.cost), "
                        f"SUM(s.conversions), SUM(s.conversion_value), %s {joins} GROUP BY {group}",
                        [self.report_import.pk, False],
                    )
        if self.digest.any_excluded:
            self._excluded_as_negatives()

    def _insert_unsummed(self, joins: str, date_to: str, excluded: str, ordered: bool) -> bool:
        """PostgreSQL: the staged rows as they are, when no two share a row key; False (and nothing written) when
        two do after all, for the summing insert to take over.

        Summing a million rows (sort, then aggregate) costs PostgreSQL a fifth of the import, for the few files
        whose rows repeat a key. ``ordered``: the rows go in sorted by the unique key, whose index then fills in
        order, for a table much larger than the file (whose indexes stay); into a table smaller than the file the
        sort (in temporary files, for a million rows) costs more than it saves.
        A repeat that the digest could not see (in two chunks, or two keywords matched in another case) breaks
        the unique key, and the savepoint undoes the partial insert.
        """
        try:
            with transaction.atomic():
                _sql(
                    f"INSERT INTO {SearchTermDaily._meta.db_table} ({_DAILY_COLUMNS}) "
                    f"SELECT t.id, g.campaign_id, s.date, {date_to}, k.id, s.keyword, s.keyword_match_type, "
                    f"s.match_type, {excluded} = 1, s.impressions, s.clicks, s.cost, s.conversions, "
                    f"s.conversion_value, %s {joins}{' ORDER BY t.id, s.date' if ordered else ''}",
                    [self.report_import.pk, False],
                )
        except IntegrityError as exc:
            if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) != _ROW_KEY_CONSTRAINT:
                raise
            return False
        return True

    def _excluded_as_negatives(self) -> None:
        """A term the report marks "Excluded" is already a negative in the account: recorded as one (exact, in
        its ad group, or its campaign when it has none), so that matching never proposes it again."""
        _sql(
            f"INSERT INTO {Keyword._meta.db_table} "
            "(organization_id, level, campaign_id, ad_group_id, external_id, text, match_type, negative, status) "
            "SELECT DISTINCT %s, CASE WHEN g.ad_group_id IS NULL THEN 'campaign' ELSE 'ad_group' END, "
            "g.campaign_id, g.ad_group_id, '', s.search_term, 'exact', %s, 'enabled' "
            "FROM {staging} s JOIN {groups} g ON g.gkey = s.gkey "
            "WHERE s.excluded = 1 AND LENGTH(s.search_term) <= %s "
            # a term no keyword could be (too long, too many words, odd spacing) is left as an excluded row only
            "AND LENGTH(s.search_term) - LENGTH(REPLACE(s.search_term, ' ', '')) < %s "
            "AND s.search_term NOT LIKE '%%  %%' AND s.search_term NOT LIKE ' %%' AND s.search_term NOT LIKE '%% ' "
            "ON CONFLICT DO NOTHING",
            [self.organization.pk, True, KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS],
        )

    def _metrics(self) -> None:
        joins = "FROM {staging} s JOIN {groups} g ON g.gkey = s.gkey"
        date_to = self.staging.column("date_to", "NULL")
        ad_group, keyword = "NULL", "NULL"
        group = "g.campaign_id, s.date" + (", s.date_to" if date_to != "NULL" else "")
        params: list[object] = [self.organization.pk, self.kind, self.report_import.pk]
        if self.kind in ("ad_group", "keyword"):
            ad_group, group = "g.ad_group_id", group + ", g.ad_group_id"
        if self.kind == "keyword":
            joins += " " + self._keyword_join("keyword")
            keyword, group = "k.id", group + ", k.id"
            params.append(False)
        _sql(
            f"INSERT INTO {DailyMetric._meta.db_table} (organization_id, date, date_to, level, campaign_id, "
            "ad_group_id, keyword_id, ad_id, impressions, clicks, cost_micros, conversions, conversion_value_micros, "
            f"report_import_id) SELECT %s, s.date, {date_to}, %s, g.campaign_id, {ad_group}, {keyword}, NULL, "
            "SUM(s.impressions), SUM(s.clicks), SUM(s.cost), SUM(s.conversions), SUM(s.conversion_value), %s "
            f"{joins} GROUP BY {group}",
            params,
        )
