"""The reasons a decision, an edit or a job is refused, and the shared validator's details, in the marketer's
language: Spanish on Spanish pages, the same English as before on English ones."""

from __future__ import annotations

from functools import partial

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns.exporters.validation import ad_findings, budget_findings, keyword_findings
from campaigns.models import Ad, GenerationJob, Suggestion
from campaigns.services.generation_jobs import GenerationJobError, cancel_job, check_phrases, create_job
from campaigns.services.suggestions import SuggestionError, clean_ad_text, decide, edit_text
from tests.factories import AdGroupFactory, CampaignFactory, suggestion_for

pytestmark = pytest.mark.django_db


suggestion = partial(suggestion_for, source="test")  # a pending suggestion for an ad group


def refusal(call, *args, language: str = "es", **kwargs) -> str:
    with translation.override(language), pytest.raises((SuggestionError, GenerationJobError)) as refused:
        call(*args, **kwargs)
    return str(refused.value)


def test_approving_an_approved_negative_twice_says_so_in_spanish_on_the_page(client, teammate, account):
    negative = account["negative"]
    client.force_login(teammate)
    client.cookies["django_language"] = "es"
    client.post(reverse("campaigns:search_terms"), {"one": f"approve:{negative.pk}"})
    response = client.post(reverse("campaigns:search_terms"), {"one": f"approve:{negative.pk}"}, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert "esta sugerencia ya se aprobó" in shown
    assert "esta sugerencia ya se aprobó" in response.content.decode()


def test_each_suggestion_refusal_is_spanish(organization):
    group = AdGroupFactory(campaign=CampaignFactory(organization=organization), name="Teja mixta")
    approved = suggestion(group, "headline", "Teja Árabe", status="approved")
    rejected = suggestion(group, "headline", "Teja Curva", status="rejected")
    keyword = suggestion(group, "keyword", "teja árabe", match_type="phrase")
    lost = Suggestion.objects.create(organization=organization, kind="keyword", text="teja", source="test")
    headline = suggestion(group, "headline", "Envío a Obra")
    assert refusal(decide, approved.pk, approve=True, user=None) == "esta sugerencia ya se aprobó"
    assert refusal(decide, rejected.pk, approve=False, user=None) == "esta sugerencia ya se rechazó"
    assert refusal(decide, lost.pk, approve=True, user=None) == (
        "una sugerencia de palabra clave necesita un grupo de anuncios"
    )
    assert refusal(edit_text, approved.pk, "Teja") == "solo se pueden editar las sugerencias pendientes"
    assert refusal(edit_text, keyword.pk, "teja") == "aquí solo se editan títulos y descripciones"
    assert refusal(decide, headline.pk, approve=True, user=None) == (
        "este grupo de anuncios no tiene ningún anuncio al que añadir el texto; crea antes un anuncio"
    )
    Ad.objects.create(
        ad_group=group,
        final_url="https://example.com/",
        headlines=[{"text": f"Teja {n}", "pin": None} for n in range(15)],
        descriptions=[{"text": f"Tejas {n}.", "pin": None} for n in range(4)],
    )
    assert refusal(decide, headline.pk, approve=True, user=None) == (
        "todos los anuncios de este grupo ya tienen 15 títulos"
    )
    description = suggestion(group, "description", "Tejas de Toledo hechas a mano.")
    assert refusal(decide, description.pk, approve=True, user=None) == (
        "todos los anuncios de este grupo ya tienen 4 descripciones"
    )
    assert refusal(decide, approved.pk, approve=True, user=None, language="en") == (
        "this suggestion was already approved"
    )


def test_the_validators_details_are_spanish(organization):
    assert refusal(clean_ad_text, "headline", "¡TEJA ÁRABE envejecida a mano GRATIS!", ["Uralita", "gratis"]) == (
        "el título ocupa 37 caracteres; el límite es 30; el título lleva signos de exclamación (2); no se permite "
        "ninguno; el título escribe TEJA, ÁRABE, GRATIS en mayúsculas; el título contiene el término bloqueado "
        "'gratis'"
    )
    assert refusal(clean_ad_text, "description", "=HYPERLINK() ¡¡ya!!") == (
        "la descripción empieza por '=', y una hoja de cálculo que abra la exportación lo ejecutaría como fórmula; "
        "la descripción lleva signos de exclamación (2); se permite uno como máximo; "
        "la descripción escribe HYPERLINK en mayúsculas"
    )
    assert refusal(clean_ad_text, "headline", "   ") == "el título no tiene texto"
    with translation.override("es"):
        ad = [
            f.detail
            for f in ad_findings(
                [{"text": "Teja", "pin": 4}, {"text": "teja", "pin": None}],
                [{"text": "Tejas.", "pin": None}] * 5,
                "",
                "ruta-demasiado-larga",
                "ftp://example.com",
                "google",
            )
        ]
        keyword = [f.detail for f in keyword_findings("teja, (barata) " * 6, "amplia", True, "microsoft")]
        budget = [f.detail for f in budget_findings(0)]
    assert ad == [
        "2 títulos; se necesitan al menos 3",
        "5 descripciones; se permiten como máximo 4",
        "repite el elemento 1",
        "repite el elemento 1",
        "repite el elemento 1",
        "repite el elemento 1",
        "repite el elemento 1",
        "la ruta 2 ocupa 20 caracteres; el límite es 15",
        "la posición fijada 4 no es ninguna de (1, 2, 3)",
        "la ruta 2 necesita una ruta 1",
        "'ftp://example.com' no es una URL http(s)",
    ]
    assert keyword == [
        "la palabra clave tiene 90 caracteres; el límite es 80",
        "la palabra clave tiene 12 palabras; el límite es 10",
        "la palabra clave contiene caracteres no admitidos: '(),'",
        "la concordancia 'amplia' no es amplia, de frase ni exacta",
    ]
    assert budget == ["las plataformas necesitan un presupuesto diario mayor que cero"]
    with translation.override("en"):
        assert [f.detail for f in keyword_findings("teja", "broad", True, "microsoft")] == [
            "Microsoft Advertising has no broad negatives"
        ]
        english = [f.detail for f in ad_findings([], [], "", "", "https://example.com/", "google")]
    assert english == ["0 headlines; at least 3 are required", "0 descriptions; at least 2 are required"]


def test_generation_job_refusals_are_spanish(organization):
    campaign = CampaignFactory(organization=organization)
    assert refusal(create_job, organization, campaign.pk + 1000) == "Esa campaña no existe en esta organización."
    assert refusal(create_job, organization, campaign.pk, ad_group_id=999_999) == (
        "Ese grupo de anuncios no existe en esta campaña."
    )
    assert refusal(create_job, organization, campaign.pk) == (
        "Esta campaña no tiene ningún grupo de anuncios activo para el que escribir sugerencias."
    )
    assert refusal(check_phrases, ["teja"] * 11, "selling points") == (
        "Argumentos de venta: se indicaron 11; el límite es 10."
    )
    assert refusal(check_phrases, ["t" * 91], "brand terms") == (
        "Términos de marca 1 tiene 91 caracteres; el límite es 90."
    )
    job = GenerationJob.objects.create(organization=organization, campaign=campaign, status="cancelled")
    assert refusal(cancel_job, job) == "Este trabajo ya se canceló."
