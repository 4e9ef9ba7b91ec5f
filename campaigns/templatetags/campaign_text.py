"""Sentences around values: a time in English ends with a period of its own ("4 p.m."), which a sentence's full
stop must not double."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter(is_safe=True)
def full_stop(text: str) -> str:
    """``text`` ended with a period, unless it already ends with one (or with "!", "?", "…")."""
    text = str(text).rstrip()
    return text if not text or text.endswith((".", "!", "?", "…")) else f"{text}."
