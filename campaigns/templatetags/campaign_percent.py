from __future__ import annotations

from django import template

from campaigns.templatetags.campaign_numbers import localize_number

register = template.Library()


@register.filter
def percent(ratio: float | None, decimals: int = 1) -> str:
    """A ratio as a percentage in the active language: 0.0235 -> "2.4%" ("2,4%" in Spanish); None -> "—"."""
    if ratio is None:
        return "—"
    return f"{localize_number(100 * ratio, decimals)}%"
