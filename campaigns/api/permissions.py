"""Who may do what: members read, editors change, owners manage members and settings.

Objects of organizations the caller does not belong to never reach these checks: every queryset is scoped
in ``get_queryset()``, so they are a 404 that does not confirm they exist.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from rest_framework import permissions

from campaigns.models import Organization, Role

EDIT_ROLES = (Role.OWNER, Role.EDITOR)
OWNER_ROLES = (Role.OWNER,)


def organizations_of(user: object, roles: tuple[str, ...] | None = None) -> QuerySet[Organization]:
    memberships = {"memberships__user": user}
    if roles:
        memberships["memberships__role__in"] = roles
    return Organization.objects.filter(**memberships)


def organization_of(obj: Model, path: str) -> int:
    value: object = obj
    for part in path.split("__"):
        value = getattr(value, part)
    return value.pk if isinstance(value, Model) else value  # type: ignore[return-value]


class RolePermission(permissions.BasePermission):
    """Reads for any member; writes for the view's ``write_roles`` in the object's organization.

    ``has_permission`` is only the first gate (a 403 for callers who hold those roles nowhere): the organization a
    write *targets* is checked by the serializer's EditableRelatedField, with the same roles.
    """

    message = "Your role in this organization does not allow this change."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return organizations_of(request.user, view.write_roles).exists()

    def has_object_permission(self, request, view, obj) -> bool:  # type: ignore[no-untyped-def]
        if request.method in permissions.SAFE_METHODS:
            return True
        org_id = organization_of(obj, view.organization_field) if view.organization_field != "pk" else obj.pk
        return organizations_of(request.user, view.write_roles).filter(pk=org_id).exists()
