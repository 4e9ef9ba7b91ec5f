"""Vectorised parsing of report cells: locale numbers to integers and micros, dates, match types.

Every parser returns a column plus a boolean "bad" column; the reader turns the first bad cell into a
ReportError that names its line and column.
"""

from __future__ import annotations

import polars as pl

EMPTY_MARKERS = ("", "--", "-", " --", "n/a", "N/A")
# Characters that decorate a number in a report: currency signs and codes, percent, spaces of all widths.
_DECORATION = r"[\s\u00a0\u202f€$£%]|[A-Z]{3}"


def _clean(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    return (
        pl.when(text.is_null() | text.is_in(EMPTY_MARKERS))
        .then(pl.lit("0"))
        .otherwise(text)
        .str.replace_all(_DECORATION, "")
    )


def plain_number(column: str, decimal: str) -> pl.Expr:
    """A locale number cell as plain "-1234.5" text: decoration and thousands separators out, "." as decimal mark.

    The parsers below take this text; computing it once per column (``with_columns``) and parsing the result
    keeps an import from cleaning every cell three times.
    """
    thousands = "." if decimal == "," else ","
    cleaned = _clean(column).str.replace_all(thousands, "", literal=True)
    return cleaned if decimal == "." else cleaned.str.replace(decimal, ".", literal=True)


def count_from_plain(plain: pl.Expr, column: str) -> tuple[pl.Expr, pl.Expr]:
    ok = plain.str.contains(r"^\d{1,18}$")
    value = pl.when(ok).then(plain).otherwise(pl.lit("0")).cast(pl.Int64)
    return value.alias(column), (~ok).alias(f"{column}__bad")


def _decimal_checks(plain: pl.Expr, column: str) -> tuple[pl.Expr, pl.Expr]:
    ok = plain.str.contains(r"^-?\d{1,12}(\.\d+)?$")
    return ok, (plain.str.starts_with("-") & ok).alias(f"{column}__negative")


def micros_from_plain(plain: pl.Expr, column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Integer micros without passing through a float: digits past the sixth decimal are cut, as written."""
    ok, negative = _decimal_checks(plain, column)
    digits = pl.when(ok).then(plain.str.strip_prefix("-")).otherwise(pl.lit("0"))
    # A decimal of scale 6 holds the text exactly once it has at most six decimals (the cast would round them).
    exact = digits.str.replace(r"(\.\d{6})\d+$", "${1}").cast(pl.Decimal(18, 6))
    value = (exact * 1_000_000).cast(pl.Int64)
    return value.alias(column), (~ok).alias(f"{column}__bad"), negative


def float_from_plain(plain: pl.Expr, column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    ok, negative = _decimal_checks(plain, column)
    value = pl.when(ok).then(plain).otherwise(pl.lit("0")).cast(pl.Float64)
    return value.alias(column), (~ok).alias(f"{column}__bad"), negative


def plain_forms(decimal: str) -> dict[str, str]:
    """Per parser, the cells that are plain numbers but for thousands separators in their places: digits, and
    for money and conversions one decimal mark and at most six decimals. A chunk whose column holds only these
    (and empty cells) is cast as it is: the same values as the cleaning path, without its passes over every cell.
    """
    mark, thousands = (r"\.", ",") if decimal == "." else (",", r"\.")
    whole = rf"([0-9]{{1,12}}|[0-9]{{1,3}}({thousands}[0-9]{{3}}){{1,3}})"  # at most 12 digits, as the cleaning path
    fraction = rf"({mark}[0-9]{{1,6}})?"
    return {
        "count": rf"^([0-9]{{1,18}}|[0-9]{{1,3}}({thousands}[0-9]{{3}}){{1,5}})$",
        "micros": rf"^{whole}{fraction}$",
        "float": rf"^{whole}{fraction}$",
    }


def from_plain_form(column: str, parser: str, decimal: str) -> pl.Expr:
    """A column whose cells all have their ``plain_forms`` (or are null: zero, as the cleaning path makes them)."""
    text = pl.col(column).str.replace_all("." if decimal == "," else ",", "", literal=True)
    if decimal == ",":
        text = text.str.replace(",", ".", literal=True)
    if parser == "count":
        value = text.cast(pl.Int64)
    elif parser == "float":
        value = text.cast(pl.Float64)
    else:
        value = (text.cast(pl.Decimal(18, 6)) * 1_000_000).cast(pl.Int64)
    return value.fill_null(0).alias(column)


def count_expr(column: str, decimal: str) -> tuple[pl.Expr, pl.Expr]:
    """Non-negative integer counts such as clicks: "1.234" (es) and "1,234" (en) are both 1234."""
    return count_from_plain(plain_number(column, decimal), column)


def micros_expr(column: str, decimal: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Money to integer micros without passing through a float: "1.234,56 €" -> 1_234_560_000."""
    return micros_from_plain(plain_number(column, decimal), column)


def float_expr(column: str, decimal: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Counts that may be fractional, such as conversions under data-driven attribution."""
    return float_from_plain(plain_number(column, decimal), column)


DATE_FORMATS = {"dmy": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"), "mdy": ("%m/%d/%Y",)}


def date_expr(column: str, order: str) -> tuple[pl.Expr, pl.Expr]:
    """ISO dates always; slashed dates in the file's locale order (day first in Spanish reports)."""
    text = pl.col(column).str.strip_chars()
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    for fmt in DATE_FORMATS[order]:
        parsed = parsed.fill_null(text.str.to_date(fmt, strict=False))
    return parsed.alias(column), parsed.is_null().alias(f"{column}__bad")


_EXACT = "exact|exakt|esatta|exata"
_PHRASE = "phrase|frase|wortgruppe|expression"
_BROAD = "broad|amplia|ampla|weitgehend|large|generica"
_CLOSE = "close variant|variante|nahe"


def match_type_expr(column: str) -> pl.Expr:
    """ "Exact match (close variant)" -> exact_cv, "Concordancia de frase" -> phrase, "Performance Max" -> pmax ...

    The close-variant and Performance Max / AI Max rows are listed apart by the platform, so they stay apart.
    """
    text = pl.col(column).fill_null("").str.to_lowercase()
    close = text.str.contains(_CLOSE)
    return (
        pl.when(text.str.contains("performance max"))
        .then(pl.lit("pmax"))
        .when(text.str.contains("ai max"))
        .then(pl.lit("ai_max"))
        .when(text.str.contains(_EXACT) & close)
        .then(pl.lit("exact_cv"))
        .when(text.str.contains(_EXACT))
        .then(pl.lit("exact"))
        .when(text.str.contains(_PHRASE) & close)
        .then(pl.lit("phrase_cv"))
        .when(text.str.contains(_PHRASE))
        .then(pl.lit("phrase"))
        .when(text.str.contains(_BROAD))
        .then(pl.lit("broad"))
        .otherwise(pl.lit(""))
        .alias(column)
    )


def base_match_type(column: str) -> pl.Expr:
    """exact / phrase / broad / "" from a detailed match type: what a keyword can be."""
    text = pl.col(column)
    return pl.when(text.is_in(["pmax", "ai_max"])).then(pl.lit("")).otherwise(text.str.replace("_cv", "", literal=True))


def keyword_syntax_expr(keyword: str, match_type: str) -> list[pl.Expr]:
    """Google writes a keyword's match type into its text: [exact], "phrase", +broad; strip it, keep the type."""
    text = pl.col(keyword).fill_null("").str.strip_chars()
    syntax_type = (
        pl.when(text.str.starts_with("[") & text.str.ends_with("]"))
        .then(pl.lit("exact"))
        .when(text.str.starts_with('"') & text.str.ends_with('"') & (text.str.len_chars() > 1))
        .then(pl.lit("phrase"))
        .otherwise(pl.lit(""))
    )
    bare = text.str.strip_chars('[]"').str.replace_all(r"(^|\s)\+", "$1").str.replace_all(r"\s+", " ")
    # The brackets and quotes say what the keyword is; the match type column may describe the search term instead.
    resolved = pl.when(syntax_type != "").then(syntax_type).otherwise(pl.col(match_type))
    return [bare.alias(keyword), resolved.alias(match_type)]
