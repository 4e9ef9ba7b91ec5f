"""Joining an organization by invitation: an owner invites an email address, the person who reads that email
accepts. Nobody is added without consent, and inviting answers the same whether an account exists or not."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Invitation, Membership, Organization, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# How long an emailed token can be accepted; after that the owner invites again.
INVITATION_DAYS = 7


class InvitationError(ValueError):
    """An invitation that cannot be accepted, with the reason for the person accepting."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(organization: Organization, email: str, role: str, *, invited_by: User, site_url: str) -> Invitation:
    """Record an invitation and email a link to the web page that accepts it, plus the bare token for API clients
    (after commit, so a rolled-back invitation sends nothing). ``site_url`` is the scheme and host the link uses."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email.strip(),
        role=role,
        token_sha256=token_digest(token),
        invited_by=invited_by,
    )
    link = site_url.rstrip("/") + reverse("campaigns:accept_invitation", args=[token])
    body = (
        f"You are invited to join {organization.name} as {Role(role).label.lower()}.\n\n"
        f"To accept within {INVITATION_DAYS} days, open this link and sign in with this email address "
        f"(or create an account for it there):\n\n{link}\n\n"
        f"With the API, send this token to /api/invitations/accept/ instead:\n\n{token}\n\n"
        f"If you did not expect this, ignore this email."
    )
    transaction.on_commit(lambda: send_mail(f"Invitation to {organization.name}", body, None, [invitation.email]))
    return invitation


def pending(organization: Organization) -> QuerySet[Invitation]:
    """The invitations nobody has accepted yet, newest first (expired ones too, so the owner sees them)."""
    return organization.invitations.filter(accepted_at__isnull=True).order_by("-created_at", "-pk")


def expires_at(invitation: Invitation) -> datetime:
    return invitation.created_at + timedelta(days=INVITATION_DAYS)


def revoke(organization: Organization, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation of ``organization``: its token stops working.

    Raises:
        Invitation.DoesNotExist: another organization's, an accepted or an unknown invitation.
    """
    invitation = pending(organization).get(pk=invitation_id)
    invitation.delete()
    return invitation


def open_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The invitation the token stands for, if it can still be accepted.

    Raises:
        InvitationError: unknown, used or expired token.
    """
    rows = Invitation.objects.select_for_update() if lock else Invitation.objects
    invitation = rows.select_related("organization").filter(token_sha256=token_digest(token)).first()
    # One message for unknown and used tokens: a guessed token learns nothing.
    if invitation is None or invitation.accepted_at is not None:
        raise InvitationError(_("This invitation does not exist or has already been used."))
    if invitation.created_at < timezone.now() - timedelta(days=INVITATION_DAYS):
        raise InvitationError(
            _("This invitation expired after %(days)d days; ask an owner for a new one.") % {"days": INVITATION_DAYS}
        )
    return invitation


def account_exists(invitation: Invitation) -> bool:
    """Whether someone already has an account with the invited address (told only to the holder of the token,
    who reads that address's email anyway)."""
    return get_user_model().objects.filter(email__iexact=invitation.email).exists()


@transaction.atomic
def accept(token: str, user: User) -> Membership:
    """The membership the invitation offered, for ``user``, whose email must be the one invited.

    Raises:
        InvitationError: unknown, used or expired token, another address, or already a member.
    """
    invitation = open_invitation(token, lock=True)
    if (getattr(user, "email", "") or "").casefold() != invitation.email.casefold():
        raise InvitationError(_("This invitation was sent to another email address; sign in with that one."))
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organization=invitation.organization, user=user, role=invitation.role
            )
    except IntegrityError:
        raise InvitationError(
            _("You are already a member of %(organization)s.") % {"organization": invitation.organization.name}
        ) from None
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def accept_with_new_account(token: str, username: str, password: str) -> Membership:
    """Create the account for the invited address (the caller has validated ``username`` and ``password``) and
    accept; if the invitation cannot be accepted, no account is left behind.

    Raises:
        InvitationError: as ``accept``, or an account already has the invited address (sign in instead).
    """
    invitation = open_invitation(token, lock=True)
    if account_exists(invitation):
        raise InvitationError(_("An account already has this email address: sign in to accept."))
    user = get_user_model().objects.create_user(username=username, email=invitation.email, password=password)
    return accept(token, user)
