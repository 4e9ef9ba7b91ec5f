from __future__ import annotations

from decimal import Decimal

from django import template

from campaigns.templatetags.campaign_numbers import localize_number

register = template.Library()


@register.filter
def money(micros: int | None, currency: str = "") -> str:
    """Integer micros as an amount with two decimals in the active language: 40000000 -> "40.00 EUR" ("40,00 EUR"
    in Spanish), 4067710000 -> "4,067.71 EUR" ("4 067,71 EUR"); None -> "—"."""
    if micros is None:
        return "—"
    sign = "-" if micros < 0 else ""
    cents = (abs(micros) + 5_000) // 10_000  # half up, exactly: never through a float
    return f"{sign}{localize_number(Decimal(cents) / 100, 2)} {currency}".strip()
