from __future__ import annotations

import pytest

from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.models import Ad, AdGroup, Campaign, Keyword, NegativeKeywordList, Organization
from campaigns.services.account_import import AccountImportError, import_account

pytestmark = pytest.mark.django_db


def snapshot(organization: Organization) -> dict:
    """The account's entities, by name: what a round trip must keep."""
    return {
        "campaigns": sorted(
            Campaign.objects.filter(organization=organization).values_list(
                "name", "status", "daily_budget_micros", "language"
            )
        ),
        "ad_groups": sorted(
            AdGroup.objects.filter(campaign__organization=organization).values_list(
                "campaign__name", "name", "status", "max_cpc_micros"
            )
        ),
        "keywords": sorted(
            Keyword.objects.filter(organization=organization).values_list(
                "level",
                "campaign__name",
                "ad_group__name",
                "shared_list__name",
                "text",
                "match_type",
                "negative",
                "status",
                "max_cpc_micros",
            ),
            key=str,
        ),
        "ads": sorted(
            (
                [
                    a.ad_group.campaign.name,
                    a.ad_group.name,
                    a.headlines,
                    a.descriptions,
                    a.path1,
                    a.path2,
                    a.final_url,
                    a.status,
                ]
                for a in Ad.objects.filter(ad_group__campaign__organization=organization)
            ),
            key=str,
        ),
        "lists": sorted(
            (lst.name, sorted(c.name for c in lst.campaigns.all()))
            for lst in NegativeKeywordList.objects.filter(organization=organization)
        ),
    }


def test_editor_csv_reimports_to_the_same_entities(account, other_organization, tmp_path):
    content, _ = export_google_editor(account.organization)
    path = tmp_path / "editor.csv"
    path.write_bytes(content)
    result = import_account(other_organization, path)
    assert snapshot(other_organization) == snapshot(account.organization)
    assert (result.platform, result.campaigns, result.ad_groups, result.keywords, result.ads) == ("google", 2, 3, 9, 3)
    assert result.created == 2 + 3 + 1 + 9 + 3
    again = import_account(other_organization, path)
    assert again.created == 0
    assert snapshot(other_organization) == snapshot(account.organization)


def test_editor_utf16_tab_export_is_read(account, other_organization, tmp_path):
    content, _ = export_google_editor(account.organization)
    text = content.decode("utf-8-sig")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "editor.csv"
    path.write_bytes(out.getvalue().encode("utf-16"))
    import_account(other_organization, path)
    assert snapshot(other_organization) == snapshot(account.organization)


def test_microsoft_bulk_file_reimports_to_the_same_entities(account, other_organization, tmp_path):
    content, _ = export_microsoft_bulk(account.organization)
    path = tmp_path / "bulk.csv"
    path.write_bytes(content)
    result = import_account(other_organization, path)
    assert result.platform == "microsoft"
    expected = snapshot(account.organization)
    assert snapshot(other_organization) == expected


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda rows: rows[4].__setitem__(3, "-4.00"),
            "Line 5, column 'Campaign Daily Budget': '-4.00' must be a non-negative amount with at most 6 decimals",
        ),
        (
            lambda rows: rows[-1].__setitem__(
                rows[0].index("Headline 1"), "Un titular demasiado largo para Google Ads"
            ),
            "Line 21, column 'Headline 1': headline is 42 wide; the limit is 30",
        ),
        (
            lambda rows: rows[-2].__setitem__(rows[0].index("Criterion Type"), "Exacta"),
            "Line 20, column 'Criterion Type': 'Exacta' is not a criterion type of this row",
        ),
        (lambda rows: rows.append(list(rows[-2])), "Line 22, column 'Keyword': duplicate keyword: repeats line 20"),
        (
            lambda rows: rows[2].__setitem__(rows[0].index("Keyword"), "leroy (merlin)"),
            "Line 3, column 'Keyword': keyword contains '()'",
        ),
        (
            lambda rows: rows.__setitem__(slice(4, 5), []),
            "Line 6, column 'Campaign': campaign 'Azulejos' has no campaign row (with its budget) in this file",
        ),
    ],
)
def test_bad_file_names_line_and_column_and_writes_nothing(account, other_organization, tmp_path, edit, message):
    import csv
    import io

    content, _ = export_google_editor(account.organization)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    edit(rows)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / "editor.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(AccountImportError) as error:
        import_account(other_organization, path)
    assert str(error.value) == message
    assert snapshot(other_organization) == {"campaigns": [], "ad_groups": [], "keywords": [], "ads": [], "lists": []}


EDITOR_WITH_TARGETING = (
    "Campaign,Campaign Type,Campaign Status,Campaign Daily Budget,Languages,Location,Radius,Audience segment,"
    "Sitelink text,Label,Ad Group,Ad Group Status,Max CPC,Keyword,Criterion Type,Status,Ad type,"
    "Headline 1,Headline 1 position,Headline 2,Headline 2 position,Headline 3,Headline 3 position,"
    "Description 1,Description 1 position,Description 2,Description 2 position,Path 1,Path 2,Final URL\n"
    "Tiles,Search,Enabled,25.00,es,,,,,,,,,,,,,,,,,,,,,,,,,\n"
    'Tiles,,,,,"Madrid, Spain",,,,,,,,,,Enabled,,,,,,,,,,,,,,\n'
    "Tiles,,,,,Valencia,20,,,,,,,,,Enabled,,,,,,,,,,,,,,\n"
    "Tiles,,,,,,,Home improvement,,,,,,,,Enabled,,,,,,,,,,,,,,\n"
    "Tiles,,,,,,,,Free samples,,,,,,,Enabled,,,,,,,,,,,,,,\n"
    ",,,,,,,,,Brand,,,,,,,,,,,,,,,,,,,,\n"
    "Tiles,,,,,,,,,,Adhesives,Enabled,0.80,,,,,,,,,,,,,,,,,\n"
    "Tiles,,,,,,,,,,Adhesives,,,tile adhesive,Exact,Paused,,,,,,,,,,,,,,\n"
    "Tiles,,,,,,,,,,Adhesives,,,,,Enabled,Responsive search ad,Tile adhesive,1,Fast delivery,–,"
    "Flexible adhesive, --,Order tile adhesive today.,--,Free delivery over 50 euros.,,tiles,adhesive,"
    "https://example.com/adhesive\n"
)


def test_editor_export_with_targeting_rows_skips_them_and_reads_unpinned_dashes(organization, tmp_path):
    path = tmp_path / "editor.csv"
    path.write_text(EDITOR_WITH_TARGETING, encoding="utf-8")
    result = import_account(organization, path)
    assert (result.campaigns, result.ad_groups, result.keywords, result.ads) == (1, 1, 1, 1)
    assert result.skipped == {"audiences": 1, "extensions": 1, "labels": 1, "locations": 2}
    ad = Ad.objects.get()
    assert [h["pin"] for h in ad.headlines] == [1, None, None]
    assert [d["pin"] for d in ad.descriptions] == [None, None]
    assert Keyword.objects.get().status == "paused"
