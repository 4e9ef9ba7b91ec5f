"""The account as an export sees it: the selected campaigns with their children, each item checked first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from campaigns.exporters.support import FormatSupport, budget_micros, campaign_findings
from campaigns.exporters.validation import (
    Problem,
    ad_findings,
    as_problems,
    budget_findings,
    keyword_findings,
)
from campaigns.models import (
    Ad,
    AdGroup,
    Campaign,
    CampaignStatus,
    Keyword,
    KeywordLevel,
    MatchType,
    NegativeKeywordList,
    Organization,
)

KEYWORD_ORDER = ("negative", "text", "match_type", "pk")
MATCH_TYPE_LABELS = dict(MatchType.choices)  # lazy labels: "exact" in English, "exacta" in Spanish


@dataclass
class ExportAdGroup:
    ad_group: AdGroup
    keywords: list[Keyword] = field(default_factory=list)  # positives and ad-group negatives
    ads: list[Ad] = field(default_factory=list)


@dataclass
class ExportCampaign:
    campaign: Campaign
    ad_groups: list[ExportAdGroup] = field(default_factory=list)
    negatives: list[Keyword] = field(default_factory=list)
    shared_lists: list[NegativeKeywordList] = field(default_factory=list)


@dataclass
class ExportList:
    shared_list: NegativeKeywordList
    keywords: list[Keyword] = field(default_factory=list)


@dataclass
class Account:
    """What passed the checks, and what did not (``problems``)."""

    organization: Organization
    platform: str
    campaigns: list[ExportCampaign] = field(default_factory=list)
    shared_lists: list[ExportList] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Structure:
    """The organization's live structure as read from the database, before any platform's checks."""

    campaigns: list[Campaign]
    shared_lists: list[NegativeKeywordList]
    selected: bool  # only some campaigns (``campaign_ids``): only their shared lists are exported


def read_structure(organization: Organization, campaign_ids: Iterable[int] | None = None) -> Structure:
    """The organization's live (not removed) campaigns with their children, and its negative lists, in a fixed
    number of queries: what :func:`load_account` checks, read once for as many platforms as wanted."""
    live_keywords = Keyword.objects.exclude(status=CampaignStatus.REMOVED).order_by(*KEYWORD_ORDER)
    campaigns = (
        Campaign.objects.filter(organization=organization)
        .exclude(status=CampaignStatus.REMOVED)
        .order_by("name", "pk")
        .prefetch_related(
            Prefetch("ad_groups", queryset=AdGroup.objects.exclude(status=CampaignStatus.REMOVED).order_by("name")),
            Prefetch("ad_groups__keywords", queryset=live_keywords),
            Prefetch("ad_groups__ads", queryset=Ad.objects.exclude(status=CampaignStatus.REMOVED).order_by("pk")),
            Prefetch("keywords", queryset=live_keywords.filter(level=KeywordLevel.CAMPAIGN), to_attr="negatives"),
            Prefetch("negative_lists", queryset=NegativeKeywordList.objects.order_by("name", "pk")),
        )
    )
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    lists = (
        NegativeKeywordList.objects.filter(organization=organization)
        .order_by("name", "pk")
        .prefetch_related(Prefetch("keywords", queryset=live_keywords))
    )
    return Structure(list(campaigns), list(lists), selected=campaign_ids is not None)


def load_account(
    organization: Organization,
    platform: str,
    campaign_ids: Iterable[int] | None = None,
    support: FormatSupport | None = None,
    structure: Structure | None = None,
) -> Account:
    """The organization's live (not removed) structure (``structure``, else read here), checked for ``platform``
    and, when given, for what the file's format can hold (``support``)."""
    if structure is None:
        structure = read_structure(organization, campaign_ids)
    account = Account(organization=organization, platform=platform)
    for campaign in structure.campaigns:
        where = campaign_item(campaign.name)
        unsupported = campaign_findings(campaign, support, organization.currency) if support else []
        if unsupported:  # named with the reason, never written as another type, budget or currency
            account.problems += [Problem(where, f.rule, f.detail) for f in unsupported]
            continue
        findings = budget_findings(budget_micros(campaign))
        if findings:
            account.problems += as_problems(where, findings)
            continue
        negatives = campaign.negatives  # type: ignore[attr-defined]  # the Prefetch's to_attr
        account.campaigns.append(_campaign(account, campaign, negatives))
    _shared_budgets_agree(account)
    wanted = {lst.pk for item in account.campaigns for lst in item.shared_lists}
    for shared_list in structure.shared_lists:
        if structure.selected and shared_list.pk not in wanted:
            continue
        item = _("negative list %(name)s") % {"name": repr(shared_list.name)}
        account.shared_lists.append(ExportList(shared_list, _keywords(account, item, shared_list.keywords.all())))
    return account


def _shared_budgets_agree(account: Account) -> None:
    """A shared budget is one amount: campaigns on it that show different ones are left out, named, rather than
    written with whichever amount came last."""
    amounts: dict[str, set[int]] = defaultdict(set)
    for item in account.campaigns:
        if item.campaign.budget_is_shared:
            amounts[item.campaign.shared_budget_name].add(budget_micros(item.campaign))
    differ = {name: sorted(values) for name, values in amounts.items() if len(values) > 1}
    if not differ:
        return
    kept = []
    for item in account.campaigns:
        name = item.campaign.shared_budget_name
        if name in differ:
            shown = ", ".join(micros_to_units(value) for value in differ[name])
            detail = _("the campaigns on the shared budget %(name)s show different amounts (%(amounts)s)") % {
                "name": repr(name),
                "amounts": shown,
            }
            account.problems.append(Problem(campaign_item(item.campaign.name), "shared_budget", detail))
        else:
            kept.append(item)
    account.campaigns = kept


def _campaign(account: Account, campaign: Campaign, negatives: list[Keyword]) -> ExportCampaign:
    where = campaign_item(campaign.name)
    exported = ExportCampaign(
        campaign, negatives=_keywords(account, where, negatives), shared_lists=list(campaign.negative_lists.all())
    )
    for ad_group in campaign.ad_groups.all():
        group_where = _("%(where)s › ad group %(name)s") % {"where": where, "name": repr(ad_group.name)}
        item = ExportAdGroup(ad_group, keywords=_keywords(account, group_where, ad_group.keywords.all()))
        for ad in ad_group.ads.all():
            findings = ad_findings(
                ad.headlines,
                ad.descriptions,
                ad.path1,
                ad.path2,
                ad.final_url,
                account.platform,
                account.organization.blocked_terms,
            )
            if findings:
                account.problems += as_problems(
                    _("%(where)s › ad %(id)s") % {"where": group_where, "id": ad.pk}, findings
                )
            else:
                item.ads.append(ad)
        exported.ad_groups.append(item)
    return exported


def _keywords(account: Account, where: str, keywords: Iterable[Keyword]) -> list[Keyword]:
    kept = []
    for keyword in keywords:
        findings = keyword_findings(
            keyword.text, keyword.match_type, keyword.negative, account.platform, account.organization.blocked_terms
        )
        if findings:
            if keyword.negative:
                item = _("%(where)s › negative keyword %(text)s (%(match_type)s)")
            else:
                item = _("%(where)s › keyword %(text)s (%(match_type)s)")
            match_type = MATCH_TYPE_LABELS.get(keyword.match_type, keyword.match_type)
            words = {"where": where, "text": repr(keyword.text), "match_type": str(match_type).lower()}
            account.problems += as_problems(item % words, findings)
        else:
            kept.append(keyword)
    return kept


def campaign_item(name: str) -> str:
    """A campaign as the list of what an export left out names it."""
    return _("campaign %(name)s") % {"name": repr(name)}


def micros_to_units(micros: int) -> str:
    """Exact decimal text of a micros amount, at least two decimals: 40_000_000 → "40.00", 1_234_567 → "1.234567"."""
    sign = "-" if micros < 0 else ""
    units, rest = divmod(abs(micros), 1_000_000)
    decimals = f"{rest:06d}".rstrip("0").ljust(2, "0")
    return f"{sign}{units}.{decimals}"
