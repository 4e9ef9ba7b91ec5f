from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

from campaigns.models.validators import validate_currency, validate_time_zone


class Role(models.TextChoices):
    OWNER = "owner", gettext_lazy("Owner")
    EDITOR = "editor", gettext_lazy("Editor")
    VIEWER = "viewer", gettext_lazy("Viewer")


class InjectionPolicy(models.TextChoices):
    REFUSE = "refuse", gettext_lazy("Refuse the request")
    STRIP = "strip", gettext_lazy("Strip the offending sentences")


class Organization(models.Model):
    """An advertiser's account in the tool: every other row belongs to exactly one organization."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    time_zone = models.CharField(max_length=64, default="Europe/Madrid", validators=[validate_time_zone])
    created_at = models.DateTimeField(auto_now_add=True)
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations"
    )
    # Generation guardrails: terms the LLM's output must never contain, and what to do with marketer text that
    # tries to instruct the model.
    blocked_terms = models.JSONField(default=list, blank=True)
    injection_policy = models.CharField(max_length=6, choices=InjectionPolicy.choices, default=InjectionPolicy.REFUSE)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="organization_currency_iso"),
            models.CheckConstraint(
                condition=Q(injection_policy__in=InjectionPolicy.values), name="organization_injection_policy_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def role_of(self, user: User) -> str | None:
        membership = self.memberships.filter(user=user).only("role").first()
        return membership.role if membership else None


def saved_user(user: User | AnonymousUser | None) -> User | None:
    """The account a row records as its author: ``user`` if it is a saved one; None for the anonymous user, for
    None (commands, automation) and for an unsaved account."""
    return user if user is not None and user.is_authenticated and user.pk else None


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.OWNER, Role.EDITOR)


class UserPreference(models.Model):
    """What one person chose for themselves, whatever the organization: the UI language."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="es")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


class Invitation(models.Model):
    """An owner's offer of a role, sent to an email address; it becomes a membership only when the person it was
    sent to accepts it. The token travels only in the email: the row keeps its SHA-256."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.role})"
