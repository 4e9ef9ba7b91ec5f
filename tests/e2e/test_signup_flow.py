"""A newcomer's way in, in a real browser under the Content-Security-Policy (the page fixture fails a test on any
refusal): sign up, confirm from the email, sign in, create an organization, land on the first-import steps; then
a token from the profile page and ReDoc drawn from the installed package. The screenshots of these pages come
from the first hour's flow (tests/e2e/test_first_hour.py)."""

from __future__ import annotations

import re

from django.core import mail

from campaigns.models import Organization

PASSWORD = "ladrillo-cemento-arena-42"


def test_a_newcomer_signs_up_confirms_and_creates_an_organization(page, live_server, transactional_db):
    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=/")
    page.click("text=Create an account")
    page.fill("#id_email", "Ana@Example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", "otra-clave-distinta-77")
    page.click("#sign-up button[type=submit]")
    assert "The two passwords differ" in page.locator("#sign-up").inner_text()
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#sign-up button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/signup/sent/")

    [message] = mail.outbox
    link = re.search(r"(http://\S+/accounts/confirm/\S+/)", message.body).group(1)
    page.goto(link)
    page.click("#confirm-account button")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ana@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/organizations/new/")

    page.fill("#id_name", "Materiales Ibéricos")
    page.select_option("#id_currency", "USD")
    page.select_option("#id_time_zone", "America/New_York")
    page.click("#organization-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.locator("#first-import h3").inner_text() == "Import your first report"
    organization = Organization.objects.get()
    assert (organization.slug, organization.currency, organization.time_zone) == (
        "materiales-ibericos",
        "USD",
        "America/New_York",
    )
    page.click("#go-to-imports")
    page.wait_for_url(f"{live_server.url}/imports/")


def test_a_token_from_the_profile_page_and_redoc_offline(page, browser, live_server, transactional_db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("ana@example.com", "ana@example.com", PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/profile/")
    page.fill("#id_username", "ana@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    page.click("#create-token button")
    token = page.locator("#new-token-value").input_value()
    assert re.fullmatch(r"[0-9a-f]{64}", token)
    assert page.locator("#api-tokens tbody tr").count() == 1

    # ReDoc writes its styles at run time (allowed on that page only); its footer logo from Redocly's CDN is the
    # one thing refused, so this part counts refusals itself instead of the page fixture.
    context = browser.new_context(storage_state=page.context.storage_state())
    redoc = context.new_page()
    refused: list[str] = []
    answered: list[str] = []  # a load the policy refuses never leaves the browser: no answer
    redoc.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    redoc.on("requestfinished", lambda request: answered.append(request.url))
    redoc.goto(f"{live_server.url}/api/redoc/")
    redoc.locator("h1").first.wait_for()
    assert redoc.locator("h1").first.inner_text().startswith("Ad optimizer API")
    redoc.locator("[data-section-id^='operation/']").first.wait_for()
    assert [text for text in refused if "cdn.redoc.ly" not in text] == []
    assert [url for url in answered if not url.startswith((live_server.url, f"blob:{live_server.url}"))] == []
    context.close()
