"""Shared by the management commands that act on one organization."""

from __future__ import annotations

from django.core.management.base import CommandError

from campaigns.models import Organization


def organization_from_option(value: object) -> Organization:
    """The organization named by ``--org`` (its slug, or its id), or a CommandError that says which was missing."""
    text = str(value)
    lookup: dict[str, int | str] = {"pk": int(text)} if text.isdigit() else {"slug": text}
    organization = Organization.objects.filter(**lookup).first()
    if organization is None:
        raise CommandError(f"no organization with slug {text!r}" if "slug" in lookup else f"no organization {text}")
    return organization
