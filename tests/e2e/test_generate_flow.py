"""Generate in a real browser: product text → a job on the real model → refuse a long headline → approve → export."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from campaigns.models import Ad, Campaign, GenerationJob, Suggestion
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PRODUCT = "Teja cerámica mixta roja para cubiertas, fabricada en Toledo, venta por palé con entrega en obra."
TOO_LONG = "Teja cerámica mixta roja de Toledo, envío"  # 41 characters
APPROVED = "Teja Mixta Roja de Toledo"


def test_generate_review_refuse_a_long_headline_approve_and_export(page, live_server, demo, workers):
    tejas = Campaign.objects.get(organization=demo, name="Tejas - Búsqueda")
    sign_in(page, live_server, "editora")
    page.goto(f"{live_server.url}/campaigns/{tejas.pk}/")
    page.click("#generate-link")
    page.fill("#id_product_text", PRODUCT)
    started = time.perf_counter()
    page.get_by_role("button", name="Generate suggestions").click()
    assert page.locator("#generation-job").get_attribute("data-status") in ("queued", "running")
    page.wait_for_selector('#generation-job[data-status="succeeded"]', timeout=600_000)  # polled every second
    job = GenerationJob.objects.get(campaign=tejas)
    seconds = time.perf_counter() - started
    print(
        f"generate page: job {seconds:.1f} s for 1 ad group, {job.tokens_generated} tokens "
        f"({job.tokens_generated / seconds:.1f} tokens/s with the model load)"
    )
    assert (job.status, job.done_requests, job.created_by.username) == ("succeeded", 1, "editora")
    assert page.locator("#job-status").inner_text() == "Succeeded"
    headlines = page.locator("#suggestions tr.suggestion-headline")
    assert headlines.count() == Suggestion.objects.filter(job=job, kind="headline").count() > 0
    screenshot(page, "generate")

    row = headlines.first
    suggestion = Suggestion.objects.get(pk=int(row.get_attribute("id").removeprefix("suggestion-")))
    field = row.locator(f"input[name='text-{suggestion.pk}']")
    edited = f"{live_server.url}/suggestions/{suggestion.pk}/edit/"
    field.fill(TOO_LONG)
    assert row.locator(".counter").inner_text() == "41/30"  # counted in the browser as typed
    refused = "Refused: headline is 41 wide; the limit is 30"
    expect(page.locator(f"#feedback-{suggestion.pk}")).to_have_text(refused)  # the server's validator, as typed
    page.locator(f"#suggestion-{suggestion.pk}").evaluate("row => row.dataset.before = 'save'")
    with page.expect_response(edited) as save:
        row.get_by_role("button", name="Save").click()
    assert save.value.status == 400
    # the answer has replaced the row and htmx has settled it (its inputs listen again)
    page.wait_for_selector(f"#suggestion-{suggestion.pk}:not([data-before]):not(.htmx-added)")
    expect(page.locator(f"#suggestion-{suggestion.pk} .feedback.error")).to_have_text(refused)  # refused on save
    original = suggestion.text
    suggestion.refresh_from_db()
    assert suggestion.text == original  # nothing changed

    page.locator(f"input[name='text-{suggestion.pk}']").fill(APPROVED)
    expect(page.locator(f"#feedback-{suggestion.pk}")).to_have_text("")  # validated as typed: nothing to say
    with page.expect_response(edited) as save:
        page.locator(f"#suggestion-{suggestion.pk}").get_by_role("button", name="Save").click()
    assert save.value.status == 200
    expect(page.locator(f"#feedback-{suggestion.pk}")).to_have_text("Saved.")
    page.locator(f"#suggestion-{suggestion.pk} input[name=ids]").check()
    page.get_by_role("button", name="Approve selected").click()
    assert page.locator(".messages").inner_text() == "1 suggestion approved."
    assert APPROVED in Ad.objects.get(ad_group=suggestion.ad_group).headline_texts

    with page.expect_download() as download:
        page.click("#export-google-editor")
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert APPROVED in exported and TOO_LONG not in exported


def test_model_output_with_a_script_tag_renders_as_text(page, live_server, demo):
    cemento = Campaign.objects.get(organization=demo, name="Cemento - Búsqueda")
    group = cemento.ad_groups.order_by("pk").first()
    hostile = Suggestion.objects.create(
        organization=demo,
        campaign=cemento,
        ad_group=group,
        kind="headline",
        text="<script>window.pwned=1</script>",
        source="generation:e2e",
    )
    sign_in(page, live_server, "visor")
    page.goto(f"{live_server.url}/campaigns/{cemento.pk}/generate/")
    assert page.evaluate("window.pwned") is None
    assert "<script>window.pwned=1</script>" in page.locator(f"#suggestion-{hostile.pk}").inner_text()
    assert page.locator("main button").count() == 0  # a viewer reviews, never decides
