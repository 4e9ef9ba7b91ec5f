"""The signed-in person's own page: their account, and their API tokens (django-rest-knox), made here from the
browser without a CSRF-exempt login call. A new token is shown once, on the answer to the POST that made it:
knox keeps only its digest."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from knox.models import get_token_model

from campaigns.services.api_tokens import forget_expired_tokens
from campaigns.web.context import SignedInRequest

# Live tokens one person may hold: enough for a few scripts and machines, and a bound on the table.
MAX_TOKENS = 10


def _render(request: HttpRequest, *, new_token: str = "", error: str = "", status: int = 200) -> HttpResponse:
    tokens = get_token_model().objects.filter(user=request.user).order_by("-created")
    return render(
        request,
        "campaigns/profile.html",
        {"tokens": tokens, "now": timezone.now(), "new_token": new_token, "error": error, "max_tokens": MAX_TOKENS},
        status=status,
    )


@never_cache
@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return _render(request)


@never_cache  # the page holds the token: no cache may keep it
@require_POST
@login_required
def create_token(request: SignedInRequest) -> HttpResponse:
    tokens = get_token_model().objects
    live = tokens.filter(user=request.user, expiry__gt=timezone.now()).count()
    if live >= MAX_TOKENS:
        return _render(
            request,
            status=400,
            error=_("You already have %(count)d API tokens: revoke one you no longer use first.") % {"count": live},
        )
    forget_expired_tokens(request.user)
    _instance, token = tokens.create(user=request.user)
    return _render(request, new_token=token)


@require_POST
@login_required
def revoke_token(request: HttpRequest, token_key: str) -> HttpResponse:
    """Delete one of the user's tokens, named by its first characters; another person's is never found."""
    deleted, _counts = get_token_model().objects.filter(user=request.user, token_key=token_key).delete()
    if deleted:
        messages.success(request, _("The token %(key)s… no longer works.") % {"key": token_key})
    else:
        messages.error(request, _("No token of yours starts with %(key)s.") % {"key": token_key})
    return redirect("campaigns:profile")
