"""A small but complete account: two campaigns, ad groups, keywords, negatives at every level, RSAs with pins."""

from __future__ import annotations

import pytest

from campaigns.models import Ad, AdGroup, Campaign, Keyword, NegativeKeywordList


def make_ad(ad_group: AdGroup, first: str = "Cemento Cola Rápido", **extra) -> Ad:
    fields = {
        "headlines": [
            {"text": first, "pin": 1},
            {"text": "Entrega en 24 horas", "pin": None},
            {"text": "Precios de Fábrica", "pin": 2},
            {"text": "Sacos de 25 kg", "pin": None},
        ],
        "descriptions": [
            {"text": "Cemento cola flexible para interior y exterior.", "pin": 1},
            {"text": "Pide hoy y recibe mañana en toda la península.", "pin": None},
        ],
        "path1": "cemento",
        "path2": "cola",
        "final_url": "https://materiales.example/cemento-cola",
    }
    fields.update(extra)
    return Ad.objects.create(ad_group=ad_group, **fields)


def make_keyword(ad_group: AdGroup, text: str, match_type: str, negative: bool = False, **extra) -> Keyword:
    return Keyword.objects.create(
        organization=ad_group.campaign.organization,
        ad_group=ad_group,
        campaign=ad_group.campaign,
        text=text,
        match_type=match_type,
        negative=negative,
        **extra,
    )


@pytest.fixture
def account(organization):
    """The organization's account; returns the main campaign."""
    cemento = Campaign.objects.create(
        organization=organization, platform="google", name="Cemento", daily_budget_micros=40_000_000, language="es"
    )
    azulejos = Campaign.objects.create(
        organization=organization,
        platform="google",
        name="Azulejos",
        daily_budget_micros=12_345_678,
        language="es",
        status="paused",
    )
    cola = AdGroup.objects.create(campaign=cemento, name="Cemento cola", max_cpc_micros=1_250_000)
    gris = AdGroup.objects.create(campaign=cemento, name="Cemento gris")
    banos = AdGroup.objects.create(campaign=azulejos, name="Azulejos baño", status="paused")
    make_keyword(cola, "cemento cola", "exact", max_cpc_micros=1_500_000)
    make_keyword(cola, "cemento cola flexible", "phrase")
    make_keyword(cola, "adhesivo azulejos", "broad", status="paused")
    make_keyword(cola, "dental", "phrase", negative=True)
    make_keyword(gris, "cemento gris", "exact")
    make_keyword(banos, "azulejos baño", "phrase")
    Keyword.objects.create(
        organization=organization, level="campaign", campaign=cemento, text="gratis", match_type="exact", negative=True
    )
    shared = NegativeKeywordList.objects.create(organization=organization, name="Competidores")
    shared.campaigns.add(cemento, azulejos)
    for text, match_type in (("leroy", "phrase"), ("bricomart", "exact")):
        Keyword.objects.create(
            organization=organization,
            level="shared_list",
            shared_list=shared,
            text=text,
            match_type=match_type,
            negative=True,
        )
    make_ad(cola)
    make_ad(gris, first="Cemento Gris Portland", path2="")
    make_ad(banos, first="Azulejos de Baño", path1="", path2="")
    return cemento
