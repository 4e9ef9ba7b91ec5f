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

from django.utils.translation import gettext as _

from campaigns.exporters.account import Account, load_account, micros_to_units
from campaigns.exporters.cells import neutralise, restore
from campaigns.exporters.reading import (
    AccountImportError,
    AdIn,
    CampaignIn,
    KeywordIn,
    ParsedAccount,
    csv_rows,
    parse_money,
    read_text,
)
from campaigns.exporters.support import EDITOR
from campaigns.models import BudgetType, Campaign, Keyword, Organization
from campaigns.services.report_values import budget_type as budget_type_of
from campaigns.services.report_values import campaign_type as campaign_type_of

HEADLINES, DESCRIPTIONS = 15, 4
STATUS = {"enabled": "Enabled", "paused": "Paused"}
MATCH = {"exact": "Exact", "phrase": "Phrase", "broad": "Broad"}
SHARED_SET_TYPE = "Negative keywords"
AD_TYPE = "Responsive search ad"
# Editor's "Budget type" of a campaign-total budget; a daily budget goes in "Campaign Daily Budget", as before.
CAMPAIGN_TOTAL = "Campaign total"
# Editor columns (as _key writes them) whose value makes a row one of an entity type not modelled here; such a row
# is counted under that type and skipped, so that an account export with targeting and assets imports.
OTHER_ENTITIES = {
    "location": "locations",
    "locationid": "locations",
    "radius": "locations",
    "proximity": "locations",
    "audiencesegment": "audiences",
    "audience": "audiences",
    "userlist": "audiences",
    "interest": "audiences",
    "sitelinktext": "extensions",
    "callouttext": "extensions",
    "structuredsnippetheader": "extensions",
    "phonenumber": "extensions",
    "promotiontarget": "extensions",
    "imagename": "extensions",
    "label": "labels",
    "adschedule": "ad schedules",
    "assetgroup": "asset groups",
    "placement": "placements",
    "topic": "topics",
    "agerange": "demographics",
    "gender": "demographics",
    "householdincome": "demographics",
    "device": "devices",
}
# What Editor writes in a position cell of an unpinned asset.
UNPINNED = {"", "-", "–", "—", "--", " --"}


def _ad_columns() -> list[str]:
    columns = []
    for n in range(1, HEADLINES + 1):
        columns += [f"Headline {n}", f"Headline {n} position"]
    for n in range(1, DESCRIPTIONS + 1):
        columns += [f"Description {n}", f"Description {n} position"]
    return columns


COLUMNS = [
    "Campaign",
    "Campaign Type",
    "Campaign Status",
    "Campaign Daily Budget",
    "Budget",
    "Budget type",
    "Budget name",
    "Languages",
    "Ad Group",
    "Ad Group Status",
    "Max CPC",
    "Keyword",
    "Criterion Type",
    "Shared Set Name",
    "Shared Set Type",
    "Status",
    "Ad type",
    *_ad_columns(),
    "Path 1",
    "Path 2",
    "Final URL",
]


def criterion_type(keyword: Keyword) -> str:
    match = MATCH[keyword.match_type]
    if not keyword.negative:
        return match
    return f"Campaign Negative {match}" if keyword.level == "campaign" else f"Negative {match}"


def export_google_editor(
    organization: Organization, campaign_ids: Iterable[int] | None = None
) -> tuple[bytes, Account]:
    """The CSV (UTF-8 with BOM, as Editor reads it) and the account it came from, with its ``problems``."""
    account = load_account(organization, "google", campaign_ids, EDITOR)
    return render(account), account


def render(account: Account) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(account):
        # Every cell, not only names: a spreadsheet runs any cell, and no number or status here starts so.
        writer.writerow({column: neutralise(value) for column, value in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows(account: Account) -> Iterable[dict[str, str]]:
    for shared in account.shared_lists:
        name = shared.shared_list.name
        yield {"Shared Set Name": name, "Shared Set Type": SHARED_SET_TYPE}
        for keyword in shared.keywords:
            yield {"Shared Set Name": name, "Keyword": keyword.text, "Criterion Type": criterion_type(keyword)}
    for item in account.campaigns:
        campaign = item.campaign
        yield {
            "Campaign": campaign.name,
            "Campaign Type": EDITOR.campaign_types[campaign.campaign_type],
            "Campaign Status": STATUS[campaign.status],
            **_budget_cells(campaign),
            "Languages": campaign.language,
        }
        for shared_list in item.shared_lists:
            yield {"Campaign": campaign.name, "Shared Set Name": shared_list.name}
        for keyword in item.negatives:
            yield {"Campaign": campaign.name, "Keyword": keyword.text, "Criterion Type": criterion_type(keyword)}
        for group in item.ad_groups:
            ad_group = group.ad_group
            base = {"Campaign": campaign.name, "Ad Group": ad_group.name}
            yield {**base, "Ad Group Status": STATUS[ad_group.status], "Max CPC": _money(ad_group.max_cpc_micros)}
            for keyword in group.keywords:
                yield {
                    **base,
                    "Keyword": keyword.text,
                    "Criterion Type": criterion_type(keyword),
                    "Max CPC": "" if keyword.negative else _money(keyword.max_cpc_micros),
                    "Status": "" if keyword.negative else STATUS[keyword.status],
                }
            for ad in group.ads:
                yield {**base, **_ad_row(ad)}


def _budget_cells(campaign: Campaign) -> dict[str, str]:
    if campaign.budget_type == BudgetType.CAMPAIGN_TOTAL:
        cells = {"Budget": micros_to_units(campaign.total_budget_micros or 0), "Budget type": CAMPAIGN_TOTAL}
    else:
        cells = {"Campaign Daily Budget": micros_to_units(campaign.daily_budget_micros)}
    if campaign.budget_is_shared:
        cells["Budget name"] = campaign.shared_budget_name
    return cells


def _ad_row(ad) -> dict[str, str]:
    row = {
        "Ad type": AD_TYPE,
        "Status": STATUS[ad.status],
        "Path 1": ad.path1,
        "Path 2": ad.path2,
        "Final URL": ad.final_url,
    }
    for label, items in (("Headline", ad.headlines), ("Description", ad.descriptions)):
        for n, asset in enumerate(items, start=1):
            row[f"{label} {n}"] = asset["text"]
            row[f"{label} {n} position"] = "" if asset.get("pin") is None else str(asset["pin"])
    return row


def _money(micros: int | None) -> str:
    return "" if micros is None else micros_to_units(micros)


# The way in: the same columns (and the alternates the help page lists), compared as Editor does, ignoring case,
# spaces and underscores.
ALTERNATES = {
    "campaign": ("campaign", "campaignname"),
    "budget": ("campaigndailybudget", "dailybudget", "campaignbudget"),
    "any_budget": ("budget",),  # an Editor export's amount, daily or campaign-total as "Budget type" says
    "budget_type": ("budgettype",),
    "budget_name": ("budgetname", "sharedbudgetname", "sharedbudget"),
    "campaign_type": ("campaigntype",),
    "campaign_status": ("campaignstatus",),
    "languages": ("languages", "language", "languagetargeting"),
    "ad_group": ("adgroup", "adgroupname"),
    "ad_group_status": ("adgroupstatus",),
    "max_cpc": ("maxcpc", "defaultmaxcpc"),
    "keyword": ("keyword",),
    "criterion_type": ("criteriontype", "matchtype", "keywordmatchtype"),
    "shared_set": ("sharedsetname", "sharedset"),
    "status": ("status",),
    "ad_type": ("adtype",),
    "path1": ("path1",),
    "path2": ("path2",),
    "final_url": ("finalurl",),
}
STATUS_IN = {"": "enabled", "enabled": "enabled", "active": "enabled", "paused": "paused", "removed": "removed"}


def _key(header: str) -> str:
    return "".join(header.lower().replace("_", " ").split())


def parse(data: bytes) -> ParsedAccount:
    """An Editor CSV (UTF-8 or Editor's UTF-16 tab-separated export) as plain values; raises AccountImportError."""
    rows = csv_rows(read_text(data))
    if not rows:
        raise AccountImportError(_("the file is empty"))
    header = rows[0]
    index = {_key(name): position for position, name in enumerate(header)}
    columns = {field: next((index[a] for a in names if a in index), None) for field, names in ALTERNATES.items()}
    if columns["campaign"] is None and columns["shared_set"] is None:
        raise AccountImportError(_("no 'Campaign' column: is this a Google Ads Editor export?"), line=1)
    parsed = ParsedAccount(platform="google")
    for line, values in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        _Row(header, index, columns, values, line).add_to(parsed)
    return parsed


class _Row:
    def __init__(
        self, header: list[str], index: dict[str, int], columns: dict[str, int | None], values: list[str], line: int
    ) -> None:
        self.header, self.index, self.columns, self.values, self.line = header, index, columns, values, line

    def get(self, field: str) -> str:
        position = self.columns[field]
        return self._at(position)

    def _at(self, position: int | None) -> str:
        if position is None or position >= len(self.values):
            return ""
        return restore(self.values[position].strip())

    def name(self, field: str) -> str:
        position = self.columns[field]
        return self.header[position] if position is not None else field

    def status(self, field: str) -> str:
        value = self.get(field).lower()
        if value not in STATUS_IN:
            raise AccountImportError(
                _("%(value)s is not Enabled, Paused or Removed") % {"value": repr(value)},
                line=self.line,
                column=self.name(field),
            )
        return STATUS_IN[value]

    def money(self, field: str) -> int | None:
        value = self.get(field)
        return parse_money(value, self.line, self.name(field)) if value else None

    def other_entity(self) -> str | None:
        for key, entity in OTHER_ENTITIES.items():
            if self._at(self.index.get(key)) not in UNPINNED:
                return entity
        return None

    def add_to(self, parsed: ParsedAccount) -> None:
        campaign, ad_group, keyword = self.get("campaign"), self.get("ad_group"), self.get("keyword")
        shared_set, is_ad = self.get("shared_set"), bool(self.get("ad_type") or self._at(self.index.get("headline1")))
        other = None if keyword or is_ad else self.other_entity()
        if other:
            parsed.skipped[other] = parsed.skipped.get(other, 0) + 1
        elif shared_set and not campaign:
            if keyword:
                parsed.keywords.append(self.keyword(shared_list=shared_set))
            else:
                parsed.shared_lists.setdefault(shared_set, self.line)
        elif shared_set:
            parsed.associations.append((self.line, campaign, shared_set))
        elif campaign and ad_group and is_ad:
            parsed.ads.append(self.ad(campaign, ad_group))
        elif campaign and keyword:
            parsed.keywords.append(self.keyword(campaign=campaign, ad_group=ad_group or None))
        elif campaign and ad_group:
            parsed.ad_groups[(campaign, ad_group)] = (self.line, self.status("ad_group_status"), self.money("max_cpc"))
        elif campaign:
            self.campaign(parsed, campaign)
        else:
            raise AccountImportError(_("a row needs a campaign or a shared set"), line=self.line)

    def campaign(self, parsed: ParsedAccount, name: str) -> None:
        if name in parsed.campaigns:
            raise AccountImportError(
                _("campaign %(campaign)s repeats line %(line)s")
                % {"campaign": repr(name), "line": parsed.campaigns[name].line},
                line=self.line,
                column=self.name("campaign"),
            )
        field = "budget" if self.get("budget") or self.columns["any_budget"] is None else "any_budget"
        budget = self.money(field)
        if budget is None:
            raise AccountImportError(_("a campaign row needs its budget"), line=self.line, column=self.name(field))
        kind = campaign_type_of(self.get("campaign_type"))  # "other" is kept as such: no export writes it
        period = budget_type_of(self.get("budget_type")) or BudgetType.DAILY
        language = self.get("languages").split(";")[0].strip().lower()
        if language and (len(language) != 2 or not language.isalpha()):
            raise AccountImportError(
                _("%(value)s is not a two-letter language code") % {"value": repr(language)},
                line=self.line,
                column=self.name("languages"),
            )
        per_day = period == BudgetType.DAILY
        parsed.campaigns[name] = CampaignIn(
            self.line,
            name,
            self.status("campaign_status"),
            budget if per_day else 0,
            language or None,
            campaign_type=kind,
            budget_type=period,
            total_budget_micros=None if per_day else budget,
            shared_budget_name="" if self.get("budget_name") in UNPINNED else self.get("budget_name"),
        )

    def keyword(self, **parents: str | None) -> KeywordIn:
        text, kind = self.get("keyword"), self.get("criterion_type").lower()
        if not kind and text[:1] in '["' and text[-1:] in ']"':  # Editor's [exact] and "phrase" notation
            kind, text = ("exact" if text[0] == "[" else "phrase"), text[1:-1]
        negative = kind.startswith(("negative", "campaign negative"))
        match = kind.removeprefix("campaign ").removeprefix("negative ").strip() or "broad"
        if match not in MATCH or (kind.startswith("campaign negative") and parents.get("ad_group")):
            raise AccountImportError(
                _("%(value)s is not a criterion type of this row") % {"value": repr(self.get("criterion_type"))},
                line=self.line,
                column=self.name("criterion_type"),
            )
        if not negative and (parents.get("shared_list") or not parents.get("ad_group")):
            raise AccountImportError(
                _("only ad groups hold positive keywords; use a Negative criterion type"),
                line=self.line,
                column=self.name("criterion_type"),
            )
        return KeywordIn(
            self.line,
            self.name("keyword"),
            text,
            match,
            negative,
            status="enabled" if negative else self.status("status"),
            max_cpc_micros=None if negative else self.money("max_cpc"),
            **parents,
        )

    def ad(self, campaign: str, ad_group: str) -> AdIn:
        assets: dict[str, list[dict]] = {}
        for label, count in (("headline", HEADLINES), ("description", DESCRIPTIONS)):
            assets[label] = []
            for n in range(1, count + 1):
                text = self._at(self.index.get(f"{label}{n}"))
                position = self._at(self.index.get(f"{label}{n}position"))
                position = "" if position in UNPINNED else position
                if position and not position.isdigit():
                    raise AccountImportError(
                        _("%(value)s is not a position") % {"value": repr(position)},
                        line=self.line,
                        column=f"{label.title()} {n} position",
                    )
                if text:
                    assets[label].append({"text": text, "pin": int(position) if position else None})
        return AdIn(
            self.line,
            campaign,
            ad_group,
            assets["headline"],
            assets["description"],
            self.get("path1"),
            self.get("path2"),
            self.get("final_url"),
            self.status("status"),
        )
