"""Per-import temporary tables that report rows stream into before set-based SQL moves them home.

Rows reach the database in chunks (COPY on PostgreSQL, executemany on SQLite), so an import of millions of
rows never holds them all as Python objects, and the final inserts run inside the database. Only the columns the
final statements read are staged: the campaign and ad group of a row are one small integer (``gkey``), resolved
through the groups table once the campaigns and ad groups exist.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import polars as pl
from django.db import OperationalError, connection, transaction

STAGING_TABLE = "import_staging"
GROUPS_TABLE = "import_groups"
_TEXT = "TEXT NOT NULL"  # unbounded: lengths are checked while reading, so a long value is a clear error
_COMMON: dict[str, str] = {
    "gkey": "BIGINT NOT NULL",
    "date": "DATE NOT NULL",
    "date_to": "DATE",  # the last day of a week, month or period row; empty for a day
    "impressions": "BIGINT NOT NULL",
    "clicks": "BIGINT NOT NULL",
    "cost": "BIGINT NOT NULL",
    "conversions": "DOUBLE PRECISION NOT NULL",
    "conversion_value": "BIGINT NOT NULL",
}
KIND_COLUMNS: dict[str, dict[str, str]] = {
    "search_terms": {
        "search_term": _TEXT,
        "keyword": _TEXT,
        "keyword_match_type": _TEXT,
        "match_type": _TEXT,
        "excluded": "SMALLINT NOT NULL",
    },
    "keyword": {"keyword": _TEXT, "keyword_match_type": _TEXT, "status": _TEXT},
    "ad_group": {},
    "campaign": {},
}
# SQLite's page cache of the account's tables during the final statements (KiB): the indexes being filled stay
# in memory up to this size whatever the file's, instead of the default 2 MiB that makes every insert re-read
# index pages. The staged rows are read once, in order: their (temporary) table keeps the default cache.
SQLITE_CACHE_KIB = 48 * 1024


class Staging:
    """The staging table of one import of one report kind, and its groups table."""

    def __init__(self, kind: str, *, periods: bool = True, excluded: bool = True) -> None:
        """``periods``: some rows have a last day (weeks, months, a report without days); ``excluded``: the report
        has an Added/Excluded column. Columns a report cannot fill are not staged: every column costs each row."""
        columns = {**_COMMON, **KIND_COLUMNS[kind]}
        if not periods:
            del columns["date_to"]
        if not excluded:
            columns.pop("excluded", None)
        self.columns = columns

    def column(self, name: str, otherwise: str) -> str:
        """``s.name`` for the final statements, or the SQL value it stands for when the column is not staged."""
        return f"s.{name}" if name in self.columns else otherwise

    def create(self) -> None:
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns.items())
        with connection.cursor() as cursor:
            for table in (STAGING_TABLE, GROUPS_TABLE):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGING_TABLE} ({columns})")
            # INTEGER PRIMARY KEY: SQLite's row id itself, so each row's lookup is one search of one tree.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {GROUPS_TABLE} (gkey INTEGER PRIMARY KEY, "
                "campaign_id BIGINT NOT NULL, ad_group_id BIGINT)"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in (STAGING_TABLE, GROUPS_TABLE):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def load(self, frame: pl.DataFrame) -> None:
        """Append one validated chunk of report rows (the frame holds at least the staged columns)."""
        names = list(self.columns)
        ordered = frame.select(names)  # a chunk: bounded, so its rows may be a list
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            ordered.write_csv(buffer, include_header=False, null_value="")
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(  # psycopg 3's COPY, under Django's wrapper
                    f"COPY {STAGING_TABLE} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv)"
                ) as copy,
            ):
                copy.write(buffer.getvalue())
        else:
            dates = [name for name in ("date", "date_to") if name in self.columns]
            rows = ordered.with_columns(pl.col(dates).cast(pl.String)).rows()
            _sqlite_executemany(
                f"INSERT INTO {STAGING_TABLE} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows
            )

    def load_groups(self, rows: Iterable[tuple[int, int, int | None]]) -> None:
        """(gkey, campaign id, ad group id or None) for every group key the rows use."""
        sql = f"INSERT INTO {GROUPS_TABLE} (gkey, campaign_id, ad_group_id) VALUES "
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.executemany(sql + "(%s, %s, %s)", list(rows))
        else:
            _sqlite_executemany(sql + "(?, ?, ?)", rows)

    def analyze(self, *tables: str) -> None:
        """PostgreSQL never analyses temporary tables by itself, nor a table just filled in this transaction;
        without statistics it plans the joins of a million staged rows as if there were a handful."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in tables or (STAGING_TABLE, GROUPS_TABLE):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _sqlite_executemany(sql: str, rows: Iterable[tuple]) -> None:
    """The sqlite3 driver's executemany with one prepared statement, fed by an iterator: no list of a chunk's
    rows, and none of the per-row work of Django's cursor wrappers."""
    connection.ensure_connection()
    connection.connection.executemany(sql, rows)


@contextmanager
def bulk_settings() -> Iterator[None]:
    """Database settings for the final statements of one import, inside its transaction and undone at its end."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # SET LOCAL lasts until the transaction ends, whichever way
            cursor.execute("SET LOCAL work_mem = '64MB'")
            # The commit returns without waiting for the server to flush the last of the import's WAL to disk
            # (a million rows write half a gigabyte of it). Still atomic: a server crash in the next moment can
            # lose the whole import, never part of it (the file can be imported again), and no other transaction.
            cursor.execute("SET LOCAL synchronous_commit = off")
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA main.cache_size")
        (main_cache,) = cursor.fetchone()
        cursor.execute(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA main.cache_size = {int(main_cache)}")


@contextmanager
def indexes_built_after(table: str, rows: int) -> Iterator[bool]:
    """The table's non-unique indexes dropped for a bulk insert of ``rows`` rows and built again after it, when
    the table holds fewer rows than that (a first import, or one larger than the account's history).

    Unique indexes stay (the insert's ON CONFLICT, and PostgreSQL's check of the row key, need them). It runs
    inside the caller's transaction: if anything fails before the indexes are back, its rollback restores them
    with everything else.

    SQLite: inserting rows into an index in another order than the table's (a day of each campaign: thousands of
    places at once) costs a rebalance of the B-tree on most rows, more than half of the whole insert; building
    the index again sorts the table once, for less than that as long as the table is not much larger than the
    insert.

    PostgreSQL: each index entry inserted one row at a time is a WAL record of its own (a million rows, two
    non-unique indexes: 140 MB of the insert's 515 MB of WAL, and a quarter of its time); an index built after
    the rows is sorted once and logged as whole pages (12 MB). Dropping an index locks the table against every
    reader until the commit, so it is done only when the lock is free at once (``lock_timeout``): behind a
    reader the indexes stay, and the insert maintains them as it goes.

    Yields whether the indexes were dropped.
    """
    if rows <= 0 or connection.vendor not in ("sqlite", "postgresql"):
        yield False
        return
    assert connection.in_atomic_block, "the indexes must come back with the transaction's rollback"
    indexes = _droppable_indexes(table, rows)
    if connection.vendor == "postgresql" and indexes:
        indexes = _drop_postgresql_indexes(table, indexes)
    else:
        with connection.cursor() as cursor:
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield bool(indexes)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and indexes:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{POSTGRESQL_INDEX_BUILD_MEMORY}'")
        for _, sql in indexes:
            cursor.execute(sql)


# PostgreSQL's memory for sorting an index being built again (the transaction's own, undone at its end): a
# million rows' keys sort in memory instead of in temporary files.
POSTGRESQL_INDEX_BUILD_MEMORY = "256MB"
# How long the drop of an index may wait for the table's lock before the insert keeps the indexes instead.
POSTGRESQL_INDEX_LOCK_WAIT = "200ms"


def _droppable_indexes(table: str, rows: int) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's non-unique indexes that are not a constraint's, when the table
    holds fewer than ``rows`` rows; none otherwise."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT %s) t", [rows])
        (present,) = cursor.fetchone()
        if present >= rows:
            return []
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            return [(name, sql) for name, sql in cursor.fetchall() if not sql.upper().startswith("CREATE UNIQUE")]
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
            [connection.ops.quote_name(table)],
        )
        return list(cursor.fetchall())


def _drop_postgresql_indexes(table: str, indexes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drops the indexes when the table's lock is free at once; returns those dropped (all or none)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        (previous,) = cursor.fetchone()
        try:
            with transaction.atomic():  # a savepoint: a lock that is not free undoes only this
                cursor.execute(f"SET LOCAL lock_timeout = '{POSTGRESQL_INDEX_LOCK_WAIT}'")
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN ACCESS EXCLUSIVE MODE")
                for name, _ in indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            return []
        finally:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    return indexes


LOCK_NOT_AVAILABLE = "55P03"


def fetch(sql: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(staging=STAGING_TABLE, groups=GROUPS_TABLE), params)
        return cursor.fetchall()


def execute(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(staging=STAGING_TABLE, groups=GROUPS_TABLE), params)
        return cursor.rowcount
