"""Sending the Google Ads export: a dry run (validate_only) or for real with the organization's stored credentials.

Only the network edge is replaced (Google's OAuth endpoint and the gRPC channel, tests/campaigns/google_ads_edge.py);
the requests that reach it are the library's own messages, parsed back from the bytes that would have been sent.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from campaigns.exporters import google_ads_api
from campaigns.models import Ad
from campaigns.services.credentials import store_credentials
from tests.campaigns.google_ads_edge import RefusedCall
from tests.factories import AdGroupFactory, CampaignFactory, KeywordFactory, member

pytestmark = pytest.mark.django_db
SECRETS = {
    "developer_token": "dev-token-abc",
    "client_id": "client.apps.example",
    "client_secret": "s3cret",
    "refresh_token": "1//refresh",
    "login_customer_id": "111-222-3333",
    "customer_id": "123-456-7890",
}
BUDGET = "customers/1234567890/campaignBudgets/777"
SEND = "/api/exports/google-ads/send/"


@pytest.fixture
def account(organization):
    """A new campaign (created on Google by the request) and one already there (only its budget is updated)."""
    ad_group = AdGroupFactory(
        campaign__organization=organization, campaign__name="A Cementos", name="Cemento cola", max_cpc_micros=600_000
    )
    KeywordFactory(ad_group=ad_group, text="cemento cola flexible", match_type="phrase")
    Ad.objects.create(
        ad_group=ad_group,
        final_url="https://example.com/cemento",
        headlines=[{"text": f"Cemento cola {n}", "pin": None} for n in range(3)],
        descriptions=[{"text": f"Envío en 24 horas {n}.", "pin": None} for n in range(2)],
    )
    existing = CampaignFactory(
        organization=organization, name="B Ladrillos", external_id="555", daily_budget_micros=52_000_000
    )
    return ad_group.campaign, existing


@pytest.fixture
def api(teammate):
    client = APIClient()
    client.force_authenticate(teammate)
    return client


def searched_budgets(edge) -> None:
    from google.ads.googleads.v26.resources.types.campaign import Campaign
    from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow, SearchGoogleAdsResponse

    edge.responses["GoogleAdsService/Search"] = SearchGoogleAdsResponse(
        results=[GoogleAdsRow(campaign=Campaign(id=555, campaign_budget=BUDGET))]
    )


def operation_kinds(request) -> list[str]:
    return [type(op).pb(op).WhichOneof("operation") for op in request.mutate_operations]


def test_dry_run_without_credentials_is_checked_here_only(api, organization, account, google_ads_edge):
    response = api.post(SEND, {"organization": organization.pk, "validate_only": True}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "sent": False,
        "validate_only": True,
        "customer_id": "0",
        "operations": 5,
        "results": [],
        "problems": [
            {
                "item": "campaign 'B Ladrillos'",
                "rule": "budget_unresolved",
                "detail": "its budget's resource name was not looked up; budget not updated",
            }
        ],
        "detail": "no stored Google Ads credentials: checked here by the shared validator only, not by Google",
    }
    assert google_ads_edge.calls == [] and google_ads_edge.token_requests == []


def test_for_real_without_credentials_is_refused(api, organization, account, google_ads_edge):
    response = api.post(SEND, {"organization": organization.pk, "validate_only": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "this organization has no stored Google Ads credentials, so nothing can be "
        "sent for real; store them first (manage.py set_credentials --platform "
        "google_ads)"
    }
    assert google_ads_edge.calls == []


@pytest.mark.parametrize("validate_only", [True, False])
def test_send_with_stored_credentials(api, organization, account, google_ads_edge, validate_only):
    from google.ads.googleads.v26.services.types.google_ads_service import (
        MutateGoogleAdsResponse,
        MutateOperationResponse,
    )

    store_credentials(organization, "google_ads", SECRETS)
    searched_budgets(google_ads_edge)
    created = [
        f"customers/1234567890/{name}"
        for name in (
            "campaignBudgets/901",
            "campaigns/902",
            "adGroups/903",
            "adGroupCriteria/903~904",
            "adGroupAds/903~905",
            "campaignBudgets/777",
        )
    ]
    if not validate_only:  # a dry run answers with no results
        from google.ads.googleads.v26.services.types import (
            ad_group_ad_service,
            ad_group_criterion_service,
            ad_group_service,
            campaign_budget_service,
            campaign_service,
        )

        results = [
            {"campaign_budget_result": campaign_budget_service.MutateCampaignBudgetResult(resource_name=created[0])},
            {"campaign_result": campaign_service.MutateCampaignResult(resource_name=created[1])},
            {"ad_group_result": ad_group_service.MutateAdGroupResult(resource_name=created[2])},
            {
                "ad_group_criterion_result": ad_group_criterion_service.MutateAdGroupCriterionResult(
                    resource_name=created[3]
                )
            },
            {"ad_group_ad_result": ad_group_ad_service.MutateAdGroupAdResult(resource_name=created[4])},
            {"campaign_budget_result": campaign_budget_service.MutateCampaignBudgetResult(resource_name=created[5])},
        ]
        google_ads_edge.responses["GoogleAdsService/Mutate"] = MutateGoogleAdsResponse(
            mutate_operation_responses=[MutateOperationResponse(**result) for result in results]
        )

    response = api.post(SEND, {"organization": organization.pk, "validate_only": validate_only}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "sent": True,
        "validate_only": validate_only,
        "customer_id": "1234567890",
        "operations": 6,
        "results": [] if validate_only else created,
        "problems": [],
        "detail": "validated by Google; nothing was changed" if validate_only else "applied by Google",
    }
    assert google_ads_edge.token_requests == [
        b"grant_type=refresh_token&client_id=client.apps.example&client_secret=s3cret&refresh_token=1%2F%2Frefresh"
    ]
    search, mutate = google_ads_edge.calls
    assert (search.method, search.request.customer_id, search.request.query) == (
        "GoogleAdsService/Search",
        "1234567890",
        "SELECT campaign.id, campaign.campaign_budget FROM campaign WHERE campaign.id IN (555)",
    )
    assert mutate.method == "GoogleAdsService/Mutate"
    assert (mutate.metadata["developer-token"], mutate.metadata["login-customer-id"]) == ("dev-token-abc", "1112223333")
    expected, _ = google_ads_api.build_request(organization, "1234567890", None, {"555": BUDGET})
    expected.validate_only = validate_only
    assert mutate.request == expected
    assert mutate.request.validate_only is validate_only
    assert operation_kinds(mutate.request) == [
        "campaign_budget_operation",
        "campaign_operation",
        "ad_group_operation",
        "ad_group_criterion_operation",
        "ad_group_ad_operation",
        "campaign_budget_operation",
    ]
    budget_update = mutate.request.mutate_operations[5].campaign_budget_operation
    assert (
        budget_update.update.resource_name,
        budget_update.update.amount_micros,
        list(budget_update.update_mask.paths),
    ) == (BUDGET, 52_000_000, ["amount_micros"])


def test_google_refusal_is_reported_and_nothing_applied(api, organization, account, google_ads_edge):
    store_credentials(organization, "google_ads", SECRETS)
    searched_budgets(google_ads_edge)
    google_ads_edge.responses["GoogleAdsService/Mutate"] = RefusedCall(["Too many characters in the headline."])
    response = api.post(SEND, {"organization": organization.pk, "validate_only": False}, format="json")
    assert response.status_code == 502
    assert response.json() == {
        "detail": "Google refused the request (request id fake-request-7)",
        "platform_errors": ["Too many characters in the headline."],
    }
    assert [call.method for call in google_ads_edge.calls] == ["GoogleAdsService/Search", "GoogleAdsService/Mutate"]


def test_only_the_chosen_campaigns_are_sent(api, organization, account, google_ads_edge):
    store_credentials(organization, "google_ads", SECRETS)
    new, _ = account
    response = api.post(
        SEND, {"organization": organization.pk, "validate_only": True, "campaign": [new.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["operations"] == 5
    (mutate,) = google_ads_edge.calls  # no existing campaign among them: no budget search
    assert operation_kinds(mutate.request) == [
        "campaign_budget_operation",
        "campaign_operation",
        "ad_group_operation",
        "ad_group_criterion_operation",
        "ad_group_ad_operation",
    ]


def test_viewers_and_outsiders_cannot_send(organization, account, outsider, google_ads_edge):
    store_credentials(organization, "google_ads", SECRETS)
    client = APIClient()
    client.force_authenticate(member(organization, "viewer"))
    refused = client.post(SEND, {"organization": organization.pk, "validate_only": True}, format="json")
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Your role in this organization does not allow this change."},
    )
    client.force_authenticate(outsider)
    hidden = client.post(SEND, {"organization": organization.pk, "validate_only": True}, format="json")
    assert (hidden.status_code, hidden.json()) == (
        400,
        {"organization": [f'Invalid pk "{organization.pk}" - object does not exist.']},
    )
    assert google_ads_edge.calls == []
