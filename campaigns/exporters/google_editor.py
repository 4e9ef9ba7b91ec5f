"""Google Ads Editor CSV: campaigns with budgets, ad groups, keywords, negatives (ad group, campaign, shared list)
and responsive search ads with pins and paths.

Column headers follow Google's "Import a CSV file in Google Ads Editor / CSV file columns" help page
(support.google.com/google-ads/editor/answer/57747): headers in English, capitalisation and spaces ignored, e.g.
"Campaign", "Campaign daily budget" (alternates "Daily budget", "Campaign budget", "Budget"), "Ad group", "Max CPC",
"Keyword", "Criterion Type", "Headline 1" … "Headline 15" with "Headline 1 position", "Description 1" … "Description 4"
with "Description 1 position", "Path 1", "Path 2", "Final URL", and the rows of an Editor export (one row per item;
negatives as "Negative …" / "Campaign Negative …" criterion types; shared negative lists as "Shared set" rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from campaigns.exporters.account import Account, load_account, micros_to_units
from campaigns.models import Keyword, Organization

HEADLINES, DESCRIPTIONS = 15, 4
STATUS = {"enabled": "Enabled", "paused": "Paused"}
MATCH = {"exact": "Exact", "phrase": "Phrase", "broad": "Broad"}
SHARED_SET_TYPE = "Negative keywords"
AD_TYPE = "Responsive search ad"
CAMPAIGN_TYPE = "Search"


def _ad_columns() -> list[str]:
    columns = []
    for n in range(1, HEADLINES + 1):
        columns += [f"Headline {n}", f"Headline {n} position"]
    for n in range(1, DESCRIPTIONS + 1):
        columns += [f"Description {n}", f"Description {n} position"]
    return columns


COLUMNS = [
    "Campaign", "Campaign Type", "Campaign Status", "Campaign Daily Budget", "Languages",
    "Ad Group", "Ad Group Status", "Max CPC", "Keyword", "Criterion Type", "Shared Set Name", "Shared Set Type",
    "Status", "Ad type", *_ad_columns(), "Path 1", "Path 2", "Final URL",
]


def criterion_type(keyword: Keyword) -> str:
    match = MATCH[keyword.match_type]
    if not keyword.negative:
        return match
    return f"Campaign Negative {match}" if keyword.level == "campaign" else f"Negative {match}"


def export_google_editor(organization: Organization,
                         campaign_ids: Iterable[int] | None = None) -> tuple[bytes, Account]:
    """The CSV (UTF-8 with BOM, as Editor reads it) and the account it came from, with its ``problems``."""
    account = load_account(organization, "google", campaign_ids)
    return render(account), account


def render(account: Account) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(account):
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows(account: Account) -> Iterable[dict[str, str]]:
    for shared in account.shared_lists:
        name = shared.shared_list.name
        yield {"Shared Set Name": name, "Shared Set Type": SHARED_SET_TYPE}
        for keyword in shared.keywords:
            yield {"Shared Set Name": name, "Keyword": keyword.text, "Criterion Type": criterion_type(keyword)}
    for item in account.campaigns:
        campaign = item.campaign
        yield {"Campaign": campaign.name, "Campaign Type": CAMPAIGN_TYPE, "Campaign Status": STATUS[campaign.status],
               "Campaign Daily Budget": micros_to_units(campaign.daily_budget_micros), "Languages": campaign.language}
        for shared_list in item.shared_lists:
            yield {"Campaign": campaign.name, "Shared Set Name": shared_list.name}
        for keyword in item.negatives:
            yield {"Campaign": campaign.name, "Keyword": keyword.text, "Criterion Type": criterion_type(keyword)}
        for group in item.ad_groups:
            ad_group = group.ad_group
            base = {"Campaign": campaign.name, "Ad Group": ad_group.name}
            yield {**base, "Ad Group Status": STATUS[ad_group.status], "Max CPC": _money(ad_group.max_cpc_micros)}
            for keyword in group.keywords:
                yield {**base, "Keyword": keyword.text, "Criterion Type": criterion_type(keyword),
                       "Max CPC": "" if keyword.negative else _money(keyword.max_cpc_micros),
                       "Status": "" if keyword.negative else STATUS[keyword.status]}
            for ad in group.ads:
                yield {**base, **_ad_row(ad)}


def _ad_row(ad) -> dict[str, str]:  # type: ignore[no-untyped-def]
    row = {"Ad type": AD_TYPE, "Status": STATUS[ad.status], "Path 1": ad.path1, "Path 2": ad.path2,
           "Final URL": ad.final_url}
    for label, items in (("Headline", ad.headlines), ("Description", ad.descriptions)):
        for n, asset in enumerate(items, start=1):
            row[f"{label} {n}"] = asset["text"]
            row[f"{label} {n} position"] = "" if asset.get("pin") is None else str(asset["pin"])
    return row


def _money(micros: int | None) -> str:
    return "" if micros is None else micros_to_units(micros)
