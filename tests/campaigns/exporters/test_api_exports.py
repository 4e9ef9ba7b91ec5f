from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from campaigns.models import Campaign
from tests.factories import member

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_member_downloads_each_export(account, owner):
    client = client_for(owner)
    org = account.organization.pk
    editor = client.get(f"/api/exports/google-editor/?organization={org}")
    assert editor.status_code == 200
    assert editor["Content-Disposition"] == 'attachment; filename="materiales-test-google-ads-editor.csv"'
    assert editor["X-Export-Problems"] == "0"
    assert editor.content.decode("utf-8-sig").splitlines()[0].startswith("Campaign,Campaign Type,")
    bulk = client.get(f"/api/exports/microsoft-bulk/?organization={org}&campaign={account.pk}")
    assert bulk.status_code == 200 and bulk.content.decode("utf-8-sig").startswith("Type,Status,Id,Parent Id,")
    payloads = client.get(f"/api/exports/google-ads-payloads/?organization={org}&customer_id=1234567890")
    assert payloads.status_code == 200
    body = payloads.json()
    assert body["problems"] == [] and body["requests"][0]["customerId"] == "1234567890"
    assert client.get("/api/exports/google-editor/?organization=x").status_code == 400


def test_export_lists_what_it_left_out_beside_the_file(account, owner):
    import csv

    Campaign.objects.filter(pk=account.pk).update(campaign_type="performance_max")
    client = client_for(owner)
    url = f"/api/exports/microsoft-bulk/?organization={account.organization.pk}"
    bulk = client.get(url)
    assert bulk.status_code == 200 and bulk["X-Export-Problems"] == "1"
    assert bulk.content.decode("utf-8-sig").startswith("Type,Status,Id,Parent Id,")
    assert (
        bulk["X-Export-Left-Out"]
        == f"/api/exports/microsoft-bulk/?organization={account.organization.pk}&left_out=true"
    )
    listed = client.get(bulk["X-Export-Left-Out"])
    assert listed.status_code == 200
    assert listed["Content-Disposition"] == 'attachment; filename="materiales-test-microsoft-bulk-left-out.csv"'
    rows = list(csv.reader(listed.content.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["Item", "Rule", "Reason"]
    assert [(item, rule) for item, rule, _ in rows[1:]] == [(f"campaign {account.name!r}", "campaign_type")]
    assert rows[1][2].startswith("a Performance Max campaign cannot be written to the Microsoft Advertising bulk")
    assert client.get(url + "&left_out=maybe").status_code == 400


def test_editor_uploads_an_account_and_a_bad_file_is_refused_whole(account, other_organization, outsider):
    content = (
        client_for(member(account.organization, "viewer"))
        .get(f"/api/exports/google-editor/?organization={account.organization.pk}")
        .content
    )
    client = client_for(outsider)  # owner of other_organization
    response = client.post(
        "/api/account-imports/",
        {"organization": other_organization.pk, "file": io.BytesIO(content)},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["campaigns"] == 2
    broken = content.replace(b"40.00", b"-40.00")
    response = client.post(
        "/api/account-imports/", {"organization": other_organization.pk, "file": io.BytesIO(broken)}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["line"] == 10 and response.json()["column"] == "Campaign Daily Budget"
    assert Campaign.objects.get(organization=other_organization, name="Cemento").daily_budget_micros == 40_000_000


def test_viewer_cannot_import(account):
    viewer = member(account.organization, "viewer")
    response = client_for(viewer).post(
        "/api/account-imports/",
        {"organization": account.organization.pk, "file": io.BytesIO(b"Campaign\r\n")},
        format="multipart",
    )
    assert response.status_code == 403
