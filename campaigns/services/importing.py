"""Importing report files: all or nothing, re-imports of a date range replace rather than duplicate."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from campaigns.models import (
    AdGroup,
    BudgetType,
    Campaign,
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
from campaigns.reports import ReportError, ReportReader
from campaigns.reports.errors import shown
from campaigns.reports.reader import ReportLayout
from campaigns.services import queue, staging
from campaigns.services.report_values import EXCLUDED_SQL, STATUS_SQL, budget_type, campaign_type, entity_status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

TEXT_LIMITS = {"campaign": 255, "ad_group": 255, "search_term": 500, "keyword": 255, "currency": 3,
               "campaign_ext": 64, "ad_group_ext": 64}
UNKNOWN_WHEN_ABSENT = ("conversions", "conversion_value")
TOTAL_FIELDS = {"impressions": "impressions", "clicks": "clicks", "cost": "cost_micros", "conversions": "conversions",
                "conversion_value": "conversion_value_micros"}


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
    progress: Callable[[ReportReader], None] | None = None,
) -> ImportResult:
    """Import one report file into the organization's account, or raise ReportError and write nothing.

    The rows stream into a temporary staging table, each chunk in its own short transaction, and ``progress`` (if
    given) is called after each chunk inside that transaction, so what it writes is visible to others as the import
    goes. Nothing reaches the account's tables until the last step, one transaction that moves every staged row
    home or none. A search-terms report queues the matching of the new terms once the import has committed.
    """
    path = Path(path)
    reader = ReportReader(path, decimal=decimal, chunk_rows=chunk_rows)
    layout = reader.layout
    platform = platform or layout.platform
    staging.create()
    try:
        for chunk in reader.chunks():
            with transaction.atomic():
                staging.load(chunk)
                if progress is not None:
                    progress(reader)
        with transaction.atomic():
            result = _move_home(organization, path, reader, platform, user, filename or path.name)
            if match_after and layout.kind == "search_terms":
                organization_id = organization.pk
                transaction.on_commit(lambda: queue.delay("campaigns.tasks.match_search_terms", organization_id))
    finally:
        staging.drop()
    return result


def _move_home(organization: Organization, path: Path, reader: ReportReader, platform: str,
               user: User | AnonymousUser | None,
               filename: str) -> ImportResult:
    """Checks that need every row, then the rows into the account's tables (inside the caller's transaction)."""
    layout = reader.layout
    _check_staged(layout)
    _check_currency(organization, layout)
    if layout.segmented_by_day:
        (date_from, date_to), = staging.fetch("SELECT MIN(date), MAX(date) FROM {staging}")
        date_from, date_to = _as_date(date_from), _as_date(date_to)
        period_end = None
    else:
        assert layout.period is not None
        date_from, date_to = layout.period
        period_end = date_to
    report_import = ReportImport.objects.create(
        organization=organization, platform=platform, kind=layout.kind, filename=filename[:255],
        sha256=_sha256(path), rows=reader.rows_read, date_from=date_from, date_to=date_to,
        segmented_by_day=layout.segmented_by_day, totals=_totals(reader),
        unknown_columns=[name for name in UNKNOWN_WHEN_ABSENT if name not in layout.header.columns],
        created_by=saved_user(user),
    )
    writer = _Writer(organization, platform, layout.kind, layout.header.spanish, report_import, period_end)
    return writer.run(date_from, date_to)


def _totals(reader: ReportReader) -> dict[str, dict]:
    """The file's total lines by label, the first of each label: what the rows must add up to."""
    totals: dict[str, dict] = {}
    for line, label, figures in reader.totals:
        totals.setdefault(label, {"line": line, **{TOTAL_FIELDS[k]: v for k, v in figures.items()}})
    return totals


def _check_currency(organization: Organization, layout: ReportLayout) -> None:
    rows = staging.fetch("SELECT currency, MIN(line) FROM {staging} WHERE currency <> '' AND currency <> %s "
                         "GROUP BY currency ORDER BY 2 LIMIT 1", [organization.currency])
    if rows:
        currency, line = rows[0]
        raise ReportError(
            f"this {layout.kind_words} is in {shown(currency, 12)} but {organization.name} keeps its money in "
            f"{organization.currency}, and amounts in two currencies cannot be added up; import the reports of an "
            f"account in {organization.currency}, or set the organization's currency first",
            line=line, column=_safe_column(layout.column_name, "currency"),
        )


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _check_staged(layout: ReportLayout) -> None:
    """Checks that need the whole file: over-long values. Rows the platform lists apart are summed, not refused."""
    column_name = layout.column_name
    for name, limit in TEXT_LIMITS.items():
        rows = staging.fetch(f"SELECT line, {name} FROM {{staging}} WHERE LENGTH({name}) > %s ORDER BY line LIMIT 1",
                             [limit])
        if rows:
            named = {"campaign_ext": "campaign_id", "ad_group_ext": "ad_group_id"}.get(name, name)
            raise ReportError(f"{rows[0][1][:40]!r}… is longer than {limit} characters in this {layout.kind_words}",
                              line=rows[0][0], column=_safe_column(column_name, named))
    if layout.kind == "keyword":
        for text, line in staging.fetch("SELECT keyword, MIN(line) FROM {staging} GROUP BY keyword"):
            if len(text) > KEYWORD_MAX_CHARS or len(text.split()) > KEYWORD_MAX_WORDS:
                raise ReportError(
                    f"keyword {shown(text)} breaks the platforms' limit of {KEYWORD_MAX_CHARS} characters and "
                    f"{KEYWORD_MAX_WORDS} words", line=line, column=_safe_column(column_name, "keyword"),
                )


def _safe_column(column_name, name: str) -> str:
    try:
        return column_name(name)
    except KeyError:
        return name


class _Writer:
    """Moves staged rows into the account tables with set-based SQL."""

    def __init__(self, organization: Organization, platform: str, kind: str, spanish: bool,
                 report_import: ReportImport, period_end: date | None) -> None:
        self.organization = organization
        self.period_end = period_end  # None: the rows are days; else each row runs from its date to this day
        self.platform = platform
        self.kind = kind
        self.spanish = spanish
        self.report_import = report_import
        self.campaign_join = (
            f"JOIN {Campaign._meta.db_table} c ON c.organization_id = %s AND c.platform = %s AND c.name = s.campaign"
        )
        self.ad_group_join = f"JOIN {AdGroup._meta.db_table} g ON g.campaign_id = c.id AND g.name = s.ad_group"

    def run(self, date_from: date, date_to: date) -> ImportResult:
        campaign_ids, campaigns_created = self._campaigns()
        ad_groups_created = self._ad_groups() if self.kind != "campaign" else 0
        keywords_created = self._keywords() if self.kind == "keyword" else 0
        # Every row, daily or period, that shares a day with the file is replaced: rows of one campaign and level
        # never overlap in time, so nothing downstream can count a day twice.
        if self.kind == "search_terms":
            replaced, _ = SearchTermDaily.objects.filter(
                overlapping(date_from, date_to), campaign_id__in=campaign_ids
            ).delete()
            self._search_terms()
        else:
            replaced, _ = DailyMetric.objects.filter(
                overlapping(date_from, date_to), organization=self.organization, level=self.kind,
                campaign_id__in=campaign_ids,
            ).delete()
            self._metrics()
        return ImportResult(
            report_import_id=self.report_import.pk, kind=self.kind, platform=self.platform,
            rows=self.report_import.rows, date_from=date_from, date_to=date_to,
            campaigns_created=campaigns_created, ad_groups_created=ad_groups_created,
            keywords_created=keywords_created, rows_replaced=replaced,
            segmented_by_day=self.period_end is None, totals=self.report_import.totals,
            unknown_columns=tuple(self.report_import.unknown_columns),
        )

    def _campaigns(self) -> tuple[list[int], int]:
        created = 0
        ids = []
        campaigns = Campaign.objects.filter(organization=self.organization, platform=self.platform)
        staged = staging.fetch(
            "SELECT campaign, MAX(campaign_ext), MAX(currency), MAX(budget), MAX(campaign_type), MAX(budget_type), "
            "MAX(status) FROM {staging} GROUP BY campaign"
        )
        for name, external_id, currency, budget, type_text, budget_text, status_text in staged:
            # Only a campaign report's status column is the campaign's; a keyword report's is the keyword's.
            status = entity_status(status_text) if self.kind == "campaign" else None
            kind, period = campaign_type(type_text), budget_type(budget_text)
            per_day = period != BudgetType.CAMPAIGN_TOTAL
            campaign = (external_id and campaigns.filter(external_id=external_id).first()) or campaigns.filter(
                name=name
            ).first()
            if campaign is None:
                campaign = Campaign.objects.create(
                    organization=self.organization, platform=self.platform, name=name, external_id=external_id,
                    currency=currency or self.organization.currency,
                    daily_budget_micros=(budget or 0) if per_day else 0,
                    budget_type=period or BudgetType.DAILY, total_budget_micros=None if per_day else budget,
                    campaign_type=kind or "search", status=status or "enabled",
                    language="es" if self.spanish else "en",
                )
                created += 1
            else:
                changed = {"name": name, "campaign_type": kind, "status": status, "budget_type": period}
                if not per_day:
                    changed["total_budget_micros"] = budget
                fields = [field for field, value in changed.items()
                          if value is not None and getattr(campaign, field) != value]
                for field in fields:  # renamed on the platform (the id identifies it), paused, retyped ...
                    setattr(campaign, field, changed[field])
                if fields:
                    campaign.save(update_fields=[*fields, "updated_at"])
            ids.append(campaign.pk)
        return ids, created

    def _ad_groups(self) -> int:
        status = STATUS_SQL.format(column="MAX(s.status)") if self.kind == "ad_group" else "'enabled'"
        return staging.execute(
            f"INSERT INTO {AdGroup._meta.db_table} (campaign_id, name, external_id, status) "
            f"SELECT c.id, s.ad_group, MAX(s.ad_group_ext), {status} FROM {{staging}} s {self.campaign_join} "
            "WHERE 1 = 1 GROUP BY c.id, s.ad_group ON CONFLICT DO NOTHING",
            [self.organization.pk, self.platform],
        )

    def _keywords(self) -> int:
        return staging.execute(
            f"INSERT INTO {Keyword._meta.db_table} "
            "(organization_id, level, campaign_id, ad_group_id, external_id, text, match_type, negative, status) "
            "SELECT %s, 'ad_group', c.id, g.id, '', s.keyword, "
            "CASE WHEN s.keyword_match_type = '' THEN 'broad' ELSE s.keyword_match_type END, %s, "
            f"{STATUS_SQL.format(column='MAX(s.status)')} "
            f"FROM {{staging}} s {self.campaign_join} {self.ad_group_join} WHERE 1 = 1 "
            "GROUP BY c.id, g.id, s.keyword, s.keyword_match_type ON CONFLICT DO NOTHING",
            [self.organization.pk, False, self.organization.pk, self.platform],
        )

    def _keyword_join(self, kind: str) -> str:
        match = "COALESCE(NULLIF(s.keyword_match_type, ''), 'broad')" if kind == "keyword" else "s.keyword_match_type"
        return (
            f"JOIN {Keyword._meta.db_table} k ON k.ad_group_id = g.id AND k.level = 'ad_group' AND k.negative = %s "
            f"AND LOWER(k.text) = LOWER(s.keyword) AND k.match_type = {match}"
        )

    def _search_terms(self) -> None:
        org, platform = self.organization.pk, self.platform
        staging.execute(
            f"INSERT INTO {SearchTerm._meta.db_table} (organization_id, campaign_id, ad_group_id, text) "
            f"SELECT DISTINCT %s, c.id, g.id, s.search_term FROM {{staging}} s {self.campaign_join} "
            f"{self.ad_group_join} WHERE 1 = 1 ON CONFLICT DO NOTHING",
            [org, org, platform],
        )
        # Rows the platform lists apart stay apart (their key holds both match types); rows that differ only in
        # columns not stored (a device, a network) are summed, so the totals still reconcile with the file's.
        staging.execute(
            f"INSERT INTO {SearchTermDaily._meta.db_table} (search_term_id, campaign_id, date, date_to, keyword_id, "
            "keyword_text, keyword_match_type, match_type, excluded, impressions, clicks, cost_micros, conversions, "
            "conversion_value_micros, report_import_id) "
            "SELECT t.id, c.id, s.date, %s, MIN(k.id), s.keyword, s.keyword_match_type, s.match_type, "
            f"MAX({EXCLUDED_SQL.format(column='s.added_excluded')}) = 1, SUM(s.impressions), SUM(s.clicks), "
            "SUM(s.cost), SUM(s.conversions), SUM(s.conversion_value), %s "
            f"FROM {{staging}} s {self.campaign_join} {self.ad_group_join} "
            f"JOIN {SearchTerm._meta.db_table} t ON t.ad_group_id = g.id AND t.text = s.search_term "
            f"LEFT {self._keyword_join('search_terms')} "
            "GROUP BY t.id, c.id, s.date, s.keyword, s.keyword_match_type, s.match_type",
            [self.period_end, self.report_import.pk, org, platform, False],
        )
        self._excluded_as_negatives()

    def _excluded_as_negatives(self) -> None:
        """A term the report marks "Excluded" is already a negative in the account: recorded as one (exact, in
        its ad group), so that matching never proposes it again."""
        staging.execute(
            f"INSERT INTO {Keyword._meta.db_table} "
            "(organization_id, level, campaign_id, ad_group_id, external_id, text, match_type, negative, status) "
            "SELECT DISTINCT %s, 'ad_group', c.id, g.id, '', s.search_term, 'exact', %s, 'enabled' "
            f"FROM {{staging}} s {self.campaign_join} {self.ad_group_join} "
            f"WHERE {EXCLUDED_SQL.format(column='s.added_excluded')} = 1 AND LENGTH(s.search_term) <= %s "
            # a term no keyword could be (too long, too many words, odd spacing) is left as an excluded row only
            "AND LENGTH(s.search_term) - LENGTH(REPLACE(s.search_term, ' ', '')) < %s "
            "AND s.search_term NOT LIKE '%%  %%' AND s.search_term NOT LIKE ' %%' AND s.search_term NOT LIKE '%% ' "
            "ON CONFLICT DO NOTHING",
            [self.organization.pk, True, self.organization.pk, self.platform, KEYWORD_MAX_CHARS,
             KEYWORD_MAX_WORDS],
        )

    def _metrics(self) -> None:
        joins = self.campaign_join
        ad_group, keyword, group = "NULL", "NULL", "c.id, s.date"
        params: list[object] = [self.organization.pk, self.period_end, self.kind, self.report_import.pk,
                                self.organization.pk, self.platform]
        if self.kind in ("ad_group", "keyword"):
            joins += " " + self.ad_group_join
            ad_group, group = "g.id", group + ", g.id"
        if self.kind == "keyword":
            joins += " " + self._keyword_join("keyword")
            keyword, group = "k.id", group + ", k.id"
            params.append(False)
        staging.execute(
            f"INSERT INTO {DailyMetric._meta.db_table} (organization_id, date, date_to, level, campaign_id, "
            "ad_group_id, keyword_id, ad_id, impressions, clicks, cost_micros, conversions, conversion_value_micros, "
            f"report_import_id) SELECT %s, s.date, %s, %s, c.id, {ad_group}, {keyword}, NULL, SUM(s.impressions), "
            f"SUM(s.clicks), SUM(s.cost), SUM(s.conversions), SUM(s.conversion_value), %s FROM {{staging}} s {joins} "
            f"GROUP BY {group}",
            params,
        )
