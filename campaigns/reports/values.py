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
        pl.when(text.is_null() | text.is_in(EMPTY_MARKERS)).then(pl.lit("0")).otherwise(text)
        .str.replace_all(_DECORATION, "")
    )


def count_expr(column: str, decimal: str) -> tuple[pl.Expr, pl.Expr]:
    """Non-negative integer counts such as clicks: "1.234" (es) and "1,234" (en) are both 1234."""
    thousands = "." if decimal == "," else ","
    cleaned = _clean(column).str.replace_all(thousands, "", literal=True)
    ok = cleaned.str.contains(r"^\d{1,18}$")
    value = pl.when(ok).then(cleaned).otherwise(pl.lit("0")).cast(pl.Int64)
    return value.alias(column), (~ok).alias(f"{column}__bad")


def decimal_parts(column: str, decimal: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(normalised "123.45" text, is-well-formed, is-negative) for a locale decimal number."""
    thousands = "." if decimal == "," else ","
    cleaned = _clean(column).str.replace_all(thousands, "", literal=True).str.replace(decimal, ".", literal=True)
    ok = cleaned.str.contains(r"^-?\d{1,12}(\.\d+)?$")
    negative = cleaned.str.starts_with("-") & ok
    return cleaned, ok, negative


def micros_expr(column: str, decimal: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Money to integer micros without passing through a float: "1.234,56 €" -> 1_234_560_000."""
    cleaned, ok, negative = decimal_parts(column, decimal)
    safe = pl.when(ok).then(cleaned.str.strip_prefix("-")).otherwise(pl.lit("0"))
    whole = safe.str.split(".").list.get(0)
    fraction = safe.str.split(".").list.get(1, null_on_oob=True).fill_null("").str.slice(0, 6).str.pad_end(6, "0")
    value = whole.cast(pl.Int64) * 1_000_000 + fraction.cast(pl.Int64)
    return value.alias(column), (~ok).alias(f"{column}__bad"), negative.alias(f"{column}__negative")


def float_expr(column: str, decimal: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Counts that may be fractional, such as conversions under data-driven attribution."""
    cleaned, ok, negative = decimal_parts(column, decimal)
    value = pl.when(ok).then(cleaned).otherwise(pl.lit("0")).cast(pl.Float64)
    return value.alias(column), (~ok).alias(f"{column}__bad"), negative.alias(f"{column}__negative")


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
    """"Exact match (close variant)" -> exact_cv, "Concordancia de frase" -> phrase, "Performance Max" -> pmax ...

    The close-variant and Performance Max / AI Max rows are listed apart by the platform, so they stay apart.
    """
    text = pl.col(column).fill_null("").str.to_lowercase()
    close = text.str.contains(_CLOSE)
    return (
        pl.when(text.str.contains("performance max")).then(pl.lit("pmax"))
        .when(text.str.contains("ai max")).then(pl.lit("ai_max"))
        .when(text.str.contains(_EXACT) & close).then(pl.lit("exact_cv"))
        .when(text.str.contains(_EXACT)).then(pl.lit("exact"))
        .when(text.str.contains(_PHRASE) & close).then(pl.lit("phrase_cv"))
        .when(text.str.contains(_PHRASE)).then(pl.lit("phrase"))
        .when(text.str.contains(_BROAD)).then(pl.lit("broad"))
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
        pl.when(text.str.starts_with("[") & text.str.ends_with("]")).then(pl.lit("exact"))
        .when(text.str.starts_with('"') & text.str.ends_with('"') & (text.str.len_chars() > 1)).then(pl.lit("phrase"))
        .otherwise(pl.lit(""))
    )
    bare = text.str.strip_chars('[]"').str.replace_all(r"(^|\s)\+", "$1").str.replace_all(r"\s+", " ")
    # The brackets and quotes say what the keyword is; the match type column may describe the search term instead.
    resolved = pl.when(syntax_type != "").then(syntax_type).otherwise(pl.col(match_type))
    return [bare.alias(keyword), resolved.alias(match_type)]
