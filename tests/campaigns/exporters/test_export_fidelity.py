"""An account imported from real report files exports faithfully: types, statuses, currencies, budget kinds (shared
ones named), every ad group and keyword; what a format cannot hold is named with the reason, never rewritten."""

from __future__ import annotations

import csv
import io

import pytest

from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.models import AdGroup, Campaign, Keyword, Organization
from campaigns.services.account_import import import_account
from campaigns.services.importing import import_report
from tests.campaigns.exporters.test_account_import import EDITOR_WITH_TARGETING
from tests.campaigns.real_reports import (
    GOOGLE_EN_AD_GROUPS_PERIOD,
    GOOGLE_EN_CAMPAIGNS_ALL_TIME,
    GOOGLE_EN_CAMPAIGNS_SHARED_BUDGETS,
    GOOGLE_EN_KEYWORDS_PERIOD,
    MICROSOFT_EN_CAMPAIGNS_PERIOD,
    MICROSOFT_EN_KEYWORDS_PERIOD,
)

pytestmark = pytest.mark.django_db

CAMPAIGN_FIELDS = (
    "name",
    "campaign_type",
    "status",
    "currency",
    "budget_type",
    "daily_budget_micros",
    "total_budget_micros",
    "shared_budget_name",
    "language",
)


def campaigns(organization: Organization) -> list[tuple]:
    return list(Campaign.objects.filter(organization=organization).order_by("name").values_list(*CAMPAIGN_FIELDS))


def ad_groups(organization: Organization) -> list[tuple]:
    rows = AdGroup.objects.filter(campaign__organization=organization)
    return sorted(rows.values_list("campaign__name", "name", "status"))


def keywords(organization: Organization) -> list[tuple]:
    rows = Keyword.objects.filter(organization=organization)
    return sorted(
        rows.values_list("level", "campaign__name", "ad_group__name", "text", "match_type", "negative", "status"),
        key=str,
    )


def round_trip(content: bytes, organization: Organization, tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    import_account(organization, path)


def test_google_account_from_reports_and_editor_export_round_trips_row_by_row(
    organization, other_organization, write_report, tmp_path
):
    for name, text in (
        ("campaigns.csv", GOOGLE_EN_CAMPAIGNS_ALL_TIME),
        ("shared.csv", GOOGLE_EN_CAMPAIGNS_SHARED_BUDGETS),
        ("ad_groups.csv", GOOGLE_EN_AD_GROUPS_PERIOD),
        ("keywords.csv", GOOGLE_EN_KEYWORDS_PERIOD),
    ):
        import_report(organization, write_report(text, name=name), match_after=False)
    editor = tmp_path / "editor.csv"
    editor.write_text(EDITOR_WITH_TARGETING, encoding="utf-8")
    import_account(organization, editor)
    # What the files said, stored as they said it.
    assert campaigns(organization) == [
        ("Grout_North", "search", "enabled", "EUR", "daily", 40_000_000, None, "Grout shared budget", "en"),
        ("Grout_South", "search", "enabled", "EUR", "daily", 40_000_000, None, "Grout shared budget", "en"),
        ("PMax_Tiles", "performance_max", "paused", "EUR", "daily", 10_000_000, None, "", "en"),
        ("S_Tiles_ES", "search", "enabled", "EUR", "daily", 25_000_000, None, "", "en"),
        ("Sealer_ES", "search", "enabled", "EUR", "daily", 12_500_000, None, "", "en"),
        ("Spring promo", "search", "enabled", "EUR", "campaign_total", 0, 300_000_000, "", "en"),
        ("Tiles", "search", "enabled", "EUR", "daily", 25_000_000, None, "", "es"),
        ("Tiles, grout & more_Display", "display", "paused", "EUR", "daily", 5_000_000, None, "", "en"),
    ]
    assert ad_groups(organization) == [
        ("S_Tiles_ES", "Adhesives", "enabled"),
        ("S_Tiles_ES", "Grout", "enabled"),
        ("S_Tiles_ES", "Samples", "paused"),
        ("Tiles", "Adhesives", "enabled"),
    ]
    assert len(keywords(organization)) == 6

    content, account = export_google_editor(organization)
    assert account.problems == []
    round_trip(content, other_organization, tmp_path)
    assert campaigns(other_organization) == campaigns(organization)
    assert ad_groups(other_organization) == ad_groups(organization)
    assert keywords(other_organization) == keywords(organization)


def test_microsoft_account_from_reports_round_trips_and_names_what_the_bulk_file_cannot_hold(
    organization, other_organization, write_report, tmp_path
):
    import_report(organization, write_report(MICROSOFT_EN_CAMPAIGNS_PERIOD, name="c.csv"), match_after=False)
    import_report(organization, write_report(MICROSOFT_EN_KEYWORDS_PERIOD, name="k.csv"), match_after=False)
    assert [(name, kind, status, shared) for name, kind, status, _, _, _, _, shared, _ in campaigns(organization)] == [
        ("Bricks", "search", "enabled", ""),
        ("Bricks PMax", "performance_max", "paused", ""),
        ("Roof tiles", "search", "enabled", "North shared"),
    ]
    _, account = export_microsoft_bulk(organization)
    # Microsoft's reports carry no budget amount: a campaign is left out until one is set, and says so.
    assert [(p.item, p.rule) for p in account.problems] == [
        ("campaign 'Bricks'", "budget"),
        ("campaign 'Bricks PMax'", "campaign_type"),
        ("campaign 'Roof tiles'", "budget"),
    ]
    assert account.problems[1].detail == (
        "a Performance Max campaign cannot be written to the Microsoft Advertising bulk file: this bulk file writes "
        "Search campaigns (keywords and responsive search ads) only"
    )
    Campaign.objects.filter(organization=organization, name="Bricks").update(daily_budget_micros=20_000_000)
    Campaign.objects.filter(organization=organization, name="Roof tiles").update(daily_budget_micros=15_000_000)
    content, account = export_microsoft_bulk(organization)
    assert [p.item for p in account.problems] == ["campaign 'Bricks PMax'"]
    round_trip(content, other_organization, tmp_path)
    exported = [row for row in campaigns(organization) if row[0] != "Bricks PMax"]
    assert exported == [
        ("Bricks", "search", "enabled", "EUR", "daily", 20_000_000, None, "", "en"),
        ("Roof tiles", "search", "enabled", "EUR", "daily", 15_000_000, None, "North shared", "en"),
    ]
    assert campaigns(other_organization) == exported
    assert (
        ad_groups(other_organization)
        == ad_groups(organization)
        == [
            ("Bricks", "Clinker", "enabled"),
            ("Bricks", "Face bricks", "enabled"),
        ]
    )
    assert keywords(other_organization) == keywords(organization)
    assert len(keywords(organization)) == 3


def test_bulk_file_writes_one_shared_budget_record_for_its_campaigns(account, tmp_path):
    from bingads.v13.bulk import BulkFileReader, ResultFileType
    from bingads.v13.bulk import entities as bulk

    Campaign.objects.filter(organization=account.organization).update(
        shared_budget_name="Obra", daily_budget_micros=30_000_000
    )
    content, result = export_microsoft_bulk(account.organization)
    assert result.problems == []
    path = tmp_path / "bulk.csv"
    path.write_bytes(content)
    with BulkFileReader(str(path), result_file_type=ResultFileType.upload) as reader:
        records = list(reader)
    budgets = [r.budget for r in records if isinstance(r, bulk.BulkBudget)]
    assert [(b.Name, float(b.Amount), b.BudgetType) for b in budgets] == [("Obra", 30.0, "DailyBudgetStandard")]
    on_it = [(r.campaign.Name, r.campaign.BudgetId, r.budget_name) for r in records if isinstance(r, bulk.BulkCampaign)]
    assert on_it == [("Azulejos", budgets[0].Id, "Obra"), ("Cemento", budgets[0].Id, "Obra")]


@pytest.mark.parametrize("export", [export_google_editor, export_microsoft_bulk])
def test_campaigns_on_one_shared_budget_with_different_amounts_are_named_not_guessed(account, export):
    Campaign.objects.filter(organization=account.organization).update(shared_budget_name="Obra")
    _, result = export(account.organization)
    detail = "the campaigns on the shared budget 'Obra' show different amounts (12.345678, 40.00)"
    assert [(p.item, p.rule, p.detail) for p in result.problems] == [
        ("campaign 'Azulejos'", "shared_budget", detail),
        ("campaign 'Cemento'", "shared_budget", detail),
    ]
    assert result.campaigns == []


@pytest.mark.parametrize(
    ("change", "rule", "detail"),
    [
        (
            {"campaign_type": "smart"},
            "campaign_type",
            "a Smart campaign cannot be written to the Google Ads Editor CSV: Google Ads Editor does not edit Smart "
            "campaigns, nor types it does not name",
        ),
        (
            {"currency": "INR"},
            "currency",
            "its amounts are in INR, and this file's are in the account's currency, EUR",
        ),
    ],
)
def test_editor_names_what_it_cannot_write_and_writes_nothing_else_of_it(account, change, rule, detail):
    Campaign.objects.filter(pk=account.pk).update(**change)
    content, result = export_google_editor(account.organization)
    assert [(p.item, p.rule, p.detail) for p in result.problems] == [("campaign 'Cemento'", rule, detail)]
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    assert {row["Campaign"] for row in rows} == {"", "Azulejos"}


def test_microsoft_bulk_file_leaves_out_a_campaign_total_budget_with_the_reason(account):
    Campaign.objects.filter(pk=account.pk).update(
        budget_type="campaign_total", daily_budget_micros=0, total_budget_micros=900_000_000
    )
    _, result = export_microsoft_bulk(account.organization)
    assert [(p.item, p.rule, p.detail) for p in result.problems] == [
        (
            "campaign 'Cemento'",
            "budget_type",
            "the Microsoft Advertising bulk file has no campaign-total budget, and it is not written as a daily one",
        )
    ]


def test_editor_writes_campaign_total_and_shared_budgets_as_such(account, tmp_path, other_organization):
    Campaign.objects.filter(pk=account.pk).update(
        budget_type="campaign_total", daily_budget_micros=0, total_budget_micros=900_000_000, campaign_type="video"
    )
    Campaign.objects.filter(name="Azulejos").update(shared_budget_name="Compartido")
    content, result = export_google_editor(account.organization)
    assert result.problems == []
    text = content.decode("utf-8-sig")
    assert "Cemento,Video,Enabled,,900.00,Campaign total,,es" in text
    assert "Azulejos,Search,Paused,12.345678,,,Compartido,es" in text
    round_trip(content, other_organization, tmp_path)
    assert campaigns(other_organization) == campaigns(account.organization)


def test_the_commands_report_names_what_the_file_left_out(account, tmp_path, capsys):
    from django.core.management import call_command

    Campaign.objects.filter(name="Azulejos").update(campaign_type="performance_max")
    out = tmp_path / "bulk.csv"
    call_command("export_account", "--org", "materiales-test", "--format", "microsoft-bulk", "-o", str(out))
    captured = capsys.readouterr()
    assert captured.err == (
        "left out: campaign 'Azulejos': campaign_type: a Performance Max campaign cannot be written to the "
        "Microsoft Advertising bulk file: this bulk file writes Search campaigns (keywords and responsive search "
        "ads) only\n"
    )
    assert captured.out == f"Wrote {out}: 1 campaigns, 1 items left out.\n"
