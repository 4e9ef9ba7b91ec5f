"""Database expressions that both SQLite and PostgreSQL understand, for check constraints."""

from __future__ import annotations

from django.db import models


class JSONArrayLength(models.Func):
    """Length of a JSON array column (0 for anything that is not an array on SQLite)."""

    function = "json_array_length"
    output_field = models.IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="jsonb_array_length", **extra_context)
