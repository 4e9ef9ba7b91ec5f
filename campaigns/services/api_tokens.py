"""API tokens (django-rest-knox): revoking every token of a user when the password that earned them changes, and
forgetting the expired ones."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from knox.models import get_token_model


def revoke_api_tokens(user: AbstractBaseUser) -> int:
    """Delete all of the user's API tokens (knox stores only their digests); returns how many there were."""
    deleted, _ = get_token_model().objects.filter(user=user).delete()
    return deleted


def forget_expired_tokens(user: AbstractBaseUser) -> int:
    """Delete the user's expired API tokens (each is refused anyway), as they get a new one; returns how many."""
    deleted, _ = get_token_model().objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return deleted
