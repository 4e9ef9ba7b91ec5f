"""A real headless Chromium (Debian's, never a downloaded one) against the live server, on the demo organization."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

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


def watched_page(browser, locale: str = "en-US"):
    """A page in a new context whose browser speaks ``locale``; yields it, then fails if the browser refused
    anything under the Content-Security-Policy."""
    context = browser.new_context(viewport=LAPTOP, locale=locale)
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
def page(browser):
    """A page whose test fails if the browser refused anything under the Content-Security-Policy."""
    yield from watched_page(browser)


@pytest.fixture
def workers(monkeypatch):
    """The workers as threads of this process: each queued job's real task runs at once, beside the live server
    (imports, matching, generation on the real model, budget plans)."""
    from django.db import connections

    from campaigns import tasks

    threads: list[threading.Thread] = []

    def worker(task):
        def run(*args) -> None:
            try:
                task.apply(args=list(args))
            finally:
                connections.close_all()

        def delay(*args, **kwargs) -> None:
            thread = threading.Thread(target=run, args=args, daemon=True)
            threads.append(thread)
            thread.start()

        return delay

    for task in (tasks.run_import_job, tasks.run_matching_job, tasks.run_generation_job, tasks.rebalance_organization):
        monkeypatch.setattr(task, "delay", worker(task))
    yield
    for thread in threads:
        thread.join(timeout=600)


# axe-core's impacts that fail a page; "moderate" and "minor" findings are printed, not failed.
BLOCKING_IMPACTS = ("serious", "critical")
AXE_TALLY: Counter[str] = Counter()  # pages checked; elements found per impact, rule and path: printed at the end


def assert_accessible(page, *, skip_rules: tuple[str, ...] = ()) -> None:
    """Run axe-core (the copy the axe-playwright-python package ships) on the page as shown: no serious or
    critical violation of WCAG 2.x A/AA or best practice. ``skip_rules`` is for markup that is not ours, each
    with its reason where it is passed."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in skip_rules}}
    violations = Axe().run(page, options=options).response["violations"]
    AXE_TALLY["pages"] += 1
    path = urlsplit(page.url).path
    for violation in violations:
        AXE_TALLY[f"{violation['impact']} {violation['id']} {path}"] += len(violation["nodes"])
    blocking = [
        f"{v['impact']} {v['id']}: {v['help']} at {[node['target'] for node in v['nodes']]}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"{page.url}: {blocking}"


@pytest.fixture(scope="session", autouse=True)
def axe_summary():
    yield
    if AXE_TALLY:
        print(f"\naxe-core: {dict(AXE_TALLY)}")


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
