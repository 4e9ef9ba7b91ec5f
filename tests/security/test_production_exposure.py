"""What a deployment shows to whoever asks: /metrics only to the scraper's token, the API schema and its docs only
to signed-in users, a Content-Security-Policy on every page, and no script or style from another origin."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from knox.models import AuthToken

ROOT = Path(__file__).resolve().parents[2]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_OURS = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "DJANGO_ENV",
    "PROMETHEUS_MULTIPROC_DIR",
    "CREDENTIALS_KEYS",
    "LOG_FORMAT",
    "VAR_DIR",
    "METRICS_TOKEN",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "ads.example.com",
        "CREDENTIALS_KEYS": f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize("token", ["", "too-short-19-chars!"], ids=["missing", "short"])
def test_production_refuses_to_start_without_a_metrics_token(tmp_path, token):
    result = manage(production(tmp_path, METRICS_TOKEN=token), "check")
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: METRICS_TOKEN must be set, 20 characters or more, when DJANGO_ENV=production: "
        "/metrics answers only to that bearer token"
    ) in result.stderr


def test_check_deploy_passes_with_metrics_protected_csp_and_no_cdn(tmp_path):
    result = manage(production(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


@pytest.mark.django_db
def test_metrics_answers_only_the_token_compared_as_bytes(client, settings):
    settings.METRICS_TOKEN = "scraper-token-0123456789"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scraper-token-012345678").status_code == 401
    # a non-ASCII header made hmac.compare_digest raise TypeError (a 500) when the strings were compared
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scraper-tokén").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scraper-token-0123456789")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/docs/?script="])
def test_the_schema_and_its_docs_need_a_signed_in_user(client, owner, path):
    response = client.get(path)
    assert response.status_code == 401  # token authentication, the first scheme, asks for credentials
    assert response["WWW-Authenticate"] == "Token"
    assert response.content in (
        b'{"detail": "Authentication credentials were not provided."}',  # the docs
        b"detail:\n  string: Authentication credentials were not provided.\n  code: not_authenticated\n",
    )  # the schema's YAML
    assert b"paths" not in response.content and b"swagger" not in response.content.lower()
    _, token = AuthToken.objects.create(user=owner)
    assert client.get(path, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    client.force_login(owner)
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_a_signed_out_browser_opening_the_docs_is_sent_to_sign_in(client):
    """Its start-up script, fetched by a <script> tag, gets the JSON 401 instead: it cannot follow a login page."""
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/api/docs/", HTTP_ACCEPT=browser)
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/api/docs/")
    script = client.get("/api/docs/?script=", HTTP_ACCEPT="*/*")
    assert (script.status_code, script["Content-Type"], script.json()) == (
        401,
        "application/json",
        {"detail": "Authentication credentials were not provided."},
    )


class Resources(HTMLParser):
    """Every script, stylesheet, image and icon a page loads, and its inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name) and (tag in ("script", "img") or values.get("rel") in ("stylesheet", "icon")):
                self.urls.append(values[name] or "")
        self.inline += [f"{tag} {name}" for name, _ in attrs if name == "style" or name.startswith("on")]
        # a JSON data block (json_script) is not run, so the policy does not concern it
        if tag == "style" or (tag == "script" and not values.get("src") and values.get("type") != "application/json"):
            self.inline.append(tag)


def resources(html: str) -> Resources:
    parser = Resources()
    parser.feed(html)
    return parser


@pytest.mark.django_db
def test_the_swagger_page_loads_only_our_static_files(client, owner):
    client.force_login(owner)
    response = client.get("/api/docs/")
    page = resources(response.content.decode())
    assert page.inline == []
    assert page.urls == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "/static/campaigns/swagger.css",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/api/docs/?script=",
    ]
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"] == "application/javascript"
    assert b"/api/schema/" in script.content
    for url in page.urls[:-1]:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/",
        "/dashboard/",
        "/campaigns/",
        "/search-terms/",
        "/budgets/",
        "/imports/",
        "/exports/",
        "/members/",
        "/settings/",
        "/api/docs/",
    ],
)
def test_pages_carry_the_policy_and_nothing_inline_it_would_block(client, owner, path):
    client.force_login(owner)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert sorted(response["Content-Security-Policy"].split("; ")) == sorted(CSP.split("; "))
    page = resources(response.content.decode())
    assert page.inline == []
    assert [url for url in page.urls if not url.startswith(("/static/", "/api/docs/?script"))] == []


def test_no_template_writes_inline_script_style_or_handler():
    """The templates the policy serves (pages, htmx fragments): nothing that only 'unsafe-inline' would run."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    found = {
        str(path.relative_to(ROOT)): inline.findall(path.read_text()) for path in (ROOT / "templates").rglob("*.html")
    }
    assert {path: hits for path, hits in found.items() if hits} == {}
