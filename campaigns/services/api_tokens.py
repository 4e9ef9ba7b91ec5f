"""API tokens (django-rest-knox): revoking every token of a user when the password that earned them changes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from knox.models import get_token_model


def revoke_api_tokens(user: AbstractBaseUser) -> int:
    """Delete all of the user's API tokens (knox stores only their digests); returns how many there were."""
    deleted, _ = get_token_model().objects.filter(user=user).delete()
    return deleted
