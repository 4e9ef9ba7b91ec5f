"""What each export format can hold: a campaign it cannot write faithfully is left out and named, with the reason,
never written as something else (a Performance Max campaign as a Search one, a campaign-total budget as a daily
one, amounts of one currency under another)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaigns.exporters.cells import neutralise
from campaigns.exporters.validation import Finding, Problem
from campaigns.models import BudgetType, Campaign, CampaignType


@dataclass(frozen=True)
class FormatSupport:
    label: str
    campaign_types: dict[str, str]  # our campaign type -> the format's name for it
    budget_types: frozenset[str]
    shared_budgets: bool
    # why this format holds no more types, shown with each campaign left out for its type
    types_reason: str


EDITOR = FormatSupport(
    label=gettext_noop("Google Ads Editor CSV"),
    campaign_types={
        CampaignType.SEARCH: "Search",
        CampaignType.PERFORMANCE_MAX: "Performance Max",
        CampaignType.DISPLAY: "Display",
        CampaignType.VIDEO: "Video",
        CampaignType.DEMAND_GEN: "Demand Gen",
        CampaignType.SHOPPING: "Shopping",
    },
    budget_types=frozenset({BudgetType.DAILY, BudgetType.CAMPAIGN_TOTAL}),
    shared_budgets=True,
    types_reason=gettext_noop("Google Ads Editor does not edit Smart campaigns, nor types it does not name"),
)
MICROSOFT_BULK = FormatSupport(
    label=gettext_noop("Microsoft Advertising bulk file"),
    campaign_types={CampaignType.SEARCH: "Search"},
    budget_types=frozenset({BudgetType.DAILY}),
    shared_budgets=True,
    types_reason=gettext_noop("this bulk file writes Search campaigns (keywords and responsive search ads) only"),
)
GOOGLE_ADS_API = FormatSupport(
    label=gettext_noop("Google Ads API request"),
    campaign_types={CampaignType.SEARCH: "SEARCH"},
    budget_types=frozenset({BudgetType.DAILY}),
    shared_budgets=False,
    types_reason=gettext_noop("this request creates and updates Search campaigns only"),
)


def campaign_findings(campaign: Campaign, support: FormatSupport, currency: str) -> list[Finding]:
    """Why ``campaign`` cannot go into a file of ``support``'s format for an account in ``currency``."""
    found = []
    if campaign.campaign_type not in support.campaign_types:
        kind = CampaignType(campaign.campaign_type).label
        detail = _("a %(kind)s campaign cannot be written to the %(format)s: %(why)s") % {
            "kind": kind,
            "format": _(support.label),
            "why": _(support.types_reason),
        }
        found.append(Finding("campaign_type", None, "campaign_type", detail))
    if campaign.budget_type not in support.budget_types:
        detail = _("the %(format)s has no campaign-total budget, and it is not written as a daily one") % {
            "format": _(support.label)
        }
        found.append(Finding("budget_type", None, "budget_type", detail))
    if campaign.budget_is_shared and not support.shared_budgets:
        detail = _(
            "its budget is the shared budget %(name)s, which the %(format)s cannot write; it is not split into "
            "one budget per campaign"
        ) % {"name": repr(campaign.shared_budget_name), "format": _(support.label)}
        found.append(Finding("shared_budget", None, "shared_budget", detail))
    if campaign.currency != currency:
        detail = _("its amounts are in %(theirs)s, and this file's are in the account's currency, %(ours)s") % {
            "theirs": campaign.currency,
            "ours": currency,
        }
        found.append(Finding("currency", None, "currency", detail))
    return found


def budget_micros(campaign: Campaign) -> int:
    """The amount of the campaign's budget: daily, or over the campaign's life for a campaign-total budget."""
    if campaign.budget_type == BudgetType.CAMPAIGN_TOTAL:
        return campaign.total_budget_micros or 0
    return campaign.daily_budget_micros


def left_out_csv(problems: Sequence[Problem]) -> bytes:
    """What a file left out, one row per item with its rule and reason: the companion of a download, a file of its
    own so that the platform's importer still reads the export itself unchanged (UTF-8 with BOM, as a spreadsheet
    opens it; a name that starts like a formula is written as text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Item"), _("Rule"), _("Reason")])
    for problem in problems:
        writer.writerow([neutralise(problem.item), problem.rule, neutralise(problem.detail)])
    return buffer.getvalue().encode("utf-8-sig")
