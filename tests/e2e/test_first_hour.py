"""A marketer's first hour in a real browser, in English and in Spanish (the browser's language): sign up, confirm
from the email, create an organization, upload the two reports its dashboard asks for, watch matching finish,
approve a negative, generate on the real model and approve a keyword and a new ad, plan budgets, export. The jobs
run on worker threads (the ``workers`` fixture), and axe-core checks every page on the way.

Both passes generate on the real model (a few tokens a second on a CPU: minutes each on a busy machine). A new
account has no ads: the approved headlines and descriptions make the ad group's first ad, with the final URL typed
on the generate page."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import Count, F
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Ad, BudgetPlan, GenerationJob, Keyword, MatchingJob, Organization, Suggestion
from tests.e2e.conftest import assert_accessible, screenshot, watched_page

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "ladrillo-cemento-arena-42"
# Lines a marketer writes where the model suggested fewer than an ad needs (3 headlines, 2 descriptions).
OWN_LINES = {
    "headline": (3, ["Tejas de Toledo", "Entrega en Obra", "Venta por Palé"]),
    "description": (2, ["Teja cerámica mixta roja de Toledo.", "Venta por palé con entrega en obra."]),
}
PRODUCT = "Teja cerámica mixta roja para cubiertas, fabricada en Toledo, venta por palé con entrega en obra."
# What each language's pages say at the steps the test reads them; the English pass keeps the README's screenshots.
WORDS = {
    "en": {
        "locale": "en-US",
        "create_account": "Create an account",
        "first_import": "Import your first report",
        "import": "Import",
        "succeeded": "Succeeded",
        "nav_search_terms": "Search terms",
        "approve": "Approve",
        "negative_approved": "1 negative approved.",
        "nav_campaigns": "Campaigns",
        "generate": "Generate suggestions",
        "approve_selected": "Approve selected",
        "new_ad": "New ad for Teja cerámica with",
        "planning": "Planning started",
        "nav_budgets": "Budgets",
        "plan_now": "Plan now",
        "proposed": "Proposed",
        "dry_run": "Dry run: what applying would change",
        "nav_exports": "Exports",
        "screenshots": ("sign-up", "new-organization", "first-import", "imports", "search-terms", "budgets", "exports"),
    },
    "es": {
        "locale": "es-ES",
        "create_account": "Crear una cuenta",
        "first_import": "Importa tu primer informe",
        "import": "Importar",
        "succeeded": "Terminada",
        "nav_search_terms": "Términos de búsqueda",
        "approve": "Aprobar",
        "negative_approved": "1 negativa aprobada.",
        "nav_campaigns": "Campañas",
        "generate": "Generar sugerencias",
        "approve_selected": "Aprobar seleccionadas",
        "new_ad": "Nuevo anuncio para Teja cerámica con",
        "planning": "Planificación iniciada",
        "nav_budgets": "Presupuestos",
        "plan_now": "Planificar ahora",
        "proposed": "Propuesto",
        "dry_run": "Simulación: lo que cambiaría al aplicar",
        "nav_exports": "Exportaciones",
        "screenshots": ("search-terms", "budgets"),  # as search-terms-es.png and budgets-es.png
    },
}


@pytest.fixture(params=["en", "es"])
def language(request) -> str:
    return request.param


@pytest.fixture
def page(browser, language):
    """The page fixture's checks, in a browser that asks for ``language``."""
    yield from watched_page(browser, WORDS[language]["locale"])


@pytest.fixture
def reports(tmp_path, upload_dir):
    """The demo account's campaign and search terms reports over the 14 days before today, as Google Ads writes
    them (Spanish headers, comma decimals, total lines): enough terms for matching to propose negatives, which the
    small fixtures of tests/campaigns/real_reports.py are not."""
    from campaigns.demo.generator import write_reports

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    written = write_reports(downloads, seed=7, days=14, end=timezone.localdate() - timedelta(days=1))
    return [written["campaign"], written["search_terms"]]


class Steps:
    """The page, its language's words, and each page checked by axe-core as the flow reaches it."""

    def __init__(self, page, live_server, language: str) -> None:
        self.page, self.url, self.words, self.language = page, live_server.url, WORDS[language], language
        self.approved_keyword = ""
        self.approved_headlines: list[str] = []

    def check(self, shot: str | None = None, *, full_page: bool = False) -> None:
        assert_accessible(self.page)
        if shot is not None and shot in self.words["screenshots"]:
            screenshot(self.page, shot if self.language == "en" else f"{shot}-{self.language}", full_page=full_page)

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()


def test_first_hour(page, live_server, transactional_db, workers, reports, language):
    steps = Steps(page, live_server, language)
    seconds = {}
    for step, args in (
        (_sign_up_confirm_and_create_an_organization, ()),
        (_import_and_watch_matching_finish, (reports,)),
        (_approve_a_negative, ()),
        (_generate_and_approve, ()),
        (_plan_budgets, ()),
        (_export, ()),
    ):
        started = time.perf_counter()
        step(steps, *args)
        seconds[step.__name__.strip("_")] = round(time.perf_counter() - started, 1)
    print(f"first hour ({language}): {sum(seconds.values()):.1f} s {seconds}")
    assert page.locator("html").get_attribute("lang") == language


def _sign_up_confirm_and_create_an_organization(steps: Steps) -> None:
    page, url = steps.page, steps.url
    page.goto(f"{url}/")
    page.wait_for_url(f"{url}/accounts/login/?next=/")
    steps.check("sign-in")
    page.click(f"text={steps.words['create_account']}")
    steps.check("sign-up")
    page.fill("#id_email", "Ana@Example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#sign-up button[type=submit]")
    page.wait_for_url(f"{url}/accounts/signup/sent/")
    steps.check()

    [message] = mail.outbox
    page.goto(re.search(r"(http://\S+/accounts/confirm/\S+/)", message.body).group(1))
    steps.check()
    page.click("#confirm-account button")
    page.wait_for_url(f"{url}/accounts/login/")
    page.fill("#id_username", "ana@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/organizations/new/")
    steps.check("new-organization")

    page.fill("#id_name", "Materiales Ibéricos")
    page.select_option("#id_currency", "EUR")
    page.select_option("#id_time_zone", "Europe/Madrid")
    page.click("#organization-form button[type=submit]")
    page.wait_for_url(f"{url}/dashboard/")
    assert steps.text("#first-import h3") == steps.words["first_import"]
    steps.check("first-import", full_page=True)


def _import_and_watch_matching_finish(steps: Steps, reports) -> None:
    """The campaign report first, as the dashboard's steps say. Each job's progress polls every second and the page
    reloads once it has finished (htmx's HX-Refresh); the search terms import queues matching, whose progress the
    page then polls the same way. The Search terms page says which import its matches come from."""
    page, words = steps.page, steps.words
    page.click("#go-to-imports")
    steps.check()
    polling = page.locator("[hx-trigger^='every']")
    for report in reports:
        page.set_input_files("#id_file", str(report))
        with page.expect_navigation():
            page.get_by_role("button", name=words["import"], exact=True).click()
        expect(polling).to_have_count(0, timeout=120_000)  # nothing left running: no reload to come
        assert steps.text("#import-job-status") == words["succeeded"]
    assert MatchingJob.objects.get().status == "succeeded"
    assert page.locator("#import-history tbody tr").count() == 2
    steps.check("imports")

    page.click(f"nav >> text={words['nav_search_terms']}")
    assert reports[-1].name in steps.text("#matching-shown")
    assert page.locator("#matching-job").count() == 0  # no longer in progress


def _approve_a_negative(steps: Steps) -> None:
    page, words = steps.page, steps.words
    rows = page.locator("#pending-negatives tr[id^=negative-]")
    pending = rows.count()
    waste = Suggestion.objects.filter(kind="negative", status="pending").exclude(evidence__kind="sculpting")
    assert pending == waste.count() > 0
    steps.check("search-terms")
    row = page.locator("#pending-negatives tr[data-text='tejas minecraft']")
    negative = Suggestion.objects.get(pk=int(row.get_attribute("id").removeprefix("negative-")))
    row.get_by_role("button", name=words["approve"], exact=True).click()
    assert steps.text(".messages") == words["negative_approved"]
    assert page.locator("#pending-negatives tr[id^=negative-]").count() == pending - 1
    keyword = Keyword.objects.get(negative=True, text="tejas minecraft")
    assert (keyword.match_type, keyword.campaign_id) == (negative.match_type, negative.campaign_id)
    steps.check()


def _generate_and_approve(steps: Steps) -> None:
    """One ad group on the real model; approve a keyword and the headlines and descriptions with a final URL: the
    ad group has no ad, so they make its first one (paused), with the marketer's own lines where too few came."""
    page, words = steps.page, steps.words
    page.click(f"nav >> text={words['nav_campaigns']}")
    steps.check()
    page.get_by_role("link", name="Tejas - Búsqueda").click()
    steps.check()
    page.click("#generate-link")
    page.fill("#id_product_text", PRODUCT)
    page.select_option("#id_ad_group", label="Teja cerámica")
    page.get_by_role("button", name=words["generate"]).click()
    page.wait_for_selector('#generation-job[data-status="succeeded"]', timeout=900_000)
    job = GenerationJob.objects.get()
    assert (job.status, job.done_requests, job.created_by.username) == ("succeeded", 1, "ana@example.com")
    steps.check("generate")
    group = job.campaign.ad_groups.get(name="Teja cerámica")
    assert not Ad.objects.filter(ad_group=group).exists()
    keyword_row = page.locator("#suggestions tr.suggestion-keyword").first
    keyword = Suggestion.objects.get(pk=int(keyword_row.get_attribute("id").removeprefix("suggestion-")))
    keyword_row.locator("input[name=ids]").check()
    for kind in ("headline", "description"):
        for box in page.locator(f"#suggestions tr.suggestion-{kind} input[name=ids]").all():
            box.check()
    pending = dict(
        Suggestion.objects.filter(job=job, status="pending", kind__in=("headline", "description"))
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    page.fill(f"#final-url-{group.pk}", "https://materiales-ibericos.example/tejas/ceramica")
    # the model may write too few of a kind for an ad (this brief: headlines only): the marketer adds their own
    own = {kind: lines[: max(0, most - pending.get(kind, 0))] for kind, (most, lines) in OWN_LINES.items()}
    page.fill(f"#own-headlines-{group.pk}", "\n".join(own["headline"]))
    page.fill(f"#own-descriptions-{group.pk}", "\n".join(own["description"]))
    page.get_by_role("button", name=words["approve_selected"]).click()
    said = steps.text(".messages")
    print(f"generated ({steps.language}): {job.tokens_generated} tokens, pending ad text {pending}; said {said!r}")
    assert words["new_ad"] in said
    assert Keyword.objects.filter(ad_group=keyword.ad_group, negative=False, text=keyword.text).exists()
    steps.approved_keyword = keyword.text
    ad = Ad.objects.get(ad_group=group)
    assert (ad.status, ad.final_url) == ("paused", "https://materiales-ibericos.example/tejas/ceramica")
    assert len(ad.headlines) >= 3 and len(ad.descriptions) >= 2
    assert set(own["description"]) <= set(ad.description_texts)
    assert not Suggestion.objects.filter(job=job, status="pending", kind__in=("headline", "description")).exists()
    steps.approved_headlines = ad.headline_texts
    steps.check()


def _plan_budgets(steps: Steps) -> None:
    """An owner plans now; the plan is made by a worker while the page polls, and the page shows it when it is made,
    without a reload. A new organization is in dry run: the plan is shown and nothing applies."""
    page, words = steps.page, steps.words
    page.click(f"nav >> text={words['nav_budgets']}")
    page.get_by_role("button", name=words["plan_now"]).click()
    assert words["planning"] in steps.text(".messages")
    expect(page.locator("#plan-summary")).to_contain_text(words["proposed"], timeout=30_000)
    assert BudgetPlan.objects.filter(organization=Organization.objects.get()).exists()
    assert page.locator("#plan-moves li").count() > 0
    steps.check("budgets")
    page.get_by_role("link", name=words["dry_run"]).click()
    moved = BudgetPlan.objects.get().items.exclude(after_micros=F("before_micros")).count()
    assert page.locator("#planned-changes tbody tr").count() == moved > 0
    steps.check()


def _export(steps: Steps) -> None:
    page, words = steps.page, steps.words
    page.click(f"nav >> text={words['nav_exports']}")
    steps.check("exports")
    with page.expect_download() as download:
        page.click("a[href$='/exports/google-ads-editor/']")
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert "tejas minecraft" in exported  # the approved negative
    assert steps.approved_keyword in exported  # the approved generated keyword
    assert all(headline in exported for headline in steps.approved_headlines)  # the new ad's
