"""Signing up with an email address and a password: the account is created switched off and a signed link in an
email switches it on. The answer, the work done and the email sent never tell a visitor whether the address
already has an account: its owner gets a different email instead (sign in, or the link again)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import AccountConfirmation

# How long a confirmation link works; after that, signing up again with the same address mails a new one.
CONFIRMATION_DAYS = 3
_SALT = "campaigns.signup.confirm"


class ConfirmationError(ValueError):
    """A confirmation link that cannot switch an account on, with the reason for the person who opened it."""


def normalize_email(email: str) -> str:
    """Addresses compare without case: an account's email and username are stored lower-cased."""
    return email.strip().lower()


def account_for(email: str) -> User | None:
    """The account that holds this address as its email or its username (sign-ups use the address as both)."""
    return (
        get_user_model()
        .objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        .select_related("account_confirmation")
        .order_by("pk")
        .first()
    )


def new_account(email: str) -> User:
    """An unsaved account for the address, for the password validators to compare the password with."""
    return get_user_model()(username=email, email=email)


def sign_up(email: str, password: str, *, site_url: str) -> None:
    """Create a switched-off account and mail its confirmation link (after commit), or mail the owner of the
    address that it already has an account. ``password`` has passed the validators; ``site_url`` is the scheme
    and host the links use."""
    email = normalize_email(email)
    existing = account_for(email)
    if existing is None:
        user = _create(email, password)
        if user is not None:
            _mail_link(user, site_url)
            return
        existing = account_for(email)  # created by a request that ran alongside this one
        if existing is None:
            return
    make_password(password)  # the same hashing work as a new account: the answer's timing tells nothing
    confirmation = getattr(existing, "account_confirmation", None)
    if confirmation is not None and confirmation.pending and not existing.is_active:
        _mail_link(existing, site_url, again=True)
    else:
        _mail_existing(existing, site_url)


def _create(email: str, password: str) -> User | None:
    user = new_account(email)
    user.is_active = False
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            AccountConfirmation.objects.create(user=user)
    except IntegrityError:  # the same address signed up at the same moment: one account
        return None
    return user


def confirmation_token(user: User) -> str:
    return signing.dumps({"user": user.pk}, salt=_SALT)


def _mail_link(user: User, site_url: str, *, again: bool = False) -> None:
    link = site_url.rstrip("/") + reverse("campaigns:confirm_account", args=[confirmation_token(user)])
    opening = (
        _("Someone (probably you) signed up again with this address, which is still waiting for its confirmation.")
        if again
        else _("Thank you for signing up.")
    )
    body = "\n\n".join(
        [
            opening,
            _(
                "To switch your account on, open this link within %(days)d days, then sign in with your email address "
                "and the password you chose first:"
            )
            % {"days": CONFIRMATION_DAYS},
            link,
            _("If you did not sign up, ignore this email: the account stays switched off."),
        ]
    )
    subject, address = _("Confirm your email address"), user.email  # in the language of the request, not later
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))


def _mail_existing(user: User, site_url: str) -> None:
    site = site_url.rstrip("/")
    body = "\n\n".join(
        [
            _("Someone (probably you) tried to sign up with this address, which already has an account."),
            _("Sign in here:"),
            site + reverse("campaigns:login"),
            _("Forgot the password? Choose a new one here:"),
            site + reverse("campaigns:password_reset"),
            _("If it was not you, ignore this email: nothing was changed."),
        ]
    )
    subject, address = _("You already have an account"), user.email or user.get_username()
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))


def check_token(token: str) -> int:
    """The id of the account a link would switch on now (the page's first view, before its button is pressed).

    Raises:
        ConfirmationError: a link that was altered, has expired, or was already used.
    """
    try:
        user_id = signing.loads(token, salt=_SALT, max_age=timedelta(days=CONFIRMATION_DAYS))["user"]
    except signing.SignatureExpired as exc:
        raise ConfirmationError(
            _("This link has expired. Sign up again with the same address to get a new one.")
        ) from exc
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise ConfirmationError(_("This link is not valid. Check that it was copied whole.")) from exc
    if not AccountConfirmation.objects.filter(user_id=user_id, confirmed_at__isnull=True).exists():
        raise ConfirmationError(_("This link was already used. Sign in with your email address."))
    return user_id


def confirm(token: str) -> User:
    """Switch on the account the link was made for, once.

    Raises:
        ConfirmationError: as ``check_token``.
    """
    with transaction.atomic():
        user_id = check_token(token)
        # claimed with a conditional update: of two clicks at once, one switches the account on
        if not AccountConfirmation.objects.filter(user_id=user_id, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        ):
            raise ConfirmationError(_("This link was already used. Sign in with your email address."))
        user = get_user_model().objects.get(pk=user_id)
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user
