from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def money(micros: int | None, currency: str = "") -> str:
    """Integer micros as an amount with two decimals: 40000000 -> "40.00 EUR"; None -> "—"."""
    if micros is None:
        return "—"
    sign = "-" if micros < 0 else ""
    cents = (abs(micros) + 5_000) // 10_000
    return f"{sign}{cents // 100:,}.{cents % 100:02d} {currency}".strip()
