"""Report cells that are already plain numbers are cast as they are: the same values as the cleaning path."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.reports import values

pytestmark = pytest.mark.backend_independent  # pure logic: CI's SQLite stage leaves it to the PostgreSQL one

PARSERS = {"count": values.count_expr, "micros": values.micros_expr, "float": values.float_expr}


def _cleaned(cells: list[str | None], parser: str, decimal: str) -> list:
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    value, bad, *_ = PARSERS[parser]("c", decimal)
    parsed = frame.select(value, bad)
    assert not parsed["c__bad"].any()
    return parsed["c"].to_list()


def _cast(cells: list[str | None], parser: str, decimal: str) -> list:
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    form = values.plain_forms(decimal)[parser]
    assert frame.select(pl.col("c").str.contains(form).all()).item()
    return frame.select(values.from_plain_form("c", parser, decimal))["c"].to_list()


digits = st.text("0123456789", min_size=1, max_size=12)
decimals = st.text("0123456789", min_size=1, max_size=6)


def grouped(number: str, decimal: str) -> str:
    """``number`` with the thousands separator of its locale: "1234567" -> "1,234,567" (or "1.234.567")."""
    separator = "," if decimal == "." else "."
    head, rest = number[: len(number) % 3 or 3], number[len(number) % 3 or 3 :]
    return separator.join([head, *(rest[i : i + 3] for i in range(0, len(rest), 3))])


@settings(max_examples=200, deadline=None)
@given(
    whole=st.lists(digits, min_size=1, max_size=20),
    fractions=st.lists(st.one_of(st.none(), decimals), min_size=20, max_size=20),
    nulls=st.lists(st.booleans(), min_size=20, max_size=20),
    groups=st.lists(st.booleans(), min_size=20, max_size=20),
    decimal=st.sampled_from([".", ","]),
    parser=st.sampled_from(["micros", "float", "count"]),
)
def test_plain_cells_cast_as_the_cleaning_path_reads_them(whole, fractions, nulls, groups, decimal, parser):
    cells: list[str | None] = []
    for number, fraction, null, group in zip(whole, fractions, nulls, groups, strict=False):
        text = grouped(number, decimal) if group else number
        if null:
            cells.append(None)  # an empty cell: zero both ways
        elif parser == "count" or fraction is None:
            cells.append(text)
        else:
            cells.append(f"{text}{decimal}{fraction}")
    assert _cast(cells, parser, decimal) == _cleaned(cells, parser, decimal)


@pytest.mark.parametrize(
    ("cell", "parser", "decimal"),
    [
        ("1,23", "count", "."),  # a thousands separator out of place
        ("12,345,6", "count", "."),
        ("1.2345", "count", ","),
        ("1,234,567,890,123.00", "micros", "."),  # 13 digits: refused by the cleaning path
        ("12.5", "count", "."),
        ("1.2345678", "micros", "."),  # past six decimals: cut, as written, by the cleaning path
        ("12,50 €", "micros", ","),
        (" 12.50", "micros", "."),
        ("--", "micros", "."),
        ("-3.00", "micros", "."),
        ("", "float", "."),
        ("1,5", "float", "."),
    ],
)
def test_cells_that_need_cleaning_are_not_plain(cell, parser, decimal):
    frame = pl.DataFrame({"c": [cell]})
    assert not frame.select(pl.col("c").str.contains(values.plain_forms(decimal)[parser]).all()).item()
