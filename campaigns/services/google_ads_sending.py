"""Sending the Google Ads export: a dry run (``validate_only``: Google checks everything and changes nothing) or for
real, through the official client built from the organization's stored, encrypted credentials.

The network is the library's business (OAuth token refresh, then gRPC); tests replace only those two edges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from campaigns.exporters import google_ads_api
from campaigns.models import CredentialPlatform, Organization
from campaigns.services.credentials import load_credentials

REQUIRED = ("developer_token", "client_id", "client_secret", "refresh_token", "customer_id")


class SendError(Exception):
    """Nothing was sent (or Google refused it); the message says why and what to do."""

    def __init__(self, message: str, *, platform_errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.platform_errors = platform_errors or []


def _digits(value: str) -> str:
    return value.replace("-", "").strip()


class GoogleAdsConnection:
    """The official ``GoogleAdsClient``, built from an organization's decrypted credentials."""

    def __init__(self, secrets: dict[str, str]) -> None:
        missing = [name for name in REQUIRED if not secrets.get(name)]
        if missing:
            raise SendError(f"the stored Google Ads credentials lack {', '.join(missing)}; store them again")
        from google.ads.googleads.client import GoogleAdsClient

        config: dict[str, str | bool] = {
            name: secrets[name] for name in ("developer_token", "client_id", "client_secret", "refresh_token")
        }
        if secrets.get("login_customer_id"):  # a manager account acting for the client account
            config["login_customer_id"] = _digits(secrets["login_customer_id"])
        config["use_proto_plus"] = True
        self.customer_id = _digits(secrets["customer_id"])
        self.client = GoogleAdsClient.load_from_dict(config, version=google_ads_api.VERSION)

    def get_service(self, name: str, version: str = google_ads_api.VERSION) -> Any:
        return self.client.get_service(name, version=version)


@dataclass
class SendResult:
    """What happened: ``sent`` is False when nothing left this machine."""

    sent: bool
    validate_only: bool
    customer_id: str
    operations: int
    results: list[str] = field(default_factory=list)  # resource names Google created or changed (none in a dry run)
    problems: list[dict[str, str]] = field(default_factory=list)  # items left out by the shared validator
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def send_google_ads(
    organization: Organization, *, validate_only: bool = True, campaign_ids: Iterable[int] | None = None
) -> SendResult:
    """Build the account's mutate request and send it; without stored credentials a dry run is checked here only.

    Raises:
        SendError: for real without credentials, incomplete credentials, or Google refusing the request.
        CredentialError: the stored credentials do not decrypt under the configured keys.
    """
    campaign_ids = None if campaign_ids is None else list(campaign_ids)
    secrets = load_credentials(organization, CredentialPlatform.GOOGLE_ADS)
    if secrets is None:
        if not validate_only:
            raise SendError(
                "this organization has no stored Google Ads credentials, so nothing can be sent for "
                "real; store them first (manage.py set_credentials --platform google_ads)"
            )
        request, account = google_ads_api.build_request(organization, "0", campaign_ids)
        return SendResult(
            sent=False,
            validate_only=True,
            customer_id="0",
            operations=len(request.mutate_operations),
            problems=[p.as_dict() for p in account.problems],
            detail="no stored Google Ads credentials: checked here by the shared validator only, not by Google",
        )
    connection = GoogleAdsConnection(secrets)
    return _send(organization, connection, validate_only, campaign_ids)


def _send(
    organization: Organization, connection: GoogleAdsConnection, validate_only: bool, campaign_ids: Iterable[int] | None
) -> SendResult:
    from google.ads.googleads.errors import GoogleAdsException
    from google.auth.exceptions import GoogleAuthError

    customer_id = connection.customer_id
    try:
        names = google_ads_api.budget_resource_names(
            connection, customer_id, google_ads_api.campaigns_of(organization, campaign_ids)
        )
        request, account = google_ads_api.build_request(organization, customer_id, campaign_ids, names)
        result = SendResult(
            sent=False,
            validate_only=validate_only,
            customer_id=customer_id,
            operations=len(request.mutate_operations),
            problems=[p.as_dict() for p in account.problems],
        )
        if not result.operations:
            result.detail = "nothing to send: every item is already on Google or was left out"
            return result
        response = google_ads_api.send(connection, request, validate_only=validate_only)
    except GoogleAdsException as exc:
        errors = [error.message for error in exc.failure.errors]
        raise SendError(f"Google refused the request (request id {exc.request_id})", platform_errors=errors) from exc
    except GoogleAuthError as exc:
        raise SendError(f"Google did not accept the stored credentials: {exc}") from exc
    result.sent = True
    result.results = [_resource_name(item) for item in response.mutate_operation_responses]
    result.detail = "validated by Google; nothing was changed" if validate_only else "applied by Google"
    return result


def _resource_name(operation_response: Any) -> str:  # a proto-plus message
    """The one result of a ``MutateOperationResponse`` (a oneof of per-resource results), by its resource name."""
    kind = type(operation_response).pb(operation_response).WhichOneof("response")
    return getattr(getattr(operation_response, kind), "resource_name", "") if kind else ""
