from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from google.ads.googleads.v26.services.types.google_ads_service import MutateGoogleAdsRequest

from campaigns.exporters.google_ads_api import as_json, build_request, push

pytestmark = pytest.mark.django_db


class FakeGoogleAdsService:
    """Stands in for the network: records what would be sent and answers a GAQL search for budgets."""

    def __init__(self, budgets: dict[int, str]) -> None:
        self.budgets = budgets
        self.mutated: list[MutateGoogleAdsRequest] = []
        self.queries: list[str] = []

    def search(self, customer_id: str, query: str) -> list[object]:
        self.queries.append(query)
        return [
            SimpleNamespace(campaign=SimpleNamespace(id=i, campaign_budget=name)) for i, name in self.budgets.items()
        ]

    def mutate(self, request: MutateGoogleAdsRequest) -> str:
        self.mutated.append(request)
        return "ok"


class FakeClient:
    def __init__(self, service: FakeGoogleAdsService) -> None:
        self.service = service

    def get_service(self, name: str, version: str) -> FakeGoogleAdsService:
        assert (name, version) == ("GoogleAdsService", "v26")
        return self.service


def kinds(request: MutateGoogleAdsRequest) -> list[str]:
    return [
        MutateGoogleAdsRequest.meta.fields["mutate_operations"].message.pb(op).WhichOneof("operation")
        for op in request.mutate_operations
    ]


def test_payload_parses_into_the_library_request_type(account):
    request, result = build_request(account.organization, "1234567890")
    assert result.problems == []
    payload = as_json(request)
    parsed = MutateGoogleAdsRequest.from_json(json.dumps(payload))
    assert parsed == request
    assert payload["customerId"] == "1234567890" and payload["validateOnly"] is True
    assert kinds(parsed) == [
        "shared_set_operation",
        "shared_criterion_operation",
        "shared_criterion_operation",
        # Azulejos
        "campaign_budget_operation",
        "campaign_operation",
        "campaign_shared_set_operation",
        "ad_group_operation",
        "ad_group_criterion_operation",
        "ad_group_ad_operation",
        # Cemento
        "campaign_budget_operation",
        "campaign_operation",
        "campaign_shared_set_operation",
        "campaign_criterion_operation",
        "ad_group_operation",
        *["ad_group_criterion_operation"] * 4,
        "ad_group_ad_operation",
        "ad_group_operation",
        "ad_group_criterion_operation",
        "ad_group_ad_operation",
    ]
    ops = payload["mutateOperations"]
    assert ops[9]["campaignBudgetOperation"]["create"] == {
        "resourceName": f"customers/1234567890/campaignBudgets/-{account.pk}",
        "name": "Cemento (budget)",
        "amountMicros": "40000000",
        "deliveryMethod": "STANDARD",
        "explicitlyShared": False,
    }
    campaign = ops[10]["campaignOperation"]["create"]
    assert (campaign["name"], campaign["status"], campaign["advertisingChannelType"], campaign["campaignBudget"]) == (
        "Cemento",
        "ENABLED",
        "SEARCH",
        f"customers/1234567890/campaignBudgets/-{account.pk}",
    )
    shared = account.organization.negative_lists.get()
    assert ops[0]["sharedSetOperation"]["create"] == {
        "resourceName": f"customers/1234567890/sharedSets/-{shared.pk}",
        "name": "Competidores",
        "type": "NEGATIVE_KEYWORDS",
    }
    assert ops[1]["sharedCriterionOperation"]["create"]["keyword"] == {"text": "bricomart", "matchType": "EXACT"}
    assert ops[12]["campaignCriterionOperation"]["create"]["negative"] is True
    criterion = ops[15]["adGroupCriterionOperation"]["create"]
    assert (criterion["keyword"], criterion["cpcBidMicros"], criterion["status"]) == (
        {"text": "cemento cola", "matchType": "EXACT"},
        "1500000",
        "ENABLED",
    )
    rsa = ops[18]["adGroupAdOperation"]["create"]["ad"]
    assert rsa["finalUrls"] == ["https://materiales.example/cemento-cola"]
    assert rsa["responsiveSearchAd"]["headlines"][:2] == [
        {"text": "Cemento Cola Rápido", "pinnedField": "HEADLINE_1"},
        {"text": "Entrega en 24 horas"},
    ]
    assert rsa["responsiveSearchAd"]["descriptions"][0]["pinnedField"] == "DESCRIPTION_1"
    assert (rsa["responsiveSearchAd"]["path1"], rsa["responsiveSearchAd"]["path2"]) == ("cemento", "cola")


def test_existing_campaign_budget_is_an_update_with_a_mask_sent_validate_only(account):
    account.external_id = "987"
    account.save()
    service = FakeGoogleAdsService({987: "customers/1234567890/campaignBudgets/555"})
    response, result = push(account.organization, FakeClient(service), "1234567890", campaign_ids=[account.pk])
    assert response == "ok" and result.problems == []
    assert service.queries == ["SELECT campaign.id, campaign.campaign_budget FROM campaign WHERE campaign.id IN (987)"]
    (sent,) = service.mutated
    assert sent.validate_only is True
    payload = as_json(sent)
    ops = {next(iter(op)): op[next(iter(op))] for op in payload["mutateOperations"]}
    budget = ops["campaignBudgetOperation"]
    assert budget == {
        "update": {"resourceName": "customers/1234567890/campaignBudgets/555", "amountMicros": "40000000"},
        "updateMask": "amountMicros",
    }
    # The campaign exists: no campaign create, and its new children point at its real resource name.
    assert "campaign_operation" not in kinds(sent)
    assert ops["campaignSharedSetOperation"]["create"]["campaign"] == ("customers/1234567890/campaigns/987")


def test_invalid_ad_is_reported_not_sent(account):
    account.ad_groups.get(name="Cemento gris").ads.update(final_url="ftp://materiales.example/")
    request, result = build_request(account.organization, "1")
    assert [p.rule for p in result.problems] == ["final_url"]
    assert kinds(request).count("ad_group_ad_operation") == 2
