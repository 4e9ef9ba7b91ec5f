"""Ad-platform credentials encrypted at rest with AES-256-GCM; the keys live in the environment, never in the database.

``CREDENTIALS_KEYS`` holds ``key_id:base64`` keys, the first one current: new and re-encrypted rows use it, and
any of them decrypts a row that names it. The associated data binds a ciphertext to its organization and platform,
so a row copied to another organization (or platform) does not decrypt. Rotation: put the new key first, run
``manage.py rotate_credentials_key``, then drop the old key.
"""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction

from campaigns.models import CredentialPlatform, Organization, PlatformCredential

NONCE_BYTES = 12


class CredentialError(Exception):
    """Credentials cannot be stored or read: no such key, the wrong key, or a ciphertext that was altered."""


def _keys() -> list[tuple[str, bytes]]:
    keys = list(getattr(settings, "CREDENTIALS_KEYS", None) or [])
    if not keys:
        raise CredentialError("no encryption key: set CREDENTIALS_KEYS (key_id:base64-of-32-bytes, current first)")
    return keys


def _associated_data(organization_id: int, platform: str) -> bytes:
    return f"adoptimizer/platform-credential/v1/{organization_id}/{platform}".encode()


def _encrypt(organization_id: int, platform: str, secrets: dict[str, str]) -> tuple[str, bytes, bytes]:
    key_id, key = _keys()[0]
    nonce = os.urandom(NONCE_BYTES)  # never reused: a fresh one for every encryption
    plaintext = json.dumps(secrets, sort_keys=True, separators=(",", ":")).encode()
    return key_id, nonce, AESGCM(key).encrypt(nonce, plaintext, _associated_data(organization_id, platform))


def _decrypt(row: PlatformCredential) -> dict[str, str]:
    keys = dict(_keys())
    what = f"{row.platform} credentials of organization {row.organization_id}"
    if row.key_id not in keys:
        raise CredentialError(
            f"{what} are encrypted under key {row.key_id!r}, which is not in CREDENTIALS_KEYS "
            f"(configured: {', '.join(keys)})"
        )
    try:
        plaintext = AESGCM(keys[row.key_id]).decrypt(
            bytes(row.nonce), bytes(row.ciphertext), _associated_data(row.organization_id, row.platform)
        )
    except InvalidTag:
        raise CredentialError(
            f"{what} do not decrypt under key {row.key_id!r}: the key is wrong, or the stored "
            "ciphertext was altered or copied from another organization or platform"
        ) from None
    return json.loads(plaintext)


def _check(platform: str, secrets: dict[str, str]) -> None:
    if platform not in CredentialPlatform.values:
        raise CredentialError(f"unknown platform {platform!r}; use one of {', '.join(CredentialPlatform.values)}")
    if not isinstance(secrets, dict) or not secrets:
        raise CredentialError("credentials must be a non-empty object of names to strings")
    wrong = sorted(
        str(name) for name, value in secrets.items() if not isinstance(name, str) or not isinstance(value, str)
    )
    if wrong:
        raise CredentialError(f"credential values must be strings: {', '.join(wrong)}")


def store_credentials(organization: Organization, platform: str, secrets: dict[str, str]) -> PlatformCredential:
    """Encrypt and save (or replace) the organization's credentials for the platform under the current key."""
    _check(platform, secrets)
    key_id, nonce, ciphertext = _encrypt(organization.pk, platform, secrets)
    row, _ = PlatformCredential.objects.update_or_create(
        organization=organization,
        platform=platform,
        defaults={"key_id": key_id, "nonce": nonce, "ciphertext": ciphertext},
    )
    return row


def load_credentials(organization: Organization, platform: str) -> dict[str, str] | None:
    """The decrypted credentials, or None when the organization has none for the platform."""
    row = PlatformCredential.objects.filter(organization=organization, platform=platform).first()
    return None if row is None else _decrypt(row)


def rotate_credentials_key() -> int:
    """Re-encrypt every row under the current key (fresh nonces); all or nothing. Returns how many rows."""
    count = 0
    with transaction.atomic():
        for row in PlatformCredential.objects.select_for_update().order_by("pk"):
            row.key_id, row.nonce, row.ciphertext = _encrypt(row.organization_id, row.platform, _decrypt(row))
            row.save(update_fields=["key_id", "nonce", "ciphertext", "updated_at"])
            count += 1
    return count
