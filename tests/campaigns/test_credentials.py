"""Ad-platform credentials: AES-256-GCM at rest, bound to their organization and platform, keys rotated by command."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from campaigns.models import PlatformCredential
from campaigns.services.credentials import CredentialError, load_credentials, rotate_credentials_key, store_credentials
from tests.campaigns.test_deploy import manage, production_env

pytestmark = pytest.mark.django_db
OLD = ("k2025", bytes(range(32)))
NEW = ("k2026", bytes(range(100, 132)))
SECRETS = {"developer_token": "dev-tok-123", "client_id": "cid.apps", "refresh_token": "1//refresh"}


def test_round_trip_stores_only_ciphertext(organization):
    with override_settings(CREDENTIALS_KEYS=[OLD]):
        row = store_credentials(organization, "google_ads", SECRETS)
        assert load_credentials(organization, "google_ads") == SECRETS
    assert (row.key_id, len(bytes(row.nonce)), len(bytes(row.ciphertext))) == (
        "k2025",
        12,
        len(json.dumps(SECRETS, sort_keys=True, separators=(",", ":"))) + 16,
    )
    assert b"dev-tok-123" not in bytes(row.ciphertext)
    assert load_credentials(organization, "microsoft_ads") is None


def test_storing_again_replaces_with_a_fresh_nonce(organization):
    first = store_credentials(organization, "google_ads", SECRETS)
    nonce = bytes(first.nonce)
    second = store_credentials(organization, "google_ads", {"developer_token": "new"})
    assert (PlatformCredential.objects.count(), second.pk) == (1, first.pk)
    assert bytes(PlatformCredential.objects.get().nonce) != nonce
    assert load_credentials(organization, "google_ads") == {"developer_token": "new"}


def test_wrong_key_is_refused(organization):
    with override_settings(CREDENTIALS_KEYS=[OLD]):
        store_credentials(organization, "google_ads", SECRETS)
    with override_settings(CREDENTIALS_KEYS=[("k2025", bytes(32))]), pytest.raises(CredentialError) as error:
        load_credentials(organization, "google_ads")
    assert str(error.value) == (
        f"google_ads credentials of organization {organization.pk} do not decrypt under key 'k2025': the key is "
        "wrong, or the stored ciphertext was altered or copied from another organization or platform"
    )


def test_missing_key_is_named(organization):
    with override_settings(CREDENTIALS_KEYS=[OLD]):
        store_credentials(organization, "google_ads", SECRETS)
    with override_settings(CREDENTIALS_KEYS=[NEW]), pytest.raises(CredentialError) as error:
        load_credentials(organization, "google_ads")
    assert str(error.value) == (
        f"google_ads credentials of organization {organization.pk} are encrypted under key "
        "'k2025', which is not in CREDENTIALS_KEYS (configured: k2026)"
    )


@pytest.mark.parametrize("field", ["ciphertext", "nonce"])
def test_tampered_bytes_are_refused(organization, field):
    row = store_credentials(organization, "google_ads", SECRETS)
    tampered = bytearray(bytes(getattr(row, field)))
    tampered[3] ^= 0x01
    PlatformCredential.objects.filter(pk=row.pk).update(**{field: bytes(tampered)})
    with pytest.raises(CredentialError, match="do not decrypt under key 'dev'"):
        load_credentials(organization, "google_ads")


def test_a_row_copied_to_another_organization_or_platform_does_not_decrypt(organization, other_organization):
    row = store_credentials(organization, "google_ads", SECRETS)
    PlatformCredential.objects.create(
        organization=other_organization,
        platform="google_ads",
        key_id=row.key_id,
        nonce=row.nonce,
        ciphertext=row.ciphertext,
    )
    PlatformCredential.objects.create(
        organization=organization,
        platform="microsoft_ads",
        key_id=row.key_id,
        nonce=row.nonce,
        ciphertext=row.ciphertext,
    )
    with pytest.raises(CredentialError, match=f"credentials of organization {other_organization.pk} do not decrypt"):
        load_credentials(other_organization, "google_ads")
    with pytest.raises(CredentialError, match="^microsoft_ads credentials"):
        load_credentials(organization, "microsoft_ads")
    assert load_credentials(organization, "google_ads") == SECRETS


@pytest.mark.parametrize(
    ("platform", "secrets", "message"),
    [
        ("facebook", SECRETS, "unknown platform 'facebook'; use one of google_ads, microsoft_ads"),
        ("google_ads", {}, "credentials must be a non-empty object of names to strings"),
        ("google_ads", {"token": 123, "id": "x"}, "credential values must be strings: token"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(organization, platform, secrets, message):
    with pytest.raises(CredentialError) as error:
        store_credentials(organization, platform, secrets)
    assert str(error.value) == message
    assert PlatformCredential.objects.count() == 0


def test_rotation_with_two_keys(organization, other_organization):
    with override_settings(CREDENTIALS_KEYS=[OLD]):
        store_credentials(organization, "google_ads", SECRETS)
        store_credentials(other_organization, "microsoft_ads", {"client_secret": "s"})
    with override_settings(CREDENTIALS_KEYS=[NEW, OLD]):
        # The old key still decrypts before rotation; new writes already use the new key.
        assert load_credentials(organization, "google_ads") == SECRETS
        out = io.StringIO()
        call_command("rotate_credentials_key", stdout=out)
        assert out.getvalue() == "Re-encrypted 2 credential(s) under key 'k2026'.\n"
    assert sorted(PlatformCredential.objects.values_list("key_id", flat=True)) == ["k2026", "k2026"]
    with override_settings(CREDENTIALS_KEYS=[NEW]):  # the old key is dropped
        assert load_credentials(organization, "google_ads") == SECRETS
        assert load_credentials(other_organization, "microsoft_ads") == {"client_secret": "s"}
        assert rotate_credentials_key() == 2


def test_rotation_that_cannot_decrypt_a_row_changes_nothing(organization, other_organization):
    with override_settings(CREDENTIALS_KEYS=[OLD]):
        store_credentials(organization, "google_ads", SECRETS)
    with override_settings(CREDENTIALS_KEYS=[NEW]):
        store_credentials(other_organization, "google_ads", SECRETS)
        with pytest.raises(
            CommandError,
            match="encrypted under key 'k2025', which is not in CREDENTIALS_KEYS "
            r"\(configured: k2026\); nothing was changed",
        ):
            call_command("rotate_credentials_key")
    assert sorted(PlatformCredential.objects.values_list("key_id", flat=True)) == ["k2025", "k2026"]


def test_set_credentials_command_prints_names_not_values(organization, tmp_path):
    source = tmp_path / "google.json"
    source.write_text(json.dumps(SECRETS))
    out = io.StringIO()
    call_command(
        "set_credentials",
        "--org",
        organization.slug,
        "--platform",
        "google_ads",
        "--from-json",
        str(source),
        stdout=out,
    )
    assert out.getvalue() == (
        "Stored google_ads credentials of materiales-test under key 'dev' "
        "(client_id, developer_token, refresh_token).\n"
    )
    assert load_credentials(organization, "google_ads") == SECRETS

    source.write_text('{"developer_token": 5}')
    with pytest.raises(CommandError, match="^credential values must be strings: developer_token$"):
        call_command(
            "set_credentials", "--org", organization.slug, "--platform", "google_ads", "--from-json", str(source)
        )
    source.write_text("{not json")
    with pytest.raises(CommandError, match=f"^{source} is not JSON: Expecting property name"):
        call_command(
            "set_credentials", "--org", organization.slug, "--platform", "google_ads", "--from-json", str(source)
        )
    assert load_credentials(organization, "google_ads") == SECRETS


def test_admin_lists_credentials_without_their_secrets(organization, admin_client):
    row = store_credentials(organization, "google_ads", SECRETS)
    listing = admin_client.get("/admin/campaigns/platformcredential/")
    detail = admin_client.get(f"/admin/campaigns/platformcredential/{row.pk}/change/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    for page in (listing.content.decode(), detail.content.decode()):
        assert "dev-tok-123" not in page and "Ciphertext" not in page and "Nonce" not in page
        assert "Google Ads" in page
    assert '<div class="readonly">dev</div>' in detail.content.decode()  # the key id, not the key


def _key(seed: int) -> str:
    return base64.b64encode(bytes([seed]) * 32).decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nokey", "CREDENTIALS_KEYS: entry 1 is not KEY_ID:BASE64"),
        (f"a:{_key(1)},b c:{_key(2)}", "CREDENTIALS_KEYS: entry 2 is not KEY_ID:BASE64"),
        ("a:not*base64", "CREDENTIALS_KEYS: entry 1 ('a') is not valid base64"),
        (f"a:{base64.b64encode(bytes(16)).decode()}", "CREDENTIALS_KEYS: entry 1 ('a') is 16 bytes; AES-256 needs 32"),
        (f"a:{_key(1)},a:{_key(2)}", "CREDENTIALS_KEYS: entry 2: key id 'a' appears twice"),
        ("", "CREDENTIALS_KEYS must be set in the environment"),
    ],
)
def test_malformed_or_missing_keys_stop_production_start_up(tmp_path, value, message):
    result = manage(production_env(tmp_path, CREDENTIALS_KEYS=value), "check")
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
    assert _key(1) not in result.stderr and _key(2) not in result.stderr
