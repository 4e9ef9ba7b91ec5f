"""Numbers in the marketer's language: "4,067.71" in English, "4 067,71" in Spanish (Django's locale formats)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.formats import get_format
from django.utils.translation import get_language

register = template.Library()


def separators() -> tuple[str, str]:
    """The active language's decimal and thousands separators (the default language's outside a request)."""
    language = get_language() or settings.LANGUAGE_CODE
    return get_format("DECIMAL_SEPARATOR", language), get_format("THOUSAND_SEPARATOR", language)


def localize_number(value: float | int | Decimal, decimals: int = 0) -> str:
    """``value`` rounded to ``decimals`` places, grouped by thousands, with the active language's separators."""
    decimal_separator, thousand_separator = separators()
    # Python's own grouping and rounding, then the separators swapped (Django's numberformat truncates floats).
    text = f"{value:,.{int(decimals)}f}"
    return text.translate({ord(","): thousand_separator, ord("."): decimal_separator})


@register.filter
def count(value: int | None) -> str:
    """A whole number grouped by thousands: 12345 -> "12,345" ("12 345" in Spanish); None (or a template's
    missing value, "") -> "—"."""
    return "—" if value is None or value == "" else localize_number(value)


@register.filter
def decimal(value: float | None, decimals: int = 2) -> str:
    """A number with ``decimals`` places in the active language: 0.6612 -> "0.66" ("0,66"); None or "" -> "—"."""
    return "—" if value is None or value == "" else localize_number(value, decimals)
