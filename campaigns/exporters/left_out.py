"""What each export leaves out, as the exports page lists it on every view: checked once per content of the
account, not once per view.

The checks read the whole live structure (campaigns, ad groups, keywords, ads, negative lists) and run every
platform's rules on it: on PostgreSQL the page first asks the database for a digest of exactly that content (each
row's full text, md5'd, in id order, table by table) in one query, and the findings are kept in Django's cache under
that digest and the language they are written in. Any change to any of those rows, the organization's row (its
currency, its blocked terms) or the campaigns' negative lists gives another digest, so a kept list is never shown for
content it was not checked on. Elsewhere (SQLite, the development default) the checks run on every view.

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
    """An md5 of every row the checks read (and of the organization's own row), or None off PostgreSQL."""
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
        # a fixed-width md5 per row, so that no two different sets of rows read alike
        return f"md5(coalesce((SELECT string_agg(md5({alias}::text), '' ORDER BY {alias}.id) FROM {source}), ''))"

    parts = [
        f"(SELECT md5(o::text) FROM {organizations} o WHERE o.id = %(organization)s)",
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
        WITH org_campaigns AS (SELECT * FROM {campaigns} WHERE organization_id = %(organization)s),
             org_groups AS (SELECT * FROM {groups} WHERE campaign_id IN (SELECT id FROM org_campaigns)),
             org_lists AS (SELECT * FROM {lists} WHERE organization_id = %(organization)s)
        SELECT md5(concat_ws('/', {", ".join(parts)}))
    """
