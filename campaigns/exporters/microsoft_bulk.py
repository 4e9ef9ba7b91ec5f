"""Microsoft Advertising bulk file (CSV), written with the official ``bingads`` SDK's BulkFileWriter and entities.

New entities carry negative ids: in a bulk upload a negative id is a reference key that children (Parent Id) and
associations point to within the same file (Microsoft's "Bulk File Schema", reference keys).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from campaigns.exporters.account import Account, load_account
from campaigns.models import Keyword, Organization

STATUS = {"enabled": "Active", "paused": "Paused"}
MATCH = {"exact": "Exact", "phrase": "Phrase", "broad": "Broad"}
# Microsoft names languages, not ISO codes.
LANGUAGES = {"es": "Spanish", "en": "English", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
             "nl": "Dutch", "ca": "Catalan"}
TIME_ZONES = {"Europe/Madrid": "BrusselsCopenhagenMadridParis", "Europe/Paris": "BrusselsCopenhagenMadridParis",
              "Europe/London": "GreenwichMeanTimeDublinEdinburghLisbonLondon",
              "Europe/Lisbon": "GreenwichMeanTimeDublinEdinburghLisbonLondon",
              "America/Mexico_City": "GuadalajaraMexicoCityMonterrey"}


def export_microsoft_bulk(organization: Organization,
                          campaign_ids: Iterable[int] | None = None) -> tuple[bytes, Account]:
    """The bulk file's bytes and the account it came from, with its ``problems``."""
    account = load_account(organization, "microsoft", campaign_ids)
    return render(account), account


def render(account: Account) -> bytes:
    from bingads.v13.bulk import BulkFileWriter  # the SDK loads its WSDL schema on import: keep it out of start-up

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bulk.csv"
        with BulkFileWriter(str(path)) as writer:
            for entity in entities(account):
                writer.write_entity(entity)
        return path.read_bytes()


def entities(account: Account) -> Iterable[object]:
    """The bulk entities of the account, parents before children."""
    from bingads.v13.bulk import entities as bulk

    factory = _factory()
    time_zone = TIME_ZONES.get(account.organization.time_zone)
    for shared in account.shared_lists:
        negative_list = factory.create("NegativeKeywordList")
        negative_list.Id, negative_list.Name, negative_list.Type = -shared.shared_list.pk, shared.shared_list.name, (
            "NegativeKeywordList")
        yield bulk.BulkNegativeKeywordList(status="Active", negative_keyword_list=negative_list)
        for keyword in shared.keywords:
            yield bulk.BulkSharedNegativeKeyword(status="Active", negative_keyword=_negative(keyword),
                                                 negative_keyword_list_id=-shared.shared_list.pk)
    for item in account.campaigns:
        campaign = item.campaign
        yield bulk.BulkCampaign(campaign=_campaign(factory, campaign, time_zone))
        for shared_list in item.shared_lists:
            association = factory.create("SharedEntityAssociation")
            association.EntityId, association.EntityType = -campaign.pk, "Campaign"
            association.SharedEntityId, association.SharedEntityType = -shared_list.pk, "NegativeKeywordList"
            yield bulk.BulkCampaignNegativeKeywordList(status="Active", shared_entity_association=association)
        for keyword in item.negatives:
            yield bulk.BulkCampaignNegativeKeyword(status="Active", negative_keyword=_negative(keyword),
                                                   campaign_id=-campaign.pk, campaign_name=campaign.name)
        for group in item.ad_groups:
            ad_group = group.ad_group
            entity = bulk.BulkAdGroup(campaign_id=-campaign.pk, campaign_name=campaign.name)
            entity.ad_group = _ad_group(factory, ad_group)
            yield entity
            for keyword in group.keywords:
                if keyword.negative:
                    yield bulk.BulkAdGroupNegativeKeyword(
                        status="Active", negative_keyword=_negative(keyword), ad_group_id=-ad_group.pk,
                        ad_group_name=ad_group.name, campaign_name=campaign.name)
                else:
                    yield bulk.BulkKeyword(ad_group_id=-ad_group.pk, keyword=_keyword(factory, keyword),
                                           campaign_name=campaign.name, ad_group_name=ad_group.name)
            for ad in group.ads:
                yield bulk.BulkResponsiveSearchAd(ad_group_id=-ad_group.pk, campaign_name=campaign.name,
                                                  ad_group_name=ad_group.name, ad=_ad(factory, ad))


def _factory():  # type: ignore[no-untyped-def]
    from bingads.service_client import _CAMPAIGN_OBJECT_FACTORY_V13

    return _CAMPAIGN_OBJECT_FACTORY_V13


def units(micros: int) -> float:
    return float(Decimal(micros) / 1_000_000)


def _campaign(factory, campaign, time_zone: str | None):  # type: ignore[no-untyped-def]
    entity = factory.create("Campaign")
    entity.Id, entity.Name, entity.Status = -campaign.pk, campaign.name, STATUS[campaign.status]
    entity.DailyBudget, entity.BudgetType = units(campaign.daily_budget_micros), "DailyBudgetStandard"
    entity.CampaignType = ["Search"]
    entity.TimeZone = time_zone
    entity.Languages.string.append(LANGUAGES.get(campaign.language, "All"))
    for name in ("BidStrategyScope", "BiddingScheme", "PrivacyStatus"):  # empty SOAP shells would be written as-is
        setattr(entity, name, None)
    return entity


def _ad_group(factory, ad_group):  # type: ignore[no-untyped-def]
    entity = factory.create("AdGroup")
    entity.Id, entity.Name, entity.Status = -ad_group.pk, ad_group.name, STATUS[ad_group.status]
    entity.CpcBid = _bid(factory, ad_group.max_cpc_micros)
    for name in ("AdRotation", "BiddingScheme", "Network", "PrivacyStatus", "AdGroupType"):
        if hasattr(entity, name):
            setattr(entity, name, None)
    return entity


def _bid(factory, micros: int | None):  # type: ignore[no-untyped-def]
    if micros is None:
        return None
    bid = factory.create("Bid")
    bid.Amount = units(micros)
    return bid


def _keyword(factory, keyword: Keyword):  # type: ignore[no-untyped-def]
    entity = factory.create("Keyword")
    entity.Text, entity.MatchType, entity.Status = keyword.text, MATCH[keyword.match_type], STATUS[keyword.status]
    entity.Bid = _bid(factory, keyword.max_cpc_micros)
    for name in ("BiddingScheme", "EditorialStatus"):
        setattr(entity, name, None)
    return entity


def _negative(keyword: Keyword):  # type: ignore[no-untyped-def]
    entity = _factory().create("NegativeKeyword")
    entity.Text, entity.MatchType, entity.Type = keyword.text, MATCH[keyword.match_type], "NegativeKeyword"
    return entity


PINS = {"headlines": "Headline{}", "descriptions": "Description{}"}


def _ad(factory, ad):  # type: ignore[no-untyped-def]
    entity = factory.create("ResponsiveSearchAd")
    entity.Type, entity.Status = "ResponsiveSearch", STATUS[ad.status]
    entity.Path1, entity.Path2 = ad.path1 or None, ad.path2 or None
    entity.FinalUrls.string.append(ad.final_url)
    entity.EditorialStatus = None
    for field_name, links in (("headlines", entity.Headlines), ("descriptions", entity.Descriptions)):
        for asset in getattr(ad, field_name):
            link = factory.create("AssetLink")
            link.Asset = factory.create("TextAsset")
            link.Asset.Type, link.Asset.Text = "TextAsset", asset["text"]
            link.PinnedField = None if asset.get("pin") is None else PINS[field_name].format(asset["pin"])
            link.EditorialStatus = link.AssetPerformanceLabel = None
            links.AssetLink.append(link)
    return entity
