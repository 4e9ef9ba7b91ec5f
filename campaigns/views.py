from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from campaigns.web.context import SignedInRequest


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """The organizations the user belongs to, with their campaigns."""
    organizations = request.user.organizations.prefetch_related("campaigns").order_by("name")
    return render(request, "campaigns/home.html", {"organizations": organizations})
