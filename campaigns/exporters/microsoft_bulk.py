"""Microsoft Advertising bulk file (CSV), written with the official ``bingads`` SDK's BulkFileWriter and entities.

New entities carry negative ids: in a bulk upload a negative id is a reference key that children (Parent Id) and
associations point to within the same file (Microsoft's "Bulk File Schema", reference keys).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from campaigns.exporters.account import Account, load_account
from campaigns.exporters.cells import neutralise, restore
from campaigns.exporters.reading import AccountImportError, AdIn, CampaignIn, KeywordIn, ParsedAccount, parse_money
from campaigns.exporters.support import MICROSOFT_BULK
from campaigns.models import Keyword, Organization

STATUS = {"enabled": "Active", "paused": "Paused"}
# Reference keys of shared budgets start here, apart from the other records' keys (minus their primary keys).
SHARED_BUDGET_KEYS = 10**15
MATCH = {"exact": "Exact", "phrase": "Phrase", "broad": "Broad"}
# Microsoft names languages, not ISO codes.
LANGUAGES = {
    "es": "Spanish",
    "en": "English",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ca": "Catalan",
}
TIME_ZONES = {
    "Europe/Madrid": "BrusselsCopenhagenMadridParis",
    "Europe/Paris": "BrusselsCopenhagenMadridParis",
    "Europe/London": "GreenwichMeanTimeDublinEdinburghLisbonLondon",
    "Europe/Lisbon": "GreenwichMeanTimeDublinEdinburghLisbonLondon",
    "America/Mexico_City": "GuadalajaraMexicoCityMonterrey",
}


def export_microsoft_bulk(
    organization: Organization, campaign_ids: Iterable[int] | None = None
) -> tuple[bytes, Account]:
    """The bulk file's bytes and the account it came from, with its ``problems``."""
    account = load_account(organization, "microsoft", campaign_ids, MICROSOFT_BULK)
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
    shared_budgets: dict[str, int] = {}  # name -> its reference key in this file
    for item in account.campaigns:
        name = item.campaign.shared_budget_name
        if name and name not in shared_budgets:
            shared_budgets[name] = -(SHARED_BUDGET_KEYS + len(shared_budgets) + 1)
            budget = factory.create("Budget")
            budget.Id, budget.Name = shared_budgets[name], neutralise(name)
            budget.Amount, budget.BudgetType = units(item.campaign.daily_budget_micros), "DailyBudgetStandard"
            yield bulk.BulkBudget(budget=budget, status="Active")
    for shared in account.shared_lists:
        negative_list = factory.create("NegativeKeywordList")
        negative_list.Id, negative_list.Type = -shared.shared_list.pk, "NegativeKeywordList"
        negative_list.Name = neutralise(shared.shared_list.name)
        yield bulk.BulkNegativeKeywordList(status="Active", negative_keyword_list=negative_list)
        for keyword in shared.keywords:
            yield bulk.BulkSharedNegativeKeyword(
                status="Active", negative_keyword=_negative(keyword), negative_keyword_list_id=-shared.shared_list.pk
            )
    for item in account.campaigns:
        campaign = item.campaign
        campaign_name = neutralise(campaign.name)  # every name cell: docs/security.md
        entity = bulk.BulkCampaign(campaign=_campaign(factory, campaign, time_zone))
        if campaign.budget_is_shared:  # the amount is the shared budget's, on its own record
            entity.campaign.BudgetId, entity.campaign.DailyBudget = shared_budgets[campaign.shared_budget_name], None
            entity.budget_name = neutralise(campaign.shared_budget_name)
        yield entity
        for shared_list in item.shared_lists:
            association = factory.create("SharedEntityAssociation")
            association.EntityId, association.EntityType = -campaign.pk, "Campaign"
            association.SharedEntityId, association.SharedEntityType = -shared_list.pk, "NegativeKeywordList"
            yield bulk.BulkCampaignNegativeKeywordList(status="Active", shared_entity_association=association)
        for keyword in item.negatives:
            yield bulk.BulkCampaignNegativeKeyword(
                status="Active",
                negative_keyword=_negative(keyword),
                campaign_id=-campaign.pk,
                campaign_name=campaign_name,
            )
        for group in item.ad_groups:
            ad_group = group.ad_group
            ad_group_name = neutralise(ad_group.name)
            entity = bulk.BulkAdGroup(campaign_id=-campaign.pk, campaign_name=campaign_name)
            entity.ad_group = _ad_group(factory, ad_group)
            yield entity
            for keyword in group.keywords:
                if keyword.negative:
                    yield bulk.BulkAdGroupNegativeKeyword(
                        status="Active",
                        negative_keyword=_negative(keyword),
                        ad_group_id=-ad_group.pk,
                        ad_group_name=ad_group_name,
                        campaign_name=campaign_name,
                    )
                else:
                    yield bulk.BulkKeyword(
                        ad_group_id=-ad_group.pk,
                        keyword=_keyword(factory, keyword),
                        campaign_name=campaign_name,
                        ad_group_name=ad_group_name,
                    )
            for ad in group.ads:
                yield bulk.BulkResponsiveSearchAd(
                    ad_group_id=-ad_group.pk,
                    campaign_name=campaign_name,
                    ad_group_name=ad_group_name,
                    ad=_ad(factory, ad),
                )


def _factory():
    from bingads.service_client import _CAMPAIGN_OBJECT_FACTORY_V13

    return _CAMPAIGN_OBJECT_FACTORY_V13


def units(micros: int) -> float:
    return float(Decimal(micros) / 1_000_000)


def _campaign(factory, campaign, time_zone: str | None):
    entity = factory.create("Campaign")
    entity.Id, entity.Name, entity.Status = -campaign.pk, neutralise(campaign.name), STATUS[campaign.status]
    entity.DailyBudget, entity.BudgetType = units(campaign.daily_budget_micros), "DailyBudgetStandard"
    entity.CampaignType = [MICROSOFT_BULK.campaign_types[campaign.campaign_type]]
    entity.TimeZone = time_zone
    entity.Languages.string.append(LANGUAGES.get(campaign.language, "All"))
    for name in ("BidStrategyScope", "BiddingScheme", "PrivacyStatus"):  # empty SOAP shells would be written as-is
        setattr(entity, name, None)
    return entity


def _ad_group(factory, ad_group):
    entity = factory.create("AdGroup")
    entity.Id, entity.Name, entity.Status = -ad_group.pk, neutralise(ad_group.name), STATUS[ad_group.status]
    entity.CpcBid = _bid(factory, ad_group.max_cpc_micros)
    for name in ("AdRotation", "BiddingScheme", "Network", "PrivacyStatus", "AdGroupType"):
        if hasattr(entity, name):
            setattr(entity, name, None)
    return entity


def _bid(factory, micros: int | None):
    if micros is None:
        return None
    bid = factory.create("Bid")
    bid.Amount = units(micros)
    return bid


def _keyword(factory, keyword: Keyword):
    entity = factory.create("Keyword")
    entity.Text, entity.MatchType = neutralise(keyword.text), MATCH[keyword.match_type]
    entity.Status = STATUS[keyword.status]
    entity.Bid = _bid(factory, keyword.max_cpc_micros)
    for name in ("BiddingScheme", "EditorialStatus"):
        setattr(entity, name, None)
    return entity


def _negative(keyword: Keyword):
    entity = _factory().create("NegativeKeyword")
    entity.Text, entity.MatchType, entity.Type = neutralise(keyword.text), MATCH[keyword.match_type], "NegativeKeyword"
    return entity


PINS = {"headlines": "Headline{}", "descriptions": "Description{}"}


def _ad(factory, ad):
    entity = factory.create("ResponsiveSearchAd")
    entity.Type, entity.Status = "ResponsiveSearch", STATUS[ad.status]
    entity.Path1, entity.Path2 = neutralise(ad.path1) or None, neutralise(ad.path2) or None
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


# The way in: read with the SDK's BulkFileReader; other record types of a full download (extensions, targets…) are
# not part of the account structure this tool keeps and are passed over.
STATUS_IN = {"Active": "enabled", "Paused": "paused", "Deleted": "removed", None: "enabled", "": "enabled"}
MATCH_IN = {value: key for key, value in MATCH.items()}
LANGUAGES_IN = {value: key for key, value in LANGUAGES.items()}
CAMPAIGN_TYPES_IN = {
    "Search": "search",
    "DynamicSearchAds": "search",
    "Shopping": "shopping",
    "PerformanceMax": "performance_max",
    "Audience": "display",
}


def _budget_type(value: str | None, line: int | None) -> str:
    if value in (None, "", "DailyBudgetStandard", "DailyBudgetAccelerated"):
        return "daily"
    raise AccountImportError(
        _("%(value)s is not a daily budget type") % {"value": repr(value)}, line=line, column="Budget Type"
    )


def parse(path: Path) -> ParsedAccount:
    """A bulk file (upload or full download, CSV) as plain values; raises AccountImportError naming line and column."""
    from bingads.v13.bulk import BulkFileReader, ResultFileType
    from bingads.v13.bulk import entities as bulk

    lines = _entity_lines(path)
    parsed = ParsedAccount(platform="microsoft")
    campaign_names: dict[int, str] = {}
    list_names: dict[int, str] = {}
    pending: list[tuple[int | None, Any]] = []  # records that refer to others by id, resolved once all are read
    shared_budgets: dict[int, tuple[str, int]] = {}  # a Budget record's id -> its name and daily amount
    on_shared_budget: list[tuple[int | None, str, int]] = []  # line, campaign, budget id
    try:
        with BulkFileReader(str(path), result_file_type=ResultFileType.upload) as reader:
            for number, entity in enumerate(reader):
                line = lines[number] if number < len(lines) else None
                if isinstance(entity, bulk.BulkCampaign):
                    campaign = entity.campaign
                    campaign.Name = restore(campaign.Name)
                    campaign_names[campaign.Id] = campaign.Name
                    languages = list(campaign.Languages.string) if campaign.Languages else []
                    types = list(campaign.CampaignType) if campaign.CampaignType else []
                    parsed.campaigns[campaign.Name] = CampaignIn(
                        line,
                        campaign.Name,
                        _status(campaign.Status, line),
                        _micros(campaign.DailyBudget, line, "Budget") or 0,
                        LANGUAGES_IN.get(languages[0]) if languages else None,
                        campaign_type=CAMPAIGN_TYPES_IN.get(types[0], "other") if types else None,
                        budget_type=_budget_type(campaign.BudgetType, line),
                        shared_budget_name=restore(entity.budget_name or ""),
                    )
                    if campaign.BudgetId is not None:
                        on_shared_budget.append((line, campaign.Name, campaign.BudgetId))
                elif isinstance(entity, bulk.BulkBudget):
                    budget = entity.budget
                    amount = _micros(float(budget.Amount) if budget.Amount is not None else None, line, "Budget")
                    shared_budgets[budget.Id] = (restore(budget.Name or ""), amount or 0)
                elif isinstance(entity, bulk.BulkAdGroup):
                    group = entity.ad_group
                    bid = group.CpcBid.Amount if group.CpcBid is not None else None
                    parsed.ad_groups[(restore(entity.campaign_name), restore(group.Name))] = (
                        line,
                        _status(group.Status, line),
                        _micros(bid, line, "Cpc Bid"),
                    )
                elif isinstance(entity, bulk.BulkKeyword):
                    keyword = entity.keyword
                    bid = keyword.Bid.Amount if keyword.Bid is not None else None
                    parsed.keywords.append(
                        KeywordIn(
                            line,
                            "Keyword",
                            restore(keyword.Text),
                            _match(keyword.MatchType, line),
                            False,
                            campaign=restore(entity.campaign_name),
                            ad_group=restore(entity.ad_group_name),
                            status=_status(keyword.Status, line),
                            max_cpc_micros=_micros(bid, line, "Bid"),
                        )
                    )
                elif isinstance(entity, bulk.BulkAdGroupNegativeKeyword):
                    parsed.keywords.append(
                        _negative_in(
                            entity, line, campaign=restore(entity.campaign_name), ad_group=restore(entity.ad_group_name)
                        )
                    )
                elif isinstance(entity, bulk.BulkCampaignNegativeKeyword):
                    parsed.keywords.append(_negative_in(entity, line, campaign=restore(entity.campaign_name)))
                elif isinstance(entity, bulk.BulkNegativeKeywordList):
                    negative_list = entity.negative_keyword_list
                    list_names[negative_list.Id] = restore(negative_list.Name)
                    parsed.shared_lists.setdefault(list_names[negative_list.Id], line)
                elif isinstance(entity, bulk.BulkResponsiveSearchAd):
                    parsed.ads.append(_ad_in(entity, line))
                elif isinstance(entity, bulk.BulkSharedNegativeKeyword | bulk.BulkCampaignNegativeKeywordList):
                    pending.append((line, entity))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        if isinstance(exc, AccountImportError):
            raise
        raise AccountImportError(_("the bulk file cannot be read: %(error)s") % {"error": exc}) from None
    for _line, name, budget_id in on_shared_budget:
        if budget_id in shared_budgets:  # else a budget of the account not in this file: its name is on the row
            item = parsed.campaigns[name]
            item.shared_budget_name, item.daily_budget_micros = shared_budgets[budget_id]
    for line, entity in pending:
        if hasattr(entity, "negative_keyword"):
            name = _by_id(list_names, entity._parent_id, line, "Parent Id")
            parsed.keywords.append(_negative_in(entity, line, shared_list=name))
        else:
            association = entity.shared_entity_association
            parsed.associations.append(
                (
                    line,
                    _by_id(campaign_names, association.EntityId, line, "Parent Id"),
                    _by_id(list_names, association.SharedEntityId, line, "Id"),
                )
            )
    return parsed


def _entity_lines(path: Path) -> list[int]:
    """File line of each record the reader yields: every row after the header but the Format Version row."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return [number for number, row in enumerate(rows[1:], start=2) if row and row[0] != "Format Version"]


def _status(value: str | None, line: int | None) -> str:
    if value not in STATUS_IN:
        raise AccountImportError(
            _("%(value)s is not Active, Paused or Deleted") % {"value": repr(value)}, line=line, column="Status"
        )
    return STATUS_IN[value]


def _match(value: str | None, line: int | None) -> str:
    if value not in MATCH_IN:
        raise AccountImportError(
            _("%(value)s is not Exact, Phrase or Broad") % {"value": repr(value)}, line=line, column="Match Type"
        )
    return MATCH_IN[value]


def _micros(value: float | None, line: int | None, column: str) -> int | None:
    return None if value is None else parse_money(repr(float(value)), line, column)


def _by_id(names: dict[int, str], entity_id: int | None, line: int | None, column: str) -> str:
    if entity_id not in names:
        raise AccountImportError(
            _("refers to id %(id)s, which no record of this file has") % {"id": entity_id}, line=line, column=column
        )
    return names[entity_id]


def _negative_in(
    entity,
    line: int | None,
    *,
    campaign: str | None = None,
    ad_group: str | None = None,
    shared_list: str | None = None,
) -> KeywordIn:
    keyword = entity.negative_keyword
    return KeywordIn(
        line,
        "Keyword",
        restore(keyword.Text or ""),
        _match(keyword.MatchType, line),
        True,
        campaign=campaign,
        ad_group=ad_group,
        shared_list=shared_list,
    )


def _ad_in(entity, line: int | None) -> AdIn:
    ad = entity.responsive_search_ad
    assets: dict[str, list[dict]] = {}
    for label, links in (("Headline", ad.Headlines), ("Description", ad.Descriptions)):
        assets[label] = [
            {
                "text": link.Asset.Text or "",
                "pin": int(link.PinnedField.removeprefix(label)) if link.PinnedField else None,
            }
            for link in (links.AssetLink if links else [])
        ]
    urls = list(ad.FinalUrls.string) if ad.FinalUrls else []
    return AdIn(
        line,
        restore(entity.campaign_name),
        restore(entity.ad_group_name),
        assets["Headline"],
        assets["Description"],
        restore(ad.Path1 or ""),
        restore(ad.Path2 or ""),
        urls[0] if urls else "",
        _status(ad.Status, line),
    )
