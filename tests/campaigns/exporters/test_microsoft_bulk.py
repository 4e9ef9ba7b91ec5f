from __future__ import annotations

import pytest

from campaigns.exporters.microsoft_bulk import export_microsoft_bulk

pytestmark = pytest.mark.django_db


def read_back(content: bytes, tmp_path) -> list[object]:
    from bingads.v13.bulk import BulkFileReader, ResultFileType

    path = tmp_path / "bulk.csv"
    path.write_bytes(content)
    with BulkFileReader(str(path), result_file_type=ResultFileType.upload) as reader:
        return list(reader)


def summary(entity) -> tuple:
    kind = type(entity).__name__
    if kind == "BulkCampaign":
        c = entity.campaign
        return kind, c.Id, c.Name, c.Status, c.DailyBudget, c.BudgetType, list(c.Languages.string), c.TimeZone
    if kind == "BulkAdGroup":
        g = entity.ad_group
        return kind, g.Id, entity.campaign_id, g.Name, g.Status, g.CpcBid.Amount if g.CpcBid else None
    if kind == "BulkKeyword":
        k = entity.keyword
        return kind, entity.ad_group_id, k.Text, k.MatchType, k.Status, k.Bid.Amount if k.Bid else None
    if kind == "BulkResponsiveSearchAd":
        ad = entity.responsive_search_ad
        return (
            kind,
            entity.ad_group_id,
            [(a.Asset.Text, a.PinnedField) for a in ad.Headlines.AssetLink],
            [(a.Asset.Text, a.PinnedField) for a in ad.Descriptions.AssetLink],
            ad.Path1 or "",
            ad.Path2 or "",
            list(ad.FinalUrls.string),
        )
    if kind in ("BulkAdGroupNegativeKeyword", "BulkCampaignNegativeKeyword"):
        return kind, entity._parent_id, entity.negative_keyword.Text, entity.negative_keyword.MatchType
    if kind == "BulkSharedNegativeKeyword":
        return kind, entity._parent_id, entity.negative_keyword.Text, entity.negative_keyword.MatchType
    if kind == "BulkNegativeKeywordList":
        return kind, entity.negative_keyword_list.Id, entity.negative_keyword_list.Name
    if kind == "BulkCampaignNegativeKeywordList":
        a = entity.shared_entity_association
        return kind, a.EntityId, a.SharedEntityId
    return (kind,)


def test_sdk_reads_our_bulk_file_back_to_the_same_entities(account, tmp_path):
    from bingads.v13.bulk import entities as bulk

    from campaigns.exporters.account import load_account
    from campaigns.exporters.microsoft_bulk import entities

    content, result = export_microsoft_bulk(account.organization)
    assert result.problems == []
    written = [summary(e) for e in entities(load_account(account.organization, "microsoft"))]
    read = [summary(e) for e in read_back(content, tmp_path)]
    assert read == written
    cemento, cola = account, account.ad_groups.get(name="Cemento cola")
    shared = account.organization.negative_lists.get()
    assert (
        "BulkCampaign",
        -cemento.pk,
        "Cemento",
        "Active",
        40.0,
        "DailyBudgetStandard",
        ["Spanish"],
        "BrusselsCopenhagenMadridParis",
    ) in read
    assert ("BulkAdGroup", -cola.pk, -cemento.pk, "Cemento cola", "Active", 1.25) in read
    assert ("BulkKeyword", -cola.pk, "cemento cola", "Exact", "Active", 1.5) in read
    assert ("BulkAdGroupNegativeKeyword", -cola.pk, "dental", "Phrase") in read
    assert ("BulkCampaignNegativeKeyword", -cemento.pk, "gratis", "Exact") in read
    assert ("BulkNegativeKeywordList", -shared.pk, "Competidores") in read
    assert ("BulkSharedNegativeKeyword", -shared.pk, "leroy", "Phrase") in read
    assert ("BulkCampaignNegativeKeywordList", -cemento.pk, -shared.pk) in read
    ad = next(row for row in read if row[0] == "BulkResponsiveSearchAd" and row[1] == -cola.pk)
    assert ad[2] == [
        ("Cemento Cola Rápido", "Headline1"),
        ("Entrega en 24 horas", None),
        ("Precios de Fábrica", "Headline2"),
        ("Sacos de 25 kg", None),
    ]
    assert ad[3][0] == ("Cemento cola flexible para interior y exterior.", "Description1")
    assert ad[4:] == ("cemento", "cola", ["https://materiales.example/cemento-cola"])
    assert [type(e) for e in read_back(content, tmp_path)].count(bulk.BulkKeyword) == 5


def test_broad_negative_is_reported_for_microsoft(account):
    cola = account.ad_groups.get(name="Cemento cola")
    account.keywords.filter(ad_group=cola, negative=True).update(match_type="broad")
    _, result = export_microsoft_bulk(account.organization)
    assert [(p.item, p.rule) for p in result.problems] == [
        ("campaign 'Cemento' › ad group 'Cemento cola' › negative keyword 'dental' (broad)", "broad_negative")
    ]
