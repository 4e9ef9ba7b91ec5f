"""Who may do what: members read, editors change, owners manage members and settings.

Objects of organizations the caller does not belong to never reach these checks: every queryset is scoped
in ``get_queryset()``, so they are a 404 that does not confirm they exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from rest_framework import permissions
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from campaigns.models import Organization, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EDIT_ROLES = (Role.OWNER, Role.EDITOR)
OWNER_ROLES = (Role.OWNER,)


def signed_in(request: Request) -> User:
    """The caller's account, for a service that records it: every view of the API lets only signed-in callers
    through (``IsAuthenticated``), so the NotAuthenticated here is a last guard."""
    user = request.user
    if not user.is_authenticated:
        raise NotAuthenticated
    return user


def organizations_of(user: object, roles: tuple[str, ...] | None = None) -> QuerySet[Organization]:
    memberships = {"memberships__user": user}
    if roles:
        memberships["memberships__role__in"] = roles
    return Organization.objects.filter(**memberships)


def organization_of(obj: Model, path: str) -> int:
    value: Any = obj  # then each attribute on the path
    for part in path.split("__"):
        value = getattr(value, part)
    return value.pk if isinstance(value, Model) else value


class RolePermission(permissions.BasePermission):
    """Reads for any member; writes for the view's ``write_roles`` in the object's organization.

    ``has_permission`` is only the first gate (a 403 for callers who hold those roles nowhere): the organization a
    write *targets* is checked by the serializer's EditableRelatedField, with the same roles.
    """

    message = "Your role in this organization does not allow this change."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return organizations_of(request.user, view.write_roles).exists()

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        org_id = organization_of(obj, view.organization_field) if view.organization_field != "pk" else obj.pk
        return organizations_of(request.user, view.write_roles).filter(pk=org_id).exists()
