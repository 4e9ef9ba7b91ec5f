"""What each export leaves out, as the exports page lists it on every view: checked once per content of the
account, not once per view.

The checks read the whole live structure (campaigns, ad groups, keywords, ads, negative lists) and run every
platform's rules on it: on PostgreSQL the page first asks the database for a digest of exactly those rows in one
query, and the findings are kept in Django's cache under that digest and the language they are written in.

The digest is of each row's id and ``xmin`` (the transaction that wrote the row's current version), in id order,
table by table, and of the organization's own row (its currency, its blocked terms). Any insert, update or delete
committed since, however it was written (a queryset update, a bulk insert, raw SQL), gives another digest, and so
does writing back the same content: a kept list is never shown for content it was not checked on. Reading ids and
transaction numbers takes the database half the time of reading and hashing every row's text, as the page did
before. A transaction's own writes all carry its own number, so two of them to one row read alike: a transaction that
has written anything gets no digest and checks again. Elsewhere (SQLite, the development default) the checks run on
every view.

The downloads never use this: a file and its left-out CSV are always checked from the database as they are written.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.core.cache import cache
from django.db import connection
from django.utils import translation

from campaigns.exporters.account import load_account, read_structure
from campaigns.exporters.support import FormatSupport
from campaigns.exporters.validation import Problem
from campaigns.models import Ad, AdGroup, Campaign, Keyword, NegativeKeywordList, Organization

# Bump when the checks change what they find on the same content (a cache shared across deploys keeps old keys).
CHECKS_VERSION = 1
KEEP_SECONDS = 3600


def left_out_by_format(
    organization: Organization, formats: Sequence[tuple[str, str, FormatSupport]]
) -> dict[str, list[Problem]]:
    """For each ``(kind, platform, support)``: what its file leaves out, as :func:`load_account` finds it."""
    digest = structure_digest(organization)
    key = f"left-out:{CHECKS_VERSION}:{organization.pk}:{translation.get_language()}:{digest}"
    if digest is not None:
        kept = cache.get(key)
        if kept is not None:
            return kept
    structure = read_structure(organization)
    found = {
        kind: load_account(organization, platform, None, support, structure).problems
        for kind, platform, support in formats
    }
    if digest is not None:
        cache.set(key, found, KEEP_SECONDS)
    return found


def structure_digest(organization: Organization) -> str | None:
    """An md5 of the id and writing transaction of every row the checks read (and of the organization's own row);
    None off PostgreSQL, and in a transaction that has written anything (its writes all carry its own number)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_digest_sql(), {"organization": organization.pk})
        return cursor.fetchone()[0]


@functools.cache
def _digest_sql() -> str:
    """The digest's query: the same text for every organization (its id is the parameter), built once."""
    quote = connection.ops.quote_name
    campaigns, groups, ads, keywords, lists, organizations = (
        quote(model._meta.db_table) for model in (Campaign, AdGroup, Ad, Keyword, NegativeKeywordList, Organization)
    )
    through = quote(NegativeKeywordList.campaigns.through._meta.db_table)

    def rows(alias: str, source: str) -> str:
        # "id:xmin" per row, comma-separated, in id order: no two different sets of rows read alike
        return (
            f"coalesce((SELECT string_agg({alias}.id || ':' || {alias}.xmin, ',' ORDER BY {alias}.id)"
            f" FROM {source}), '')"
        )

    parts = [
        f"(SELECT o.xmin::text FROM {organizations} o WHERE o.id = %(organization)s)",
        rows("c", "org_campaigns c"),
        rows("g", "org_groups g"),
        rows("a", f"{ads} a WHERE a.ad_group_id IN (SELECT id FROM org_groups)"),
        rows(
            "k",
            f"{keywords} k WHERE k.organization_id = %(organization)s"
            " OR k.ad_group_id IN (SELECT id FROM org_groups)"
            " OR k.campaign_id IN (SELECT id FROM org_campaigns)"
            " OR k.shared_list_id IN (SELECT id FROM org_lists)",
        ),
        rows("l", "org_lists l"),
        rows(
            "m",
            f"{through} m WHERE m.campaign_id IN (SELECT id FROM org_campaigns)"
            " OR m.negativekeywordlist_id IN (SELECT id FROM org_lists)",
        ),
    ]
    return f"""
        WITH org_campaigns AS (SELECT id, xmin FROM {campaigns} WHERE organization_id = %(organization)s),
             org_groups AS (SELECT id, xmin FROM {groups} WHERE campaign_id IN (SELECT id FROM org_campaigns)),
             org_lists AS (SELECT id, xmin FROM {lists} WHERE organization_id = %(organization)s)
        SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN md5(concat_ws('/', {", ".join(parts)})) END
    """
