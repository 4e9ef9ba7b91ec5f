from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fmt", "start"), [("google-editor", "\ufeffCampaign,"), ("microsoft-bulk", "\ufeffType,"), ("google-ads", "{")]
)
def test_export_account_writes_each_format(account, tmp_path, capsys, fmt, start):
    out = tmp_path / "export"
    call_command("export_account", "--org", "materiales-test", "--format", fmt, "-o", str(out), "--customer-id", "42")
    assert out.read_text(encoding="utf-8").startswith(start)
    assert capsys.readouterr().out == f"Wrote {out}: 2 campaigns, 0 items left out.\n"
    if fmt == "google-ads":
        assert json.loads(out.read_text())["customerId"] == "42"


def test_import_account_round_trip_and_errors(account, other_organization, tmp_path, capsys):
    out = tmp_path / "editor.csv"
    call_command("export_account", "--org", "materiales-test", "--format", "google-editor", "-o", str(out))
    call_command("import_account", str(out), "--org", "competidor")
    assert capsys.readouterr().out.endswith(
        "Imported a google account: 2 campaigns, 3 ad groups, 9 keywords, 3 ads, 1 negative lists (18 new items).\n"
    )
    out.write_bytes(out.read_bytes().replace(b"12.345678", b"doce"))
    with pytest.raises(CommandError, match="Line 5, column 'Campaign Daily Budget': 'doce' is not an amount"):
        call_command("import_account", str(out), "--org", "competidor")
    assert Campaign.objects.get(organization=other_organization, name="Azulejos").daily_budget_micros == 12_345_678


def test_export_account_sends_a_dry_run_or_for_real(account, organization, capsys, google_ads_edge):
    from campaigns.services.credentials import store_credentials

    with pytest.raises(CommandError, match="^this organization has no stored Google Ads credentials"):
        call_command("export_account", "--org", "materiales-test", "--send", "--for-real")
    with pytest.raises(CommandError, match="^give --format and -o to write a file, or --send"):
        call_command("export_account", "--org", "materiales-test", "--for-real")
    store_credentials(
        organization,
        "google_ads",
        {
            "developer_token": "dev",
            "client_id": "id",
            "client_secret": "s",
            "refresh_token": "r",
            "customer_id": "987-654-3210",
        },
    )
    call_command("export_account", "--org", "materiales-test", "--send")
    call_command("export_account", "--org", "materiales-test", "--send", "--for-real")
    assert [(call.method, call.request.customer_id, call.request.validate_only) for call in google_ads_edge.calls] == [
        ("GoogleAdsService/Mutate", "9876543210", True),
        ("GoogleAdsService/Mutate", "9876543210", False),
    ]
    assert capsys.readouterr().out == (
        "Google Ads (dry run): 22 operations, 0 results, 0 items left out: validated by Google; nothing was changed.\n"
        "Google Ads (applied): 22 operations, 0 results, 0 items left out: applied by Google.\n"
    )
