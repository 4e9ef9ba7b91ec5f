"""Google Ads API mutate requests built from the official ``google-ads`` library's message types.

One ``GoogleAdsService.Mutate`` request per export, so the whole account lands atomically: new items get temporary
(negative) ids in their resource names and refer to each other by them. A campaign that already exists on Google
(platform "google" with a numeric external id) is referred to by its real resource name and only its budget is
updated (``amount_micros`` with an update mask). Sending goes through :func:`send`, the one network edge, which takes
a ``GoogleAdsClient`` (or anything with its ``get_service``); ``validate_only`` makes it a dry run.

Stored, encrypted platform credentials are not this module's business: ``campaigns.services.google_ads_sending``
builds the client from them.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Iterable
from types import ModuleType
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils.translation import gettext

from campaigns.exporters.account import Account, ExportCampaign, campaign_item, load_account
from campaigns.exporters.support import GOOGLE_ADS_API
from campaigns.models import Campaign, Keyword, Organization

VERSION = "v26"


class AdsClient(Protocol):
    """What the calls here need of a ``GoogleAdsClient`` (the library is untyped: its services and messages are
    ``Any``)."""

    def get_service(self, name: str, version: str = ...) -> Any: ...


_MODULES = {
    "common": ("ad_asset", "ad_type_infos", "bidding", "criteria"),
    "enums": (
        "ad_group_ad_status",
        "ad_group_criterion_status",
        "ad_group_status",
        "ad_group_type",
        "advertising_channel_type",
        "budget_delivery_method",
        "campaign_status",
        "eu_political_advertising_status",
        "keyword_match_type",
        "served_asset_field_type",
        "shared_set_type",
    ),
    "resources": (
        "ad",
        "ad_group",
        "ad_group_ad",
        "ad_group_criterion",
        "campaign",
        "campaign_budget",
        "campaign_criterion",
        "campaign_shared_set",
        "shared_criterion",
        "shared_set",
    ),
    "services": (
        "ad_group_ad_service",
        "ad_group_criterion_service",
        "ad_group_service",
        "campaign_budget_service",
        "campaign_criterion_service",
        "campaign_service",
        "campaign_shared_set_service",
        "google_ads_service",
        "shared_criterion_service",
        "shared_set_service",
    ),
}


@functools.cache
def _types() -> dict[str, ModuleType]:
    """The library's message modules, imported on first use: they are large and the web process rarely needs them."""
    return {
        name: importlib.import_module(f"google.ads.googleads.{VERSION}.{kind}.types.{name}")
        for kind, names in _MODULES.items()
        for name in names
    }


def build_request(
    organization: Organization,
    customer_id: str,
    campaign_ids: Iterable[int] | None = None,
    budget_resource_names: dict[str, str] | None = None,
) -> tuple[Any, Account]:
    """The ``MutateGoogleAdsRequest`` (with ``validate_only`` set) and the account, with its ``problems``."""
    account = load_account(organization, "google", campaign_ids, GOOGLE_ADS_API)
    builder = _Builder(customer_id, budget_resource_names or {})
    for shared in account.shared_lists:
        builder.shared_list(shared.shared_list, shared.keywords)
    for item in account.campaigns:
        builder.campaign(item)
    t = _types()
    request = t["google_ads_service"].MutateGoogleAdsRequest(
        customer_id=customer_id, mutate_operations=builder.operations, validate_only=True
    )
    account.problems += builder.problems
    return request, account


def as_json(request: Any) -> dict:  # a proto-plus message (the library is untyped)
    """The request as the API's JSON (field names as in the REST interface)."""
    return json.loads(
        type(request).to_json(request, use_integers_for_enums=False, always_print_fields_with_no_presence=False)
    )


def existing_on_google(campaign: Campaign) -> bool:
    return campaign.platform == "google" and campaign.external_id.isdigit()


def budget_resource_names(client: AdsClient, customer_id: str, campaigns: Iterable[Campaign]) -> dict[str, str]:
    """Budget resource names of campaigns already on Google, by campaign id (a GAQL search through the client)."""
    ids = sorted({int(c.external_id) for c in campaigns if existing_on_google(c)})
    if not ids:
        return {}
    service = client.get_service("GoogleAdsService", version=VERSION)
    query = (
        f"SELECT campaign.id, campaign.campaign_budget FROM campaign WHERE campaign.id IN ({', '.join(map(str, ids))})"
    )
    return {
        str(row.campaign.id): row.campaign.campaign_budget
        for row in service.search(customer_id=customer_id, query=query)
    }


def send(client: AdsClient, request: Any, *, validate_only: bool = True) -> Any:
    """The network edge: one mutate call; with ``validate_only`` Google checks everything and changes nothing."""
    request.validate_only = validate_only
    service = client.get_service("GoogleAdsService", version=VERSION)
    return service.mutate(request=request)


def campaigns_of(organization: Organization, campaign_ids: Iterable[int] | None = None) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.filter(organization=organization)
    return campaigns if campaign_ids is None else campaigns.filter(pk__in=list(campaign_ids))


def push(
    organization: Organization,
    client: AdsClient,
    customer_id: str,
    campaign_ids: Iterable[int] | None = None,
    *,
    validate_only: bool = True,
) -> tuple[Any, Account]:
    """Build the account's request and send it (a dry run unless ``validate_only`` is False)."""
    names = budget_resource_names(client, customer_id, campaigns_of(organization, campaign_ids))
    request, account = build_request(organization, customer_id, campaign_ids, names)
    return send(client, request, validate_only=validate_only), account


class _Builder:
    def __init__(self, customer_id: str, budget_names: dict[str, str]) -> None:
        self.customer = f"customers/{customer_id}"
        self.budget_names = budget_names
        self.t = _types()
        self.operations: list[object] = []
        self.problems: list = []
        self.lists: dict[int, str] = {}

    def op(self, **kwargs: object) -> None:
        self.operations.append(self.t["google_ads_service"].MutateOperation(**kwargs))

    def name(self, collection: str, temp_id: int) -> str:
        return f"{self.customer}/{collection}/-{temp_id}"

    def status(self, module: str, enum: str, value: str) -> object:
        return getattr(getattr(self.t[module], enum), enum[:-4])[value.upper()]

    def keyword_info(self, keyword: Keyword) -> object:
        match = self.t["keyword_match_type"].KeywordMatchTypeEnum.KeywordMatchType[keyword.match_type.upper()]
        return self.t["criteria"].KeywordInfo(text=keyword.text, match_type=match)

    def shared_list(self, shared_list, keywords: list[Keyword]) -> None:
        t = self.t
        resource = self.lists[shared_list.pk] = self.name("sharedSets", shared_list.pk)
        kind = t["shared_set_type"].SharedSetTypeEnum.SharedSetType.NEGATIVE_KEYWORDS
        self.op(
            shared_set_operation=t["shared_set_service"].SharedSetOperation(
                create=t["shared_set"].SharedSet(resource_name=resource, name=shared_list.name, type_=kind)
            )
        )
        for keyword in keywords:
            self.op(
                shared_criterion_operation=t["shared_criterion_service"].SharedCriterionOperation(
                    create=t["shared_criterion"].SharedCriterion(
                        shared_set=resource, keyword=self.keyword_info(keyword)
                    )
                )
            )

    def campaign(self, item: ExportCampaign) -> None:
        t, campaign = self.t, item.campaign
        if existing_on_google(campaign):
            resource = f"{self.customer}/campaigns/{campaign.external_id}"
            budget_name = self.budget_names.get(campaign.external_id)
            if budget_name is None:
                from campaigns.exporters.validation import Problem

                self.problems.append(
                    Problem(
                        campaign_item(campaign.name),
                        "budget_unresolved",
                        gettext("its budget's resource name was not looked up; budget not updated"),
                    )
                )
            else:
                from google.protobuf import field_mask_pb2

                self.op(
                    campaign_budget_operation=t["campaign_budget_service"].CampaignBudgetOperation(
                        update=t["campaign_budget"].CampaignBudget(
                            resource_name=budget_name, amount_micros=campaign.daily_budget_micros
                        ),
                        update_mask=field_mask_pb2.FieldMask(paths=["amount_micros"]),
                    )
                )
        else:
            resource = self.new_campaign(campaign)
        for shared_list in item.shared_lists:
            if shared_list.pk in self.lists:
                self.op(
                    campaign_shared_set_operation=t["campaign_shared_set_service"].CampaignSharedSetOperation(
                        create=t["campaign_shared_set"].CampaignSharedSet(
                            campaign=resource, shared_set=self.lists[shared_list.pk]
                        )
                    )
                )
        for keyword in item.negatives:
            if not keyword.external_id:
                self.op(
                    campaign_criterion_operation=t["campaign_criterion_service"].CampaignCriterionOperation(
                        create=t["campaign_criterion"].CampaignCriterion(
                            campaign=resource, negative=True, keyword=self.keyword_info(keyword)
                        )
                    )
                )
        for group in item.ad_groups:
            self.ad_group(resource, group)

    def new_campaign(self, campaign: Campaign) -> str:
        t = self.t
        budget = self.name("campaignBudgets", campaign.pk)
        standard = t["budget_delivery_method"].BudgetDeliveryMethodEnum.BudgetDeliveryMethod.STANDARD
        self.op(
            campaign_budget_operation=t["campaign_budget_service"].CampaignBudgetOperation(
                create=t["campaign_budget"].CampaignBudget(
                    resource_name=budget,
                    name=f"{campaign.name} (budget)",
                    amount_micros=campaign.daily_budget_micros,
                    delivery_method=standard,
                    explicitly_shared=False,
                )
            )
        )
        resource = self.name("campaigns", campaign.pk)
        eu = t["eu_political_advertising_status"].EuPoliticalAdvertisingStatusEnum.EuPoliticalAdvertisingStatus
        self.op(
            campaign_operation=t["campaign_service"].CampaignOperation(
                create=t["campaign"].Campaign(
                    resource_name=resource,
                    name=campaign.name,
                    campaign_budget=budget,
                    status=self.status("campaign_status", "CampaignStatusEnum", campaign.status),
                    advertising_channel_type=t[
                        "advertising_channel_type"
                    ].AdvertisingChannelTypeEnum.AdvertisingChannelType.SEARCH,
                    manual_cpc=t["bidding"].ManualCpc(),
                    network_settings=t["campaign"].Campaign.NetworkSettings(
                        target_google_search=True, target_search_network=True
                    ),
                    contains_eu_political_advertising=eu.DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING,
                )
            )
        )
        return resource

    def ad_group(self, campaign_resource: str, group) -> None:
        t, ad_group = self.t, group.ad_group
        if ad_group.external_id.isdigit() and not campaign_resource.endswith(f"/-{ad_group.campaign_id}"):
            resource = f"{self.customer}/adGroups/{ad_group.external_id}"
        else:
            resource = self.name("adGroups", ad_group.pk)
            self.op(
                ad_group_operation=t["ad_group_service"].AdGroupOperation(
                    create=t["ad_group"].AdGroup(
                        resource_name=resource,
                        name=ad_group.name,
                        campaign=campaign_resource,
                        status=self.status("ad_group_status", "AdGroupStatusEnum", ad_group.status),
                        type_=t["ad_group_type"].AdGroupTypeEnum.AdGroupType.SEARCH_STANDARD,
                        cpc_bid_micros=ad_group.max_cpc_micros,
                    )
                )
            )
        for keyword in group.keywords:
            if keyword.external_id:
                continue
            criterion = t["ad_group_criterion"].AdGroupCriterion(
                ad_group=resource, negative=keyword.negative, keyword=self.keyword_info(keyword)
            )
            if not keyword.negative:
                criterion.status = self.status(
                    "ad_group_criterion_status", "AdGroupCriterionStatusEnum", keyword.status
                )
                if keyword.max_cpc_micros is not None:
                    criterion.cpc_bid_micros = keyword.max_cpc_micros
            self.op(
                ad_group_criterion_operation=t["ad_group_criterion_service"].AdGroupCriterionOperation(create=criterion)
            )
        for ad in group.ads:
            if not ad.external_id:
                self.op(ad_group_ad_operation=t["ad_group_ad_service"].AdGroupAdOperation(create=self.ad(resource, ad)))

    def ad(self, ad_group_resource: str, ad) -> object:
        t = self.t
        pins = t["served_asset_field_type"].ServedAssetFieldTypeEnum.ServedAssetFieldType

        def assets(items: list[dict], label: str) -> list[object]:
            return [
                t["ad_asset"].AdTextAsset(
                    text=item["text"], **({"pinned_field": pins[f"{label}_{item['pin']}"]} if item.get("pin") else {})
                )
                for item in items
            ]

        info = t["ad_type_infos"].ResponsiveSearchAdInfo(
            headlines=assets(ad.headlines, "HEADLINE"),
            descriptions=assets(ad.descriptions, "DESCRIPTION"),
            path1=ad.path1,
            path2=ad.path2,
        )
        return t["ad_group_ad"].AdGroupAd(
            ad_group=ad_group_resource,
            status=self.status("ad_group_ad_status", "AdGroupAdStatusEnum", ad.status),
            ad=t["ad"].Ad(final_urls=[ad.final_url], responsive_search_ad=info),
        )
