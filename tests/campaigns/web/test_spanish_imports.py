"""Why an import was refused, what an export leaves out and the statuses' names, in the marketer's language: the
refusal of a file that a worker reads later is written in the language the file was uploaded in."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from campaigns.models import Ad, ImportJob, Keyword, PlanStatus, SuggestionStatus
from campaigns.services import import_jobs
from tests.factories import AdGroupFactory, CampaignFactory
from tests.security.conftest import HEADER, report_rows

pytestmark = pytest.mark.django_db


def bad_clicks_report() -> str:
    """Three good rows, then "muchos" clicks on line 6."""
    good = report_rows(3)
    return good + "cemento 9,Exact match,Cemento,Cola,cemento,2026-09-04,40,muchos,EUR,1.50,0\n"


def shown_error(page: str) -> str:
    """The import error box's text, as a person reads it."""
    box = page.split('id="import-error"')[1].split("</div>")[0]
    text = re.sub(r"<[^>]+>", " ", box.split(">", 1)[1])
    return " ".join(html.unescape(text).split())


def upload(client, language: str, content: str, name: str = "terminos.csv"):
    client.cookies["django_language"] = language
    return client.post(reverse("campaigns:imports"), {"file": SimpleUploadedFile(name, content.encode())})


def run_in_worker(job: ImportJob) -> ImportJob:
    """As a Celery worker runs it: no request, the default language active."""
    with translation.override("en"):
        return import_jobs.run_job(job.pk)


def test_a_refusal_found_by_the_worker_is_spanish_on_the_spanish_page(client, teammate, upload_dir):
    client.force_login(teammate)
    assert upload(client, "es", bad_clicks_report()).status_code == 302
    job = run_in_worker(ImportJob.objects.get())
    assert (job.status, job.error_line, job.error_column) == ("failed", 6, "Clicks")
    assert job.error == (
        "'muchos' no es un número entero (informe de términos de búsqueda de Google Ads: corrige la celda o "
        "descarga de nuevo el informe)"
    )
    page = client.get(reverse("campaigns:imports")).content.decode()
    assert shown_error(page) == (
        "El informe no se ha importado. Línea 6, columna “Clicks”: 'muchos' no es un número entero (informe de "
        "términos de búsqueda de Google Ads: corrige la celda o descarga de nuevo el informe)"
    )


def test_the_same_refusal_stays_english_for_an_english_upload(client, teammate, upload_dir):
    client.force_login(teammate)
    upload(client, "en", bad_clicks_report())
    with translation.override("es"):  # whatever the worker's thread had active
        job = import_jobs.run_job(ImportJob.objects.get().pk)
    assert job.error == (
        "'muchos' is not a whole number (Google Ads search terms report: correct the cell, or download the report "
        "again)"
    )
    page = client.get(reverse("campaigns:imports")).content.decode()
    assert shown_error(page) == (
        "The report was not imported. Line 6, column “Clicks”: 'muchos' is not a whole number (Google Ads search "
        "terms report: correct the cell, or download the report again)"
    )


def test_a_file_refused_at_upload_is_explained_in_spanish(client, teammate, upload_dir):
    client.force_login(teammate)
    response = upload(client, "es", "Search terms report\n" + HEADER.replace("Clicks,", ""))
    assert response.status_code == 400
    assert shown_error(response.content.decode()) == (
        "El informe no se ha importado. Línea 2: encabezado incorrecto: el informe de términos de búsqueda necesita "
        "la(s) columna(s) “Clicks”; el encabezado tiene 10 columna(s): 'Search term', 'Match type', 'Campaign', "
        "'Ad group', 'Keyword', 'Day', 'Impr.', 'Currency code', 'Cost', 'Conversions'"
    )
    assert ImportJob.objects.count() == 0


def test_the_imported_report_kind_is_spanish(client, teammate, upload_dir):
    client.force_login(teammate)
    upload(client, "es", report_rows(3))
    assert run_in_worker(ImportJob.objects.get()).status == "succeeded"
    page = client.get(reverse("campaigns:imports")).content.decode()
    history = page.split('id="import-history"')[1].split("</table>")[0]
    assert "<td>Informe de términos de búsqueda</td>" in history


def test_the_export_problem_list_is_spanish(client, owner, organization):
    campaign = CampaignFactory(organization=organization, name="Tejas", daily_budget_micros=10_000_000)
    group = AdGroupFactory(campaign=campaign, name="Teja árabe")
    ad = Ad.objects.create(
        ad_group=group,
        final_url="https://example.com/",
        headlines=[{"text": text, "pin": None} for text in ("Tejas árabes envejecidas a mano", "Teja", "Tejas")],
        descriptions=[{"text": "Tejas de Toledo.", "pin": None}, {"text": "Envío a obra.", "pin": None}],
    )
    Keyword.objects.create(
        organization=organization,
        ad_group=group,
        campaign=campaign,
        text="teja rota",
        match_type="broad",
        negative=True,
    )
    client.force_login(owner)
    client.cookies["django_language"] = "es"
    page = html.unescape(client.get(reverse("campaigns:exports")).content.decode())
    microsoft = page.split('id="export-microsoft-bulk"')[1].split("</section>")[0]
    rows = [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", microsoft.split("<tbody>")[1])
    ]
    where = "campaña 'Tejas' › grupo de anuncios 'Teja árabe'"
    assert rows == [
        [
            f"{where} › palabra clave negativa 'teja rota' (amplia)",
            "Negativa de concordancia amplia",
            "palabras clave: Microsoft Advertising no admite negativas de concordancia amplia",
        ],
        [f"{where} › anuncio {ad.pk}", "Demasiado largo", "título 1: el título ocupa 31 caracteres; el límite es 30"],
    ]


def test_status_labels_are_spanish():
    with translation.override("es"):
        assert [str(label) for label in PlanStatus.labels] == ["Propuesto", "Aplicándose", "Aplicado", "Rechazado"]
        assert [str(label) for label in SuggestionStatus.labels] == ["Pendiente", "Aprobada", "Rechazada"]
    assert [str(label) for label in PlanStatus.labels] == ["Proposed", "Applying", "Applied", "Rejected"]
