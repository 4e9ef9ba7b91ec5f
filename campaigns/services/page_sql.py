"""Hand-written SQL for the queries every view of a page runs, whose shape never changes.

Django builds a query's SQL again on every call; for the pages' small, fixed queries that building is most of their
cost (bench/page_profile.py: 1.4 ms of ORM work for a 0.1 ms query). These helpers keep such SQL portable between
PostgreSQL and SQLite: table names from the models, values converted as the ORM converts them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def table(model: type[Model]) -> str:
    """The model's table, quoted for SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def day(value: Any) -> Any:
    """A date as the database compares it (SQLite stores dates as ISO text)."""
    return connection.ops.adapt_datefield_value(value)


def moment(value: Any) -> Any:
    """A date and time as the database compares it (SQLite stores them as UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def from_db(model: type[Model], name: str, value: Any) -> Any:
    """A raw query's value of ``model.name`` as the ORM would read it (a datetime from SQLite's text, JSON
    decoded): a raw query's columns beyond its model's own fields get no conversion from Django."""
    column, converters = _converters(model, name)
    for converter in converters:
        value = converter(value, column, connection)
    return value


@functools.cache
def _converters(model: type[Model], name: str) -> tuple[Any, list[Callable]]:
    field: Any = model._meta.get_field(name)
    column = field.get_col(model._meta.db_table)
    return column, [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]


def columns(model: type[Model], alias: str) -> str:
    """Every column of ``model`` (aliased ``alias``), in the order :func:`instance` reads them."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in model._meta.concrete_fields)


def instance(model: type[M], values: Sequence[Any]) -> M:
    """A ``model`` instance, as the ORM would build it, from the values of :func:`columns` in a raw row (the row
    may go on with another model's columns: this one's come first)."""
    fields = model._meta.concrete_fields
    converted = [from_db(model, field.name, value) for field, value in zip(fields, values, strict=False)]
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Stands for the organization's id while the ORM writes a kept query's SQL; no row has a negative id.
_ORGANIZATION = -424_242


def per_organization(build: Callable[[int], QuerySet]) -> Callable[[int], list[tuple]]:
    """Run ``build(organization_id)``'s query, its SQL written by the ORM on the first call of the process and kept:
    later calls only put the organization's id in its place. For a query whose shape never changes but whose
    lookups the ORM writes best for each database (JSON keys, conditional counts)."""

    @functools.cache
    def compiled() -> tuple[str, tuple[Any, ...], int]:
        sql, params = build(_ORGANIZATION).query.sql_with_params()
        slots = [index for index, value in enumerate(params) if isinstance(value, int) and value == _ORGANIZATION]
        if len(slots) != 1:
            raise ValueError(f"{build.__qualname__}: the organization's id must be one parameter of the query")
        return sql, tuple(params), slots[0]

    def run(organization_id: int) -> list[tuple]:
        sql, params, slot = compiled()
        return fetch(sql, [*params[:slot], organization_id, *params[slot + 1 :]])

    return run
