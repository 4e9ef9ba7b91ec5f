"""Joining an organization by invitation: an owner invites an email address, the person who reads that email
accepts. Nobody is added without consent, and inviting answers the same whether an account exists or not."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.models import Invitation, Membership, Organization, Role

# How long an emailed token can be accepted; after that the owner invites again.
INVITATION_DAYS = 7


class InvitationError(ValueError):
    """An invitation that cannot be accepted, with the reason for the person accepting."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(organization: Organization, email: str, role: str, *, invited_by: object) -> Invitation:
    """Record an invitation and email its token (after commit, so a rolled-back invitation sends nothing)."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(organization=organization, email=email.strip(), role=role,
                                           token_sha256=token_digest(token), invited_by=invited_by)
    body = (f"You are invited to join {organization.name} as {Role(role).label.lower()}.\n\n"
            f"To accept, sign in with this email address and send the token below to /api/invitations/accept/ "
            f"within {INVITATION_DAYS} days:\n\n{token}\n\nIf you did not expect this, ignore this email.")
    transaction.on_commit(lambda: send_mail(f"Invitation to {organization.name}", body, None, [invitation.email]))
    return invitation


@transaction.atomic
def accept(token: str, user: object) -> Membership:
    """The membership the invitation offered, for ``user``, whose email must be the one invited.

    Raises:
        InvitationError: unknown, used or expired token, another address, or already a member.
    """
    invitation = (Invitation.objects.select_for_update().select_related("organization")
                  .filter(token_sha256=token_digest(token)).first())
    # One message for unknown and used tokens: a guessed token learns nothing.
    if invitation is None or invitation.accepted_at is not None:
        raise InvitationError("This invitation does not exist or has already been used.")
    if invitation.created_at < timezone.now() - timedelta(days=INVITATION_DAYS):
        raise InvitationError(f"This invitation expired after {INVITATION_DAYS} days; ask an owner for a new one.")
    if (getattr(user, "email", "") or "").casefold() != invitation.email.casefold():
        raise InvitationError("This invitation was sent to another email address; sign in with that one.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(organization=invitation.organization, user=user,
                                                   role=invitation.role)
    except IntegrityError:
        raise InvitationError(f"You are already a member of {invitation.organization.name}.") from None
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
