"""The current organization: one of the user's memberships, chosen with the switcher and kept in the session."""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _

from campaigns.models import Membership, Organization, Role
from campaigns.services import page_sql

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SESSION_KEY = "current_organization_id"
# the campaigns views every page's header links to (base.html), and the admin: reversed once, not on every page (a
# {% url %} takes 20 µs)
HEADER_VIEWS = (
    "home",
    "dashboard",
    "campaigns",
    "search_terms",
    "intent_clusters",
    "budgets",
    "imports",
    "exports",
    "members",
    "settings",
    "switch_organization",
    "new_organization",
    "set_language",
    "logout",
    "profile",
    "password_change",
)


class SignedInRequest(HttpRequest):
    """For the type checker: the request of a view behind ``login_required`` (or ``organization_view``), whose
    user is signed in."""

    user: User


class _RememberingRequest(HttpRequest):
    """For the type checker: the attributes ``current_membership`` keeps on the request."""

    _current_membership: Membership | None
    _memberships: list[Membership]


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships, each with its organization, by the organization's name: in SQL, as every page
    reads them (the ORM's building of this query was most of its time)."""
    found = []
    for row in page_sql.fetch(_memberships_sql(), [user.pk]):
        membership = page_sql.instance(Membership, row)
        membership.organization = page_sql.instance(Organization, row[len(Membership._meta.concrete_fields) :])
        found.append(membership)
    return found


@functools.cache
def _memberships_sql() -> str:
    return (
        f"SELECT {page_sql.columns(Membership, 'm')}, {page_sql.columns(Organization, 'o')} "
        f"FROM {page_sql.table(Membership)} m JOIN {page_sql.table(Organization)} o ON o.id = m.organization_id "
        "WHERE m.user_id = %s ORDER BY o.name"
    )


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the organization in the session, or the user's first one (and remember it)."""
    if not request.user.is_authenticated:
        return None
    remembering = cast(_RememberingRequest, request)
    if not hasattr(remembering, "_current_membership"):
        memberships = memberships_of(request.user)
        wanted = request.session.get(SESSION_KEY)
        chosen = next((m for m in memberships if m.organization_id == wanted), memberships[0] if memberships else None)
        if chosen is not None and chosen.organization_id != wanted:
            request.session[SESSION_KEY] = chosen.organization_id
        remembering._current_membership = chosen
        remembering._memberships = memberships
    return remembering._current_membership


def organization_context(request: HttpRequest) -> dict:
    """Template context: the switcher's choices, the current organization and whether the user may change it."""
    membership = current_membership(request)
    return {
        "memberships": getattr(request, "_memberships", []),
        "current_membership": membership,
        "current_organization": membership.organization if membership else None,
        "can_edit": bool(membership and membership.can_edit),
        "is_owner": bool(membership and membership.role == Role.OWNER),
        "header_urls": _header_urls(get_script_prefix()),
    }


@functools.lru_cache(maxsize=8)
def _header_urls(script_prefix: str) -> dict[str, str]:
    """The header's links (``header_urls.dashboard``, ``header_urls.admin``) under this script prefix."""
    return {name: reverse(f"campaigns:{name}") for name in HEADER_VIEWS} | {"admin": reverse("admin:index")}


def organization_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required; the view gets the current membership (a page says so when the user has none)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        membership = current_membership(request)
        if membership is None:
            return render(request, "campaigns/no_organization.html", status=403)
        return view(request, membership, *args, **kwargs)

    return wrapper


def require_edit(membership: Membership) -> None:
    """Owners and editors change things; a viewer's POST is refused before anything is read or written."""
    if not membership.can_edit:
        raise PermissionDenied(_("Your role in this organization does not allow this change."))


def require_owner(membership: Membership) -> None:
    """Members and settings are the owners' business; editors and viewers are refused."""
    if membership.role != Role.OWNER:
        raise PermissionDenied(_("Only the organization's owners manage its members and settings."))
