"""Creating an organization: its creator becomes its first owner, in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from campaigns.models import Membership, Organization, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_slug_max_length = Organization._meta.get_field("slug").max_length
assert _slug_max_length is not None  # a CharField's max_length
SLUG_MAX_LENGTH: int = _slug_max_length


def slug_from(name: str) -> str:
    """The address-safe form of a name ("Materiales Ibéricos, S.L." -> "materiales-ibericos-sl"), or ""."""
    return slugify(name)[:SLUG_MAX_LENGTH].strip("-")


def free_slug(base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… : the first that no organization holds."""
    taken = set(Organization.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate


def create_organization(owner: User, *, name: str, slug: str, currency: str, time_zone: str) -> Organization:
    """The new organization with ``owner`` as its owner; the model's validators check every field first.

    Raises:
        ValidationError: a field the model refuses, or a slug that another organization took meanwhile.
    """
    organization = Organization(name=name, slug=slug, currency=currency, time_zone=time_zone)
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
            Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    except IntegrityError as exc:  # the slug, taken between the check and the insert
        raise ValidationError({"slug": _("Another organization has this short name; choose another.")}) from exc
    return organization
