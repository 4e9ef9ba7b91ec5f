"""Members and roles (owners only): list, invite by email, withdraw an invitation, change a role, remove; the last
owner stays. Nobody is added without accepting (campaigns.web.invitations)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Invitation, Membership, Role
from campaigns.services import invitations, memberships
from campaigns.services.memberships import MembershipError
from campaigns.web.context import SignedInRequest, organization_view, require_owner


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=Role.choices,
        initial=Role.VIEWER,
    )


def _page(request: HttpRequest, membership: Membership, form: InviteForm, status: int = 200) -> HttpResponse:
    organization = membership.organization
    rows = Membership.objects.filter(organization=organization).select_related("user").order_by("user__username")
    now = timezone.now()
    pending = [
        (row, invitations.expires_at(row), invitations.expires_at(row) < now)
        for row in invitations.pending(organization)
    ]
    return render(
        request,
        "campaigns/members.html",
        {"rows": rows, "form": form, "roles": Role.choices, "pending": pending},
        status=status,
    )


@require_GET
@organization_view
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    require_owner(membership)
    return _page(request, membership, InviteForm())


@require_POST
@organization_view
def invite(request: SignedInRequest, membership: Membership) -> HttpResponse:
    """Email an invitation; the message is the same whether or not the address has an account."""
    require_owner(membership)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _page(request, membership, form, status=400)
    invitations.invite(
        membership.organization,
        form.cleaned_data["email"],
        form.cleaned_data["role"],
        invited_by=request.user,
        site_url=request.build_absolute_uri("/"),
    )
    messages.success(
        request,
        _("Invitation sent to %(email)s. They join when they accept it.") % {"email": form.cleaned_data["email"]},
    )
    return redirect("campaigns:members")


@require_POST
@organization_view
def revoke_invitation(request: HttpRequest, membership: Membership, invitation_id: int) -> HttpResponse:
    require_owner(membership)
    try:
        withdrawn = invitations.revoke(membership.organization, invitation_id)
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": withdrawn.email})
    return redirect("campaigns:members")


@require_POST
@organization_view
def change_member(request: HttpRequest, membership: Membership, membership_id: int) -> HttpResponse:
    """``role`` gives the member a new role; ``remove`` takes them out."""
    require_owner(membership)
    target = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=membership.organization
    )
    who = target.user.get_username()
    try:
        if "remove" in request.POST:
            memberships.remove_member(membership.organization, target.pk)
            messages.success(request, _("%(who)s removed.") % {"who": who})
        else:
            changed = memberships.change_role(membership.organization, target.pk, request.POST.get("role", ""))
            messages.success(
                request, _("%(who)s is now %(role)s.") % {"who": who, "role": _(changed.get_role_display())}
            )
    except MembershipError as exc:
        messages.error(request, str(exc))
    # An owner who stepped down or left no longer sees this page.
    still_owner = Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()
    return redirect("campaigns:members" if still_owner else "campaigns:dashboard")
