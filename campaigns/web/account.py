"""Signing in safely: password change and reset (Django's views on our templates, revoking API tokens when the
password changes; a reset is throttled per address, as sign-up is) and the answer to a login that django-axes has
locked out."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext, gettext_lazy
from rest_framework.throttling import BaseThrottle

from campaigns.services.api_tokens import revoke_api_tokens
from campaigns.web.signup import throttled

FORM = "campaigns/account_form.html"
MESSAGE = "campaigns/account_message.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's (old password, new one twice, the validators; this session stays signed in)."""

    template_name = FORM
    success_url = reverse_lazy("campaigns:password_change_done")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        revoke_api_tokens(form.user)  # a token earned with the old password must not outlive it
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = MESSAGE
    extra_context = {
        "message": gettext_lazy(
            "Your password was changed. API tokens made with the old password no longer work: ask for a new one."
        )
    }


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a one-use link to the address on file; the answer is the same whether or not the address is known."""

    template_name = FORM
    email_template_name = "campaigns/password_reset_email.txt"
    subject_template_name = "campaigns/password_reset_subject.txt"
    success_url = reverse_lazy("campaigns:password_reset_done")

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return throttled(request) or super().post(request, *args, **kwargs)  # each one sends an email


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = MESSAGE
    extra_context = {
        "message": gettext_lazy(
            "If an account has that email address, a link to choose a new password is on its way. Check your inbox."
        )
    }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = FORM
    success_url = reverse_lazy("campaigns:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        revoke_api_tokens(form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = MESSAGE
    extra_context = {"message": gettext_lazy("Your password was set. You can sign in with it now.")}


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): 429 with Retry-After, JSON for the API, else a page."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response: HttpResponse
    if request.path.startswith("/api/"):
        detail = gettext("Too many failed logins: try again in %(minutes)d minutes.") % {"minutes": minutes}
        response = JsonResponse({"detail": detail}, status=429)
    else:
        response = render(request, "campaigns/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def client_ip(request: HttpRequest) -> str:
    """The address axes locks out (AXES_CLIENT_IP_CALLABLE): the one DRF's throttles count (NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]  # reads only META, which both kinds have
