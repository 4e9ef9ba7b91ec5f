"""The page an invitation email links to: a signed-in invitee accepts; someone without an account for the invited
address creates one (bound to that address) and joins in one step; someone with one signs in first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from campaigns.models import Invitation, Membership
from campaigns.services import invitations
from campaigns.services.invitations import InvitationError
from campaigns.web.context import SESSION_KEY

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TEMPLATE = "campaigns/invitation.html"


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitations.open_invitation(token)
    except InvitationError as exc:
        return render(request, TEMPLATE, {"error": str(exc)}, status=404)
    if request.user.is_authenticated:
        return _accept_as_signed_in(request, request.user, token, invitation)
    if invitations.account_exists(invitation):
        return render(request, TEMPLATE, {"invitation": invitation, "sign_in": True})
    return _sign_up(request, token, invitation)


def _accept_as_signed_in(request: HttpRequest, user: User, token: str, invitation: Invitation) -> HttpResponse:
    if request.method == "POST":
        try:
            return _joined(request, invitations.accept(token, user))
        except InvitationError as exc:
            return render(request, TEMPLATE, {"invitation": invitation, "error": str(exc)}, status=400)
    other_address = (user.email or "").casefold() != invitation.email.casefold()
    error = _("This invitation was sent to another email address; sign in with that one.") if other_address else ""
    return render(request, TEMPLATE, {"invitation": invitation, "error": error, "can_accept": not other_address})


def _sign_up(request: HttpRequest, token: str, invitation: Invitation) -> HttpResponse:
    """Django's own form (username rules, the password validators) for an account whose email is the invited one."""
    form: UserCreationForm[User] = UserCreationForm(request.POST or None)
    form.instance.email = invitation.email  # so the validators compare the password with the address too
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitations.accept_with_new_account(
                token, form.cleaned_data["username"], form.cleaned_data["password1"]
            )
        except InvitationError as exc:
            return render(request, TEMPLATE, {"invitation": invitation, "error": str(exc)}, status=400)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return _joined(request, membership)
    status = 400 if request.method == "POST" else 200
    return render(request, TEMPLATE, {"invitation": invitation, "form": form}, status=status)


def _joined(request: HttpRequest, membership: Membership) -> HttpResponse:
    request.session[SESSION_KEY] = membership.organization_id  # land in the organization just joined
    messages.success(
        request,
        _("You joined %(organization)s as %(role)s.")
        % {"organization": membership.organization.name, "role": _(membership.get_role_display())},
    )
    return redirect("campaigns:dashboard")
