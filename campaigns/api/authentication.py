"""The API's token check for scripts: django-rest-knox's ("Authorization: Token KEY"), in one query.

knox compares the token's digest in constant time and refuses (and deletes) an expired token; this class does the
same. knox's own reads the token through the ORM and then every other token of its user, to delete the expired
ones, on every request: 1.0 ms of a script's 4 to 7 ms on the demo organization. Here one hand-written query reads
the token with its user (0.23 ms), and a user's other expired tokens are deleted when they next get a token
(:func:`campaigns.services.api_tokens.forget_expired_tokens`); until then each is refused like any expired token.

Its own module: DRF imports authentication classes while it loads its views, so this one imports no view.
"""

from __future__ import annotations

import binascii
import functools
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AbstractAuthToken, get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from campaigns.services import page_sql


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's "Authorization: Token KEY", read in one query: the tokens of the key's first characters, each with
    its user."""

    def authenticate_credentials(self, token: bytes) -> tuple[AbstractBaseUser, AbstractAuthToken]:
        refused = exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            key = token.decode("utf-8")
        except UnicodeDecodeError:
            raise refused from None
        token_model, user_model = get_token_model(), get_user_model()
        width = len(token_model._meta.concrete_fields)
        for row in page_sql.fetch(_token_sql(), [key[: CONSTANTS.TOKEN_KEY_LENGTH]]):
            auth_token = page_sql.instance(token_model, row)
            auth_token.user = page_sql.instance(user_model, row[width:])
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                token_expired.send(sender=type(self), username=auth_token.user.get_username(), source="auth_token")
                continue
            try:
                digest = hash_token(key)
            except (TypeError, binascii.Error):
                raise refused from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise refused


@functools.cache
def _token_sql() -> str:
    token_model, user_model = get_token_model(), get_user_model()
    return (
        f"SELECT {page_sql.columns(token_model, 't')}, {page_sql.columns(user_model, 'u')} "
        f"FROM {page_sql.table(token_model)} t JOIN {page_sql.table(user_model)} u ON u.id = t.user_id "
        "WHERE t.token_key = %s"
    )
