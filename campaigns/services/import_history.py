"""The record of imports as the Imports page lists it: which import's rows the pages show, and which a newer import
of the same kind replaced (an import replaces every row of the campaigns and days it shares with older ones)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import BooleanField, Case, Exists, OuterRef, When

from campaigns.models import DailyMetric, Organization, ReportImport, ReportKind, SearchTermDaily

# what the page lists of each import: not its totals or unknown columns (JSON, read by the dashboard), nor every
# column of its user (half the time of this query was Django building it)
LISTED = ("kind", "platform", "filename", "rows", "date_from", "date_to", "created_at", "created_by__username")


def import_history(organization: Organization, limit: int = 20) -> Sequence[ReportImport]:
    """The latest ``limit`` imports, newest first, each with ``in_use`` (some of its rows are still the ones shown)
    and ``replaced_by`` (the newest later import of the same kind whose dates overlap its own, or None); one query.
    """
    term_rows = SearchTermDaily.objects.filter(report_import=OuterRef("pk"))
    metric_rows = DailyMetric.objects.filter(report_import=OuterRef("pk"))
    in_use = Case(
        When(kind=ReportKind.SEARCH_TERMS, then=Exists(term_rows)),
        default=Exists(metric_rows),
        output_field=BooleanField(),
    )
    history = list(
        ReportImport.objects.filter(organization=organization)
        .select_related("created_by")
        .only(*LISTED)
        .annotate(rows_shown=in_use)
        .order_by("-created_at", "-pk")[:limit]
    )
    for i, report in enumerate(history):
        report.in_use = report.rows_shown
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
