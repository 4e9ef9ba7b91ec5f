from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from campaigns.web.context import SignedInRequest, current_membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: the dashboard, or "create your organization" for someone who has none."""
    if current_membership(request) is None:
        return redirect("campaigns:new_organization")
    return redirect("campaigns:dashboard")


@login_required
def campaign_list(request: SignedInRequest) -> HttpResponse:
    """The organizations the user belongs to, with their campaigns."""
    organizations = request.user.organizations.prefetch_related("campaigns").order_by("name")
    return render(request, "campaigns/home.html", {"organizations": organizations})
