"""Managing an organization's members: change a role, remove; the last owner stays. People join by invitation
(campaigns.services.invitations)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Membership, Organization, Role


class MembershipError(ValueError):
    """A membership change that cannot be made, with the reason for the owner."""


def _locked_owner_count(organization: Organization) -> int:
    """The owners, counted under row locks so two concurrent demotions cannot both pass the check."""
    return len(
        list(
            Membership.objects.select_for_update()
            .filter(organization=organization, role=Role.OWNER)
            .values_list("pk", flat=True)
        )
    )


@transaction.atomic
def change_role(organization: Organization, membership_id: int, role: str) -> Membership:
    """Give a member another role; demoting the last owner is refused."""
    if role not in Role.values:
        raise MembershipError(_("Choose a role: owner, editor or viewer."))
    membership = check_an_owner_stays(organization, membership_id, role=role)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def check_an_owner_stays(
    organization: Organization, membership_id: int, *, role: str, moves_to: int | None = None
) -> Membership:
    """The membership, locked, if giving it ``role`` (and moving it to organization ``moves_to``) leaves its
    organization an owner; the caller saves the change in the same transaction.

    Raises:
        MembershipError: it is the last owner and would be demoted or moved away.
    """
    membership = (
        Membership.objects.select_for_update().select_related("user").get(pk=membership_id, organization=organization)
    )
    leaves = role != Role.OWNER or moves_to not in (None, organization.pk)
    if membership.role == Role.OWNER and leaves and _locked_owner_count(organization) <= 1:
        raise MembershipError(
            _("%(who)s is the last owner: make someone else an owner first.") % {"who": membership.user.get_username()}
        )
    return membership


@transaction.atomic
def remove_member(organization: Organization, membership_id: int) -> None:
    """Take a member out of the organization; removing the last owner is refused."""
    membership = (
        Membership.objects.select_for_update().select_related("user").get(pk=membership_id, organization=organization)
    )
    if membership.role == Role.OWNER and _locked_owner_count(organization) <= 1:
        raise MembershipError(
            _("%(who)s is the last owner and cannot be removed.") % {"who": membership.user.get_username()}
        )
    membership.delete()
