"""A real headless Chromium (Debian's, never a downloaded one) against the live server, on the demo organization."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
END = date(2026, 11, 25)
PASSWORD = "demo-materiales"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page whose test fails if the browser refused anything under the Content-Security-Policy."""
    context = browser.new_context(viewport=LAPTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    yield page
    context.close()
    assert refused == [], "the browser refused content under the Content-Security-Policy"


@pytest.fixture
def demo(transactional_db, monkeypatch):
    """The demo organization over 30 days; matching is a worker's job, so nothing is queued from here."""
    from campaigns import tasks
    from campaigns.services.demo import seed_demo

    monkeypatch.setattr(tasks.run_matching_job, "delay", lambda *args, **kwargs: None)
    return seed_demo(seed=7, days=30, end=END)


@pytest.fixture
def plan(demo):
    from campaigns.services import rebalancing

    return rebalancing.propose(demo, END + timedelta(days=1))


@pytest.fixture
def negative(demo):
    from campaigns.models import Campaign, Suggestion

    campaign = Campaign.objects.get(organization=demo, name="Cemento - Búsqueda")
    ad_group = campaign.ad_groups.order_by("name").first()
    return Suggestion.objects.create(
        organization=demo,
        kind="negative",
        level="ad_group",
        campaign=campaign,
        ad_group=ad_group,
        text="cemento dental",
        match_type="phrase",
        source="e2e",
        evidence={
            "reason": "no conversions",
            "would_have_blocked": {
                "terms": ["cemento dental", "<script>window.pwned=1</script>"],
                "clicks": 12,
                "cost_micros": 9_400_000,
                "conversions": 0,
            },
        },
    )


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")  # "/" sends a member of an organization there


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Save what a laptop (1366x768) shows of the page as docs/screenshots/<name>.png, for the README."""
    page.set_viewport_size(LAPTOP)
    page.wait_for_load_state("networkidle")  # charts and htmx swaps are drawn before the picture
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path
