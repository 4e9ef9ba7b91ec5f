"""A per-import temporary table that report rows stream into before set-based SQL moves them home.

Rows reach the database in chunks (COPY on PostgreSQL, executemany on SQLite), so an import of millions of
rows never holds them all as Python objects, and the final inserts run inside the database.
"""

from __future__ import annotations

import io

import polars as pl
from django.db import connection

STAGING_TABLE = "import_staging"
STAGING_COLUMNS: dict[str, str] = {
    "line": "BIGINT NOT NULL",
    "date": "DATE NOT NULL",
    # Unbounded text: lengths are checked after loading, so that a long value is a clear error, not a crash.
    "campaign": "TEXT NOT NULL",
    "campaign_ext": "TEXT NOT NULL",
    "ad_group": "TEXT NOT NULL",
    "ad_group_ext": "TEXT NOT NULL",
    "search_term": "TEXT NOT NULL",
    "keyword": "TEXT NOT NULL",
    "match_type": "TEXT NOT NULL",
    "keyword_match_type": "TEXT NOT NULL",
    "currency": "TEXT NOT NULL",
    "status": "TEXT NOT NULL",
    "campaign_type": "TEXT NOT NULL",
    "budget_type": "TEXT NOT NULL",
    "added_excluded": "TEXT NOT NULL",
    "impressions": "BIGINT NOT NULL",
    "clicks": "BIGINT NOT NULL",
    "cost": "BIGINT NOT NULL",
    "conversions": "DOUBLE PRECISION NOT NULL",
    "conversion_value": "BIGINT NOT NULL",
    "budget": "BIGINT",
}
_FRAME_COLUMNS = {"line": "_line", "campaign_ext": "campaign_id", "ad_group_ext": "ad_group_id"}
LOADED = list(STAGING_COLUMNS)


def create() -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS.items())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGING_TABLE} ({columns})")


def drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")


def load(frame: pl.DataFrame) -> None:
    """Append one validated chunk of report rows."""
    ordered = frame.select([pl.col(_FRAME_COLUMNS.get(name, name)).alias(name) for name in LOADED])
    names = ", ".join(LOADED)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            ordered.write_csv(buffer, include_header=False, null_value="")
            copy_sql = f"COPY {STAGING_TABLE} ({names}) FROM STDIN WITH (FORMAT csv)"
            with cursor.cursor.copy(copy_sql) as copy:  # psycopg 3's COPY, under Django's cursor wrapper
                copy.write(buffer.getvalue())
        else:
            placeholders = ", ".join(["%s"] * len(LOADED))
            # a list, not an iterator: a chunk is bounded, and cursor wrappers (django-prometheus) call len() on it
            rows = ordered.with_columns(pl.col("date").cast(pl.String)).rows()
            cursor.executemany(f"INSERT INTO {STAGING_TABLE} ({names}) VALUES ({placeholders})", rows)


def fetch(sql: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(staging=STAGING_TABLE), params)
        return cursor.fetchall()


def execute(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(staging=STAGING_TABLE), params)
        return cursor.rowcount


def execute_many(sql: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(sql.format(staging=STAGING_TABLE), rows)
