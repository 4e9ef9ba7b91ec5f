"""Bringing an existing account in: a Google Ads Editor CSV export or a Microsoft Advertising bulk file.

All or nothing, like the report import: the whole file is parsed and checked first (an error names the line, the
column and the reason), then written in one transaction. Campaigns are matched by platform and name, ad groups by
name, keywords by text and match type; an RSA identical to one already in its ad group is not added twice, so a
re-import changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext

from campaigns.exporters import google_editor, microsoft_bulk
from campaigns.exporters.reading import AccountImportError, AccountImportResult, AdIn, KeywordIn, ParsedAccount
from campaigns.exporters.validation import HARD_REASONS, ad_findings, keyword_findings
from campaigns.models import Ad, AdGroup, Campaign, Keyword, KeywordLevel, NegativeKeywordList, Organization

NAME_MAX = 255


def import_account(organization: Organization, path: str | Path) -> AccountImportResult:
    """Import an Editor CSV (``.csv``/``.tsv`` from Google Ads Editor) or a Microsoft bulk file, or raise."""
    path = Path(path)
    data = path.read_bytes()
    if _is_microsoft_bulk(data):
        parsed = microsoft_bulk.parse(path)
    else:
        parsed = google_editor.parse(data)
    check(parsed)
    with transaction.atomic():
        return write(organization, parsed)


def _is_microsoft_bulk(data: bytes) -> bool:
    head = data[:4096].decode("utf-8-sig", errors="ignore")
    return head.startswith("Type,Status,Id,Parent Id,")  # the bulk schema's first columns


def check(parsed: ParsedAccount) -> None:
    """The platform's rules and the file's own consistency; the first broken rule stops the import."""
    for campaign_in in parsed.campaigns.values():
        _name(campaign_in.name, campaign_in.line, "Campaign")
    for (campaign, ad_group), (line, _, _) in parsed.ad_groups.items():
        _name(ad_group, line, "Ad Group")
        _known_campaign(parsed, campaign, line)
    seen: dict[tuple, int | None] = {}
    for keyword in parsed.keywords:
        if keyword.campaign is not None:
            _known_campaign(parsed, keyword.campaign, keyword.line)
        if keyword.shared_list is not None and keyword.shared_list not in parsed.shared_lists:
            raise AccountImportError(_no_list_row(keyword.shared_list), line=keyword.line)
        findings = [
            f
            for f in keyword_findings(keyword.text, keyword.match_type, keyword.negative, parsed.platform)
            if f.rule in HARD_REASONS
        ]
        if findings:
            raise AccountImportError(findings[0].detail, line=keyword.line, column=keyword.column)
        key = (
            keyword.campaign,
            keyword.ad_group,
            keyword.shared_list,
            " ".join(keyword.text.lower().split()),
            keyword.match_type,
            keyword.negative,
        )
        if key in seen:
            raise AccountImportError(
                gettext("duplicate keyword: repeats line %(line)s") % {"line": seen[key]},
                line=keyword.line,
                column=keyword.column,
            )
        seen[key] = keyword.line
    for ad in parsed.ads:
        _known_campaign(parsed, ad.campaign, ad.line)
        findings = [
            f
            for f in ad_findings(ad.headlines, ad.descriptions, ad.path1, ad.path2, ad.final_url, parsed.platform)
            if f.rule in HARD_REASONS
        ]
        if findings:
            raise AccountImportError(findings[0].detail, line=ad.line, column=_ad_column(parsed, findings[0]))
    for line, campaign, shared_list in parsed.associations:
        _known_campaign(parsed, campaign, line)
        if shared_list not in parsed.shared_lists:
            raise AccountImportError(_no_list_row(shared_list), line=line)


def _no_list_row(shared_list: str) -> str:
    return gettext("negative list %(list)s has no row of its own") % {"list": repr(shared_list)}


def _ad_column(parsed: ParsedAccount, finding) -> str:
    if parsed.platform == "microsoft":
        return {
            "headlines": "Headline",
            "descriptions": "Description",
            "path1": "Path 1",
            "path2": "Path 2",
            "final_url": "Final Url",
        }[finding.field]
    label = {"headlines": "Headline", "descriptions": "Description"}.get(finding.field)
    if label:
        return f"{label} {finding.index + 1}" if finding.index is not None else f"{label} 1"
    return {"path1": "Path 1", "path2": "Path 2", "final_url": "Final URL"}[finding.field]


def _name(name: str, line: int | None, column: str) -> None:
    if not name.strip():
        raise AccountImportError(gettext("is empty"), line=line, column=column)
    if len(name) > NAME_MAX:
        raise AccountImportError(
            gettext("%(start)s… is longer than %(limit)s characters") % {"start": repr(name[:40]), "limit": NAME_MAX},
            line=line,
            column=column,
        )


def _known_campaign(parsed: ParsedAccount, campaign: str, line: int | None) -> None:
    if campaign not in parsed.campaigns:
        raise AccountImportError(
            gettext("campaign %(campaign)s has no campaign row (with its budget) in this file")
            % {"campaign": repr(campaign)},
            line=line,
            column="Campaign",
        )


def write(organization: Organization, parsed: ParsedAccount) -> AccountImportResult:
    created = 0
    campaigns: dict[str, Campaign] = {}
    for item in parsed.campaigns.values():
        campaign, new = Campaign.objects.get_or_create(
            organization=organization,
            platform=parsed.platform,
            name=item.name,
            defaults={"currency": organization.currency, "daily_budget_micros": item.daily_budget_micros},
        )
        campaign.status, campaign.daily_budget_micros = item.status, item.daily_budget_micros
        campaign.budget_type, campaign.total_budget_micros = item.budget_type, item.total_budget_micros
        campaign.shared_budget_name = item.shared_budget_name
        campaign.campaign_type = item.campaign_type or campaign.campaign_type
        campaign.language = item.language or campaign.language
        campaign.save()
        campaigns[item.name], created = campaign, created + new
    ad_groups: dict[tuple[str, str], AdGroup] = {}

    def ad_group_of(campaign: str, name: str) -> AdGroup:
        nonlocal created
        if (campaign, name) not in ad_groups:
            ad_group, new = AdGroup.objects.get_or_create(campaign=campaigns[campaign], name=name)
            ad_groups[(campaign, name)], created = ad_group, created + new
        return ad_groups[(campaign, name)]

    for (campaign_name, name), (_, status, max_cpc) in parsed.ad_groups.items():
        ad_group = ad_group_of(campaign_name, name)
        ad_group.status, ad_group.max_cpc_micros = status, max_cpc
        ad_group.save()
    lists = {}
    for name in parsed.shared_lists:
        lists[name], new = NegativeKeywordList.objects.get_or_create(organization=organization, name=name)
        created += new
    for _, campaign_name, name in parsed.associations:
        lists[name].campaigns.add(campaigns[campaign_name])
    for keyword in parsed.keywords:
        created += _write_keyword(organization, keyword, campaigns, lists, ad_group_of)
    for ad in parsed.ads:
        created += _write_ad(ad, ad_group_of(ad.campaign, ad.ad_group))
    return AccountImportResult(
        platform=parsed.platform,
        campaigns=len(campaigns),
        ad_groups=len(ad_groups),
        keywords=len(parsed.keywords),
        ads=len(parsed.ads),
        shared_lists=len(lists),
        created=created,
        skipped=dict(sorted(parsed.skipped.items())),
    )


def _write_keyword(organization, keyword: KeywordIn, campaigns, lists, ad_group_of) -> int:
    if keyword.shared_list is not None:
        parents = {"level": KeywordLevel.SHARED_LIST, "shared_list": lists[keyword.shared_list]}
    elif keyword.ad_group is None:
        parents = {"level": KeywordLevel.CAMPAIGN, "campaign": campaigns[keyword.campaign]}
    else:
        ad_group = ad_group_of(keyword.campaign, keyword.ad_group)
        parents = {"level": KeywordLevel.AD_GROUP, "campaign": ad_group.campaign, "ad_group": ad_group}
    text = " ".join(keyword.text.split())
    existing = Keyword.objects.filter(
        organization=organization,
        text__iexact=text,
        match_type=keyword.match_type,
        negative=keyword.negative,
        **parents,
    ).first()
    if existing is None:
        Keyword.objects.create(
            organization=organization,
            text=text,
            match_type=keyword.match_type,
            negative=keyword.negative,
            status=keyword.status,
            max_cpc_micros=keyword.max_cpc_micros,
            **parents,
        )
        return 1
    existing.status, existing.max_cpc_micros = keyword.status, keyword.max_cpc_micros
    existing.save(update_fields=["status", "max_cpc_micros"])
    return 0


def _write_ad(ad: AdIn, ad_group: AdGroup) -> int:
    fields = {
        "headlines": ad.headlines,
        "descriptions": ad.descriptions,
        "path1": ad.path1,
        "path2": ad.path2,
        "final_url": ad.final_url,
    }
    for existing in ad_group.ads.all():
        if all(getattr(existing, name) == value for name, value in fields.items()):
            if existing.status != ad.status:
                existing.status = ad.status
                existing.save(update_fields=["status"])
            return 0
    Ad.objects.create(ad_group=ad_group, status=ad.status, **fields)
    return 1
