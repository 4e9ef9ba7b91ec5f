"""What each export leaves out, as the exports page lists it on every view: checked once per content of the
account, not once per view nor once per web process.

The checks read the whole live structure (campaigns, ad groups, keywords, ads, negative lists) and run every
platform's rules on it (11 ms on the load bench's demo organization, 20 ms in a new process). On PostgreSQL the page
asks the database, in one query, for a digest of exactly those rows and for the findings kept under that digest in
the page's language (:class:`~campaigns.models.ExportFindings`, one row per organization and language). Only when
none are kept are the checks run, and their findings kept in that row for every web process: kept in each process's
memory, as they were before, each of a deployment's processes checked the same account again on its first view, and
those first views were the page's slowest under load (bench/load_bench.py).

The query is a PL/pgSQL function (migration 0017): sent as a statement, PostgreSQL parsed and planned it (0.6 ms,
three times its execution) on each connection's first ten views; in the function it is planned once per connection.
Its text is the migration's: checks that come to read another table need a migration that replaces the function.
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

from collections.abc import Callable, Sequence

from django.db import IntegrityError, connection, transaction
from django.utils import translation

from campaigns.exporters.account import load_account, read_structure
from campaigns.exporters.support import FormatSupport
from campaigns.exporters.validation import Problem
from campaigns.models import ExportFindings, Organization
from campaigns.services import page_sql

# Bump when the checks change what they find on the same content: it is part of the digest, so kept findings of
# older checks are not shown.
CHECKS_VERSION = 1
# The digest and the findings kept under it, by the function that migration 0017 creates on PostgreSQL.
DIGEST_SQL = "SELECT structure_digest, kept_findings FROM campaigns_export_digest(%s, %s, %s)"
DIGEST_PARAMETERS = ("organization", "language", "version")  # the function's, in order (each named p_NAME)


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
    """The structure's digest and the findings kept under it in ``language`` (None when there are none): one call of
    the database's function (migration 0017), whose query is planned once per connection."""
    if connection.vendor != "postgresql":
        return None, None
    with connection.cursor() as cursor:
        cursor.execute(DIGEST_SQL, [organization.pk, language, CHECKS_VERSION])
        digest, kept = cursor.fetchone()
    return digest, None if kept is None else page_sql.from_db(ExportFindings, "findings", kept)


def digest_function_query(placeholder: Callable[[str], str]) -> str:
    """The query inside the database's digest function, as deployed (its text is migration 0017's), with each of
    :data:`DIGEST_PARAMETERS` written by ``placeholder(name)``: for a benchmark or a plan test that sends or explains
    the query on its own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'campaigns_export_digest'")
        source = cursor.fetchone()[0]
    query = source.split("RETURN QUERY", 1)[1].rsplit(";", 1)[0]
    for name in DIGEST_PARAMETERS:
        query = query.replace(f"p_{name}", placeholder(name))
    return query
