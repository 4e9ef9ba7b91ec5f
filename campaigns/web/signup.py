"""Sign-up pages: the form (email, password twice, Django's password validators), the "check your inbox" page and
the confirmation link's page, whose button switches the account on (a mail scanner that opens the link does not).
Sign-up and password-reset forms are throttled per client address: each sends an email."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from campaigns.services import signup
from campaigns.services.signup import ConfirmationError

MESSAGE = "campaigns/account_message.html"
EMAIL_MAX_LENGTH = 150  # the address is also the username, which holds 150 characters


class AccountMailThrottle(SimpleRateThrottle):
    """POSTs to the forms that send email (sign-up, password reset), per client address (the rate "account_mail")."""

    scope = "account_mail"

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled(request: HttpRequest) -> HttpResponse | None:
    """The 429 answer when this address has sent too many of these forms, else None (and the POST is counted)."""
    throttle = AccountMailThrottle()
    # DRF's throttle reads only the request's META (which a Django request has too) and no view
    if request.method != "POST" or throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    minutes = max(1, round((throttle.wait() or 60) / 60))
    response = render(
        request,
        MESSAGE,
        {
            "title": _("Too many requests"),
            "message": _("Too many sign-ups or password resets from your address: try again in %(minutes)d minutes.")
            % {"minutes": minutes},
        },
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return signup.normalize_email(self.cleaned_data["email"])

    def clean_password2(self) -> str:
        password1, password2 = self.cleaned_data.get("password1"), self.cleaned_data["password2"]
        if password1 and password1 != password2:
            raise ValidationError(_("The two passwords differ: type the same one twice."), code="password_mismatch")
        # compared with the address too ("ana@example.com" may not be the password "anaexample")
        password_validation.validate_password(password2, signup.new_account(self.cleaned_data.get("email", "")))
        return password2


class SignInForm(AuthenticationForm):
    """Django's sign-in form, where an address is found whatever its case (sign-ups store it lower-cased)."""

    username = UsernameField(
        label=gettext_lazy("Email address or username"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        exact = get_user_model().objects.filter(username=username).exists()
        return username if exact or "@" not in username else signup.normalize_email(username)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("campaigns:home")
    refused = throttled(request)
    if refused is not None:
        return refused
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        signup.sign_up(
            form.cleaned_data["email"], form.cleaned_data["password1"], site_url=request.build_absolute_uri("/")
        )
        return redirect("campaigns:signup_done")
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/signup.html", {"form": form}, status=status)


def sign_up_done(request: HttpRequest) -> HttpResponse:
    # the same page whether or not the address had an account: the email says which
    return render(
        request,
        MESSAGE,
        {
            "title": _("Check your inbox"),
            "message": _(
                "We sent an email to the address you gave. Open the link in it to switch your account on, "
                "then sign in. If nothing arrives within a few minutes, look in the spam folder."
            ),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_account(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            signup.confirm(token)
        else:
            signup.check_token(token)
    except ConfirmationError as exc:
        return render(request, "campaigns/confirm_account.html", {"error": str(exc)}, status=404)
    if request.method == "GET":
        return render(request, "campaigns/confirm_account.html", {})
    messages.success(request, _("Your email address is confirmed. Sign in with it and your password."))
    return redirect("campaigns:login")
