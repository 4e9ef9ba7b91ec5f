"""What each export leaves out, as the exports page lists it on every view: checked once per content of the
account, not once per view nor once per web process.

The checks read the whole live structure (campaigns, ad groups, keywords, ads, negative lists) and run every
platform's rules on it (11 ms on the load bench's demo organization, 20 ms in a new process). On PostgreSQL the page
asks the database, in one query, for a digest of exactly those rows and for the findings kept under that digest in
the page's language (:class:`~campaigns.models.ExportFindings`, one row per organization and language). Only when
none are kept are the checks run, and their findings kept in that row for every web process: kept in each process's
memory, as they were before, each of a deployment's processes checked the same account again on its first view, and
those first views were the page's slowest under load (bench/load_bench.py).

The digest is of each row's id and ``xmin`` (the transaction that wrote the row's current version), in id order,
table by table, and of the organization's own row (its currency, its blocked terms). Any insert, update or delete
committed since, however it was written (a queryset update, a bulk insert, raw SQL), gives another digest, and so
does writing back the same content: kept findings are never shown for content they were not checked on. Reading ids
and transaction numbers takes the database half the time of reading and hashing every row's text. A transaction's
own writes all carry its own number, so two of them to one row read alike: a transaction that has written anything
gets no digest, and checks again without keeping. Elsewhere (SQLite, the development default) the checks run on
every view.

The downloads never use this: a file and its left-out CSV are always checked from the database as they are written.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.utils import translation

from campaigns.exporters.account import load_account, read_structure
from campaigns.exporters.support import FormatSupport
from campaigns.exporters.validation import Problem
from campaigns.models import Ad, AdGroup, Campaign, ExportFindings, Keyword, NegativeKeywordList, Organization
from campaigns.services import page_sql

# Bump when the checks change what they find on the same content: it is part of the digest, so kept findings of
# older checks are not shown.
CHECKS_VERSION = 1


def left_out_by_format(
    organization: Organization, formats: Sequence[tuple[str, str, FormatSupport]]
) -> dict[str, list[Problem]]:
    """For each ``(kind, platform, support)``: what its file leaves out, as :func:`load_account` finds it."""
    language = translation.get_language() or ""
    digest, kept = _digest_and_kept(organization, language)
    if kept is not None and all(kind in kept for kind, _platform, _support in formats):
        return {kind: [Problem(**problem) for problem in kept[kind]] for kind, _platform, _support in formats}
    structure = read_structure(organization)
    found = {
        kind: load_account(organization, platform, None, support, structure).problems
        for kind, platform, support in formats
    }
    if digest is not None:
        _keep(organization, language, digest, found)
    return found


def _keep(organization: Organization, language: str, digest: str, found: dict[str, list[Problem]]) -> None:
    """Keep the findings under their digest: one row per organization and language, the newest checks win (two
    processes checking at once both write, with no error). An organization deleted meanwhile keeps nothing."""
    try:
        with transaction.atomic():
            ExportFindings.objects.bulk_create(
                [
                    ExportFindings(
                        organization=organization,
                        language=language,
                        digest=digest,
                        findings={
                            kind: [problem.as_dict() for problem in problems] for kind, problems in found.items()
                        },
                    )
                ],
                update_conflicts=True,
                unique_fields=["organization", "language"],
                update_fields=["digest", "findings", "checked_at"],
            )
    except IntegrityError:
        pass


def structure_digest(organization: Organization) -> str | None:
    """The checks' version and an md5 of the id and writing transaction of every row the checks read (and of the
    organization's own row); None off PostgreSQL, and in a transaction that has written anything (its writes all
    carry its own number)."""
    return _digest_and_kept(organization, "")[0]


def _digest_and_kept(organization: Organization, language: str) -> tuple[str | None, dict | None]:
    """The structure's digest and the findings kept under it in ``language`` (None when there are none)."""
    if connection.vendor != "postgresql":
        return None, None
    with connection.cursor() as cursor:
        cursor.execute(_digest_sql(), {"organization": organization.pk, "language": language})
        digest, kept = cursor.fetchone()
    return digest, None if kept is None else page_sql.from_db(ExportFindings, "findings", kept)


@functools.cache
def _digest_sql() -> str:
    """The digest's query, with the findings kept under it: the same text for every organization and language (the
    parameters), built once."""
    quote = connection.ops.quote_name
    campaigns, groups, ads, keywords, lists, organizations, findings = (
        quote(model._meta.db_table)
        for model in (Campaign, AdGroup, Ad, Keyword, NegativeKeywordList, Organization, ExportFindings)
    )
    through = quote(NegativeKeywordList.campaigns.through._meta.db_table)

    def rows(alias: str, source: str) -> str:
        # "id:xmin" per row, comma-separated, in id order: no two different sets of rows read alike
        return (
            f"coalesce((SELECT string_agg({alias}.id || ':' || {alias}.xmin, ',' ORDER BY {alias}.id)"
            f" FROM {source}), '')"
        )

    # Each table is read through its indexes, for this organization's ids only: = ANY(ARRAY(…)), which the planner
    # matches to an index where IN (subquery) scanned every tenant's rows, and a UNION where one row may be found
    # by any of several columns (an OR of them scanned the whole table). The query's time follows the size of this
    # account, not of the database.
    group_ids, campaign_ids, list_ids = (
        f"ANY(ARRAY(SELECT id FROM {cte}))" for cte in ("org_groups", "org_campaigns", "org_lists")
    )

    def any_of(table: str, alias: str, *conditions: str) -> str:
        # the rows of ``table`` that meet any of ``conditions``, each once, as a source named ``alias``
        union = " UNION ".join(f"SELECT id, xmin::text AS xmin FROM {table} WHERE {where}" for where in conditions)
        return f"({union}) {alias}"

    parts = [
        f"(SELECT o.xmin::text FROM {organizations} o WHERE o.id = %(organization)s)",
        rows("c", "org_campaigns c"),
        rows("g", "org_groups g"),
        rows("a", f"{ads} a WHERE a.ad_group_id = {group_ids}"),
        rows(
            "k",
            any_of(
                keywords,
                "k",
                "organization_id = %(organization)s",
                f"ad_group_id = {group_ids}",
                f"campaign_id = {campaign_ids}",
                f"shared_list_id = {list_ids}",
            ),
        ),
        rows("l", "org_lists l"),
        rows("m", any_of(through, "m", f"campaign_id = {campaign_ids}", f"negativekeywordlist_id = {list_ids}")),
    ]
    return f"""
        WITH org_campaigns AS (SELECT id, xmin FROM {campaigns} WHERE organization_id = %(organization)s),
             org_groups AS (SELECT id, xmin FROM {groups} WHERE campaign_id = {campaign_ids}),
             org_lists AS (SELECT id, xmin FROM {lists} WHERE organization_id = %(organization)s),
             digest AS MATERIALIZED (  -- computed once, then matched to the kept findings
                 SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL
                        THEN '{CHECKS_VERSION}:' || md5(concat_ws('/', {", ".join(parts)})) END AS value
             )
        SELECT digest.value, kept.findings FROM digest
        LEFT JOIN {findings} kept
            ON kept.organization_id = %(organization)s AND kept.language = %(language)s AND kept.digest = digest.value
    """
