"""Switching the current organization."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from campaigns.models import Membership
from campaigns.web.context import SESSION_KEY, SignedInRequest


@require_POST
@login_required
def switch_organization(request: SignedInRequest) -> HttpResponse:
    """Make one of the user's organizations the current one; another organization is a 404."""
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError as exc:
        raise Http404 from exc
    if not Membership.objects.filter(user=request.user, organization_id=organization_id).exists():
        raise Http404
    request.session[SESSION_KEY] = organization_id
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = "campaigns:dashboard"
    return redirect(next_url)
