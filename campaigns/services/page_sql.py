"""Hand-written SQL for the queries every view of a page runs, whose shape never changes.

Django builds a query's SQL again on every call; for the pages' small, fixed queries that building is most of their
cost (bench/page_profile.py: 1.4 ms of ORM work for a 0.1 ms query). These helpers keep such SQL portable between
PostgreSQL and SQLite: table names from the models, values converted as the ORM converts them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model


def table(model: type[Model]) -> str:
    """The model's table, quoted for SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def day(value: Any) -> Any:
    """A date as the database compares it (SQLite stores dates as ISO text)."""
    return connection.ops.adapt_datefield_value(value)


def from_db(model: type[Model], name: str, value: Any) -> Any:
    """A raw query's value of ``model.name`` as the ORM would read it (a datetime from SQLite's text, JSON
    decoded): a raw query's columns beyond its model's own fields get no conversion from Django."""
    field: Any = model._meta.get_field(name)
    column = field.get_col(model._meta.db_table)
    for converter in [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]:
        value = converter(value, column, connection)
    return value


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
