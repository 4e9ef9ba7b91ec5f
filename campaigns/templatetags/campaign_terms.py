"""Search terms in the pages: a term's match read once and without an exception."""

from __future__ import annotations

from django import template

from campaigns.models import SearchTerm, SearchTermMatch

register = template.Library()


@register.filter
def current_match(term: SearchTerm) -> SearchTermMatch | None:
    """The term's matching result, or None until a matching has seen it. ``term.match`` raises then, on every
    access: a template's two or three accesses per row each cost an exception, which the template swallowed."""
    return getattr(term, "match", None)
