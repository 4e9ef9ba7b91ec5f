from __future__ import annotations

from django.conf import settings
from django.db import models


class AccountConfirmation(models.Model):
    """A sign-up's email confirmation: the account stays inactive until its link is opened. Only an account with a
    pending row here can be switched on by a link, never one that an admin switched off."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_confirmation")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {'confirmed' if self.confirmed_at else 'waiting'}"

    @property
    def pending(self) -> bool:
        return self.confirmed_at is None
