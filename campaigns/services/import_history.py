"""The record of imports as the Imports page lists it: which import's rows the pages show, and which a newer import
of the same kind replaced (an import replaces every row of the campaigns and days it shares with older ones)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.contrib.auth import get_user_model

from campaigns.models import DailyMetric, Organization, ReportImport, ReportKind, SearchTermDaily
from campaigns.services.page_sql import table


def import_history(organization: Organization, limit: int = 20) -> Sequence[ReportImport]:
    """The latest ``limit`` imports, newest first, each with ``in_use`` (some of its rows are still the ones shown),
    ``replaced_by`` (the newest later import of the same kind whose dates overlap its own, or None) and
    ``created_by_username`` (None once the user is gone); one query, in SQL (the ORM's building of it was nine
    tenths of its time), the columns the page lists only."""
    history = list(ReportImport.objects.raw(_history_sql(), [ReportKind.SEARCH_TERMS.value, organization.pk, limit]))
    for i, report in enumerate(history):
        report.in_use = bool(report.in_use)  # SQLite's EXISTS is 0 or 1
        # ``history`` is newest first: the newer imports are the ones before this one
        report.replaced_by = next(
            (
                newer
                for newer in history[:i]
                if newer.kind == report.kind and newer.date_from <= report.date_to and newer.date_to >= report.date_from
            ),
            None,
        )
    return history


@functools.cache
def _history_sql() -> str:
    # an import's rows are still shown while any row it wrote is left: search-term rows for a search terms
    # report, metric rows for the others
    return (
        "SELECT r.id, r.kind, r.platform, r.filename, r.rows, r.date_from, r.date_to, r.created_at, "
        "u.username AS created_by_username, CASE WHEN r.kind = %s "
        f"THEN EXISTS (SELECT 1 FROM {table(SearchTermDaily)} d WHERE d.report_import_id = r.id) "
        f"ELSE EXISTS (SELECT 1 FROM {table(DailyMetric)} d WHERE d.report_import_id = r.id) END AS in_use "
        f"FROM {table(ReportImport)} r LEFT JOIN {table(get_user_model())} u ON u.id = r.created_by_id "
        "WHERE r.organization_id = %s ORDER BY r.created_at DESC, r.id DESC LIMIT %s"
    )
