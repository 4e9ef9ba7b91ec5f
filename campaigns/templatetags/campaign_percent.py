from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(ratio: float | None, decimals: int = 1) -> str:
    """A ratio as a percentage: 0.0235 -> "2.4%"; None -> "—"."""
    if ratio is None:
        return "—"
    return f"{100 * ratio:.{int(decimals)}f}%"
