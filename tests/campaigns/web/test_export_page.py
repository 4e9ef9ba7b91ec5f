"""The exports page names what each file leaves out, with the reason; budget kinds show where budgets do."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.exporters.left_out import DIGEST_PARAMETERS, _keep, digest_function_query, structure_digest
from campaigns.models import Ad, Campaign, ExportFindings, Keyword, Organization
from tests.factories import AdGroupFactory, CampaignFactory, KeywordFactory

pytestmark = pytest.mark.django_db


def test_exports_page_lists_what_each_file_cannot_hold_by_name(client, owner, organization):
    Campaign.objects.create(
        organization=organization,
        platform="google",
        name="PMax Tiles",
        campaign_type="performance_max",
        daily_budget_micros=10_000_000,
    )
    Campaign.objects.create(
        organization=organization,
        platform="google",
        name="Grout North",
        budget_type="campaign_total",
        total_budget_micros=900_000_000,
    )
    client.force_login(owner)
    page = client.get(reverse("campaigns:exports")).content.decode()
    editor = page.split('id="export-google-ads-editor"')[1].split("</section>")[0]
    microsoft = page.split('id="export-microsoft-bulk"')[1].split("</section>")[0]
    assert "Everything in the account goes into this file." in editor
    assert "2 items are left out of this file:" in microsoft
    assert "campaign &#x27;PMax Tiles&#x27;" in microsoft
    assert "a Performance Max campaign cannot be written to the Microsoft Advertising bulk file" in microsoft
    assert "the Microsoft Advertising bulk file has no campaign-total budget" in microsoft


def test_exports_page_in_spanish(client, owner, organization):
    Campaign.objects.create(
        organization=organization,
        platform="google",
        name="Display",
        campaign_type="display",
        daily_budget_micros=5_000_000,
    )
    client.force_login(owner)
    page = client.get(reverse("campaigns:exports"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "1 elemento queda fuera de este archivo:" in page
    assert "una campaña de Display no se puede escribir en el archivo masivo de Microsoft Advertising" in page


def test_shared_and_campaign_total_budgets_are_shown_as_such(client, owner, organization):
    shared = Campaign.objects.create(
        organization=organization,
        platform="google",
        name="Grout North",
        daily_budget_micros=40_000_000,
        shared_budget_name="Grout shared",
    )
    Campaign.objects.create(
        organization=organization,
        platform="google",
        name="Spring promo",
        budget_type="campaign_total",
        total_budget_micros=300_000_000,
    )
    client.force_login(owner)
    listing = client.get(reverse("campaigns:campaigns")).content.decode()
    assert "Shared budget: Grout shared" in listing
    assert "Campaign total" in listing
    assert "Shared budget: Grout shared" in client.get(reverse("campaigns:campaign", args=[shared.pk])).content.decode()
    assert "Shared budget: Grout shared" in client.get(reverse("campaigns:budgets")).content.decode()


def test_downloads_list_what_they_leave_out_in_a_file_beside_them(client, owner, organization):
    import csv

    Campaign.objects.create(
        organization=organization,
        platform="google",
        name="PMax Tiles",
        campaign_type="performance_max",
        daily_budget_micros=10_000_000,
    )
    Campaign.objects.create(organization=organization, platform="google", name="Grout", daily_budget_micros=9_000_000)
    client.force_login(owner)
    bulk = client.get(reverse("campaigns:download", args=["microsoft-bulk"]))
    # the file stays the platform's: only the campaign it can hold, no extra rows for its importer to refuse
    assert bulk["X-Export-Problems"] == "1"
    assert "PMax Tiles" not in bulk.content.decode("utf-8-sig")
    assert "Grout" in bulk.content.decode("utf-8-sig")
    listed = bulk["X-Export-Left-Out"]
    assert listed == reverse("campaigns:download_left_out", args=["microsoft-bulk"])
    page = client.get(reverse("campaigns:exports")).content.decode()
    assert f'href="{listed}"' in page.split('id="export-microsoft-bulk"')[1].split("</section>")[0]
    left_out = client.get(listed)
    assert left_out.status_code == 200
    assert left_out["Content-Disposition"] == (
        f'attachment; filename="{organization.slug}-microsoft-advertising-bulk-left-out.csv"'
    )
    rows = list(csv.reader(left_out.content.decode("utf-8-sig").splitlines()))
    assert rows == [
        ["Item", "Rule", "Reason"],
        [
            "campaign 'PMax Tiles'",
            "campaign_type",
            "a Performance Max campaign cannot be written to the Microsoft Advertising bulk file: this bulk file "
            "writes Search campaigns (keywords and responsive search ads) only",
        ],
    ]
    editor = client.get(reverse("campaigns:download", args=["google-ads-editor"]))
    assert editor["X-Export-Problems"] == "0" and not editor.has_header("X-Export-Left-Out")
    empty = client.get(reverse("campaigns:download_left_out", args=["google-ads-editor"]))
    assert empty.content.decode("utf-8-sig").splitlines() == ["Item,Rule,Reason"]
    assert client.get(reverse("campaigns:download_left_out", args=["nope"])).status_code == 404


ON_POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="the page keeps findings on PostgreSQL")


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)  # each write commits, as in production: the digest reads their transactions
def test_exports_page_keeps_its_findings_only_while_the_account_is_the_same(client, owner, organization):
    """The findings are kept under a digest of the rows they were checked on: writes that bypass the models' save()
    (a queryset update, a bulk insert, the organization's blocked terms) show on the next view, in its language;
    content written back as it was is checked again."""
    keyword = KeywordFactory(ad_group=AdGroupFactory(campaign=CampaignFactory(organization=organization)))
    ad_group = keyword.ad_group
    ad = Ad.objects.create(
        ad_group=ad_group,
        headlines=[{"text": f"Cemento rápido {n}"} for n in range(3)],
        descriptions=[{"text": "Entrega en 24 horas."}, {"text": "Precio de fábrica."}],
        final_url="https://example.com/cemento",
    )
    client.force_login(owner)

    def editor() -> str:
        page = client.get(reverse("campaigns:exports")).content.decode()
        return page.split('id="export-google-ads-editor"')[1].split("</section>")[0]

    assert "Everything in the account goes into this file." in editor()
    assert list(ExportFindings.objects.values_list("organization", "language")) == [(organization.pk, "en")]
    cache.clear()  # another web process: the findings are kept in the database, not in a process's memory
    with CaptureQueriesContext(connection) as kept:
        assert "Everything in the account goes into this file." in editor()
    # the digest's query brings the kept findings: the ads are not read again, nothing is written
    assert not [query for query in kept.captured_queries if 'SELECT "campaigns_ad"."id"' in query["sql"]]
    assert not [query for query in kept.captured_queries if "INSERT" in query["sql"] or "UPDATE" in query["sql"]]

    Organization.objects.filter(pk=organization.pk).update(blocked_terms=["rápido"])
    shown = editor()
    assert "Everything in the account" not in shown and f"ad {ad.pk}" in shown and "rápido" in shown
    Ad.objects.filter(pk=ad.pk).update(headlines=[{"text": f"Cemento gris {n}"} for n in range(3)])
    assert "Everything in the account goes into this file." in editor()
    before = structure_digest(organization)
    Ad.objects.filter(pk=ad.pk).update(headlines=[{"text": f"Cemento gris {n}"} for n in range(3)])
    assert structure_digest(organization) not in (before, None)  # the same text, written again: checked again
    Keyword.objects.bulk_create(
        [
            Keyword(
                organization=organization,
                ad_group=ad_group,
                campaign=ad_group.campaign,
                text="cemento rápido",
                match_type="exact",
            )
        ]
    )
    assert "keyword &#x27;cemento rápido&#x27;" in editor()
    spanish = client.get(reverse("campaigns:exports"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "1 elemento queda fuera de este archivo:" in spanish and "palabra clave" in spanish
    kept_rows = ExportFindings.objects.order_by("language")
    assert [(row.language, len(row.findings["google-ads-editor"])) for row in kept_rows] == [("en", 1), ("es", 1)]
    english, spanish_kept = (row.findings["google-ads-editor"][0]["item"] for row in kept_rows)  # each in its words
    assert "› keyword 'cemento rápido'" in english and "› palabra clave 'cemento rápido'" in spanish_kept


@ON_POSTGRESQL
def test_a_transaction_that_has_written_gets_no_digest_and_checks_again(client, owner, organization):
    """Rows written by one transaction all carry its number, so inside it a digest could not tell two of its own
    writes apart: it gets none, and the page checks the account on every view."""
    ad_group = AdGroupFactory(campaign=CampaignFactory(organization=organization))  # written by this test's transaction
    assert structure_digest(organization) is None
    client.force_login(owner)
    assert "Everything in the account goes into this file." in client.get(reverse("campaigns:exports")).content.decode()
    assert not ExportFindings.objects.exists()  # nothing kept under no digest
    Keyword.objects.create(
        organization=organization, ad_group=ad_group, campaign=ad_group.campaign, text="cemento", match_type="exact"
    )
    assert "Everything in the account goes into this file." in client.get(reverse("campaigns:exports")).content.decode()
    Organization.objects.filter(pk=organization.pk).update(blocked_terms=["cemento"])
    assert "keyword &#x27;cemento&#x27;" in client.get(reverse("campaigns:exports")).content.decode()


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_findings_of_an_organization_deleted_meanwhile_are_not_kept(organization):
    digest = structure_digest(organization)
    Organization.objects.filter(pk=organization.pk).delete()
    _keep(organization, "en", digest, {"google-ads-editor": []})  # the page's view of it ends without an error
    assert not ExportFindings.objects.exists()


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_every_table_the_checks_read_moves_the_digest_and_no_other_tenants(organization, other_organization):
    """The function's query (migration 0017) is written by hand: a committed write to each table the checks read,
    by each route a row belongs to this organization, gives another digest; the same writes to another tenant's
    rows do not."""
    from campaigns.models import AdGroup, NegativeKeywordList

    def account(owner: Organization) -> tuple[Campaign, AdGroup, NegativeKeywordList]:
        campaign = CampaignFactory(organization=owner)
        return (
            campaign,
            AdGroupFactory(campaign=campaign),
            NegativeKeywordList.objects.create(organization=owner, name="n"),
        )

    ours, theirs = account(organization), account(other_organization)
    texts = {"headlines": [{"text": f"Cemento {n}"} for n in range(3)], "descriptions": [{"text": "Uno."}] * 2}
    seen = [structure_digest(organization)]

    def moved(write, mine: bool) -> None:
        write()
        digest = structure_digest(organization)
        assert digest is not None and (digest not in seen) == mine, write
        seen.append(digest)

    for (campaign, ad_group, shared), owner, mine in ((theirs, other_organization, False), (ours, organization, True)):
        moved(lambda c=campaign: Campaign.objects.filter(pk=c.pk).update(name="otra"), mine)
        moved(lambda g=ad_group: AdGroup.objects.filter(pk=g.pk).update(name="otro"), mine)
        moved(lambda g=ad_group: Ad.objects.create(ad_group=g, final_url="https://example.com", **texts), mine)
        moved(
            lambda g=ad_group: KeywordFactory(ad_group=g, campaign=g.campaign, organization=g.campaign.organization),
            mine,
        )
        moved(
            lambda c=campaign, o=owner: Keyword.objects.create(
                organization=o, level="campaign", campaign=c, text="gratis", match_type="phrase", negative=True
            ),
            mine,
        )
        moved(
            lambda n=shared, o=owner: Keyword.objects.create(
                organization=o, level="shared_list", shared_list=n, text="lego", match_type="phrase", negative=True
            ),
            mine,
        )
        moved(lambda n=shared: NegativeKeywordList.objects.filter(pk=n.pk).update(name="negativas"), mine)
        moved(lambda n=shared, c=campaign: n.campaigns.add(c), mine)
        moved(lambda o=owner: Organization.objects.filter(pk=o.pk).update(blocked_terms=["gratis"]), mine)
        moved(lambda g=ad_group: Ad.objects.filter(ad_group=g).delete(), mine)


@ON_POSTGRESQL
def test_the_digest_reads_only_this_accounts_rows_through_indexes(organization, other_organization):
    """Another tenant's 20,000 keywords and 5,000 ads (40 ad groups) are not scanned: the function's query, in the
    generic plan it keeps for a connection, reads each table through its indexes, for this organization's ids; the
    connection does not JIT-compile it (it would on every view)."""
    KeywordFactory(ad_group=AdGroupFactory(campaign=CampaignFactory(organization=organization)))
    their_campaign = CampaignFactory(organization=other_organization)
    theirs = [AdGroupFactory(campaign=their_campaign).pk for _ in range(40)]
    keywords, ads = (f'"{model._meta.db_table}"' for model in (Keyword, Ad))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {keywords} (level, external_id, text, match_type, negative, status, ad_group_id,"
            " campaign_id, organization_id) SELECT 'ad_group', '', 'palabra ' || n, 'exact', false, 'enabled',"
            " (%s::bigint[])[1 + n %% 40], %s, %s FROM generate_series(1, 20000) n",
            [theirs, their_campaign.pk, other_organization.pk],
        )
        cursor.execute(
            f"INSERT INTO {ads} (ad_group_id, headlines, descriptions, final_url, status, external_id, path1, path2)"
            " SELECT (%s::bigint[])[1 + n %% 40], %s::jsonb, %s::jsonb, 'https://example.com', 'enabled', '', '', ''"
            " FROM generate_series(1, 5000) n",
            [theirs, json.dumps([{"text": f"Cemento {n}"} for n in range(3)]), json.dumps([{"text": "Uno."}] * 2)],
        )
        cursor.execute(f"ANALYZE {keywords}; ANALYZE {ads}")
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'campaigns_export_digest'")
        assert cursor.fetchone()[0] == ["plan_cache_mode=force_generic_plan"]
        query = digest_function_query(lambda name: f"${DIGEST_PARAMETERS.index(name) + 1}")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE export_digest (bigint, text, integer) AS {query}")
        cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE export_digest ({int(organization.pk)}, 'en', 1)")
        plan = cursor.fetchone()[0]
        cursor.execute("DEALLOCATE export_digest")
    plan = plan if isinstance(plan, list) else json.loads(plan)

    def scans(node: dict) -> list[tuple[str, str]]:
        found = [(node["Node Type"], node.get("Relation Name", ""))]
        return found + [scan for child in node.get("Plans", []) for scan in scans(child)]

    read = scans(plan[0]["Plan"])
    assert ("Seq Scan", Keyword._meta.db_table) not in read and ("Seq Scan", Ad._meta.db_table) not in read
    assert {relation for _node, relation in read} >= {Keyword._meta.db_table, Ad._meta.db_table}
