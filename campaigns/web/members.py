"""Members and roles (owners only): list, add an existing user, change a role, remove; the last owner stays."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Membership, Role
from campaigns.services import memberships
from campaigns.services.memberships import MembershipError
from campaigns.web.context import organization_view, require_owner


class AddMemberForm(forms.Form):
    who = forms.CharField(label=gettext_lazy("Username or email"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.VIEWER)


@require_GET
@organization_view
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    require_owner(membership)
    rows = (Membership.objects.filter(organization=membership.organization).select_related("user")
            .order_by("user__username"))
    return render(request, "campaigns/members.html", {"rows": rows, "form": AddMemberForm(), "roles": Role.choices})


@require_POST
@organization_view
def add_member(request: HttpRequest, membership: Membership) -> HttpResponse:
    require_owner(membership)
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a username or email and a role."))
        return redirect("campaigns:members")
    try:
        added = memberships.add_member(membership.organization, form.cleaned_data["who"], form.cleaned_data["role"])
    except MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(who)s added.") % {"who": added.user.get_username()})
    return redirect("campaigns:members")


@require_POST
@organization_view
def change_member(request: HttpRequest, membership: Membership, membership_id: int) -> HttpResponse:
    """``role`` gives the member a new role; ``remove`` takes them out."""
    require_owner(membership)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id,
                               organization=membership.organization)
    who = target.user.get_username()
    try:
        if "remove" in request.POST:
            memberships.remove_member(membership.organization, target.pk)
            messages.success(request, _("%(who)s removed.") % {"who": who})
        else:
            changed = memberships.change_role(membership.organization, target.pk, request.POST.get("role", ""))
            messages.success(request, _("%(who)s is now %(role)s.") % {"who": who,
                                                                       "role": _(changed.get_role_display())})
    except MembershipError as exc:
        messages.error(request, str(exc))
    # An owner who stepped down or left no longer sees this page.
    still_owner = Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()
    return redirect("campaigns:members" if still_owner else "campaigns:dashboard")
