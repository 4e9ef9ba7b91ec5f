"""DJANGO_ENV=production: the deploy checks pass, missing secrets stop start-up, gunicorn serves hashed static files
over HTTPS only, logs are JSON; /healthz and /readyz answer."""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from config.logs import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "ads.example.com",
    "CREDENTIALS_KEYS": f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
    "METRICS_TOKEN": secrets.token_urlsafe(32),
}
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
    "WORKER_METRICS_PORT",
    "WORKER_METRICS_ADDR",
    "WORKER_METRICS_ALL_INTERFACES",
    "LOG_FORMAT",
    "VAR_DIR",
    "METRICS_TOKEN",
    # the browser tests' conftest sets this in the test process (Playwright runs an event loop); a deployment
    # never has it, and check --deploy rightly refuses it
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in _OURS}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path / "var"),
        **PRODUCTION,
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


def python(env: dict[str, str], script: str) -> subprocess.CompletedProcess:
    """``script`` run by this Python in a fresh process, in the project's root."""
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_check_deploy_passes_in_production(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set in the environment"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set in the environment (or SECRET_KEY_FILE naming a file)"),
        ({"DEBUG": "1"}, "DEBUG must be off when DJANGO_ENV=production"),
        ({"DJANGO_ENV": "prod"}, "DJANGO_ENV='prod' is not one of development, production"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY and SECRET_KEY_FILE are both set"),
        (
            {"SECRET_KEY": "", "SECRET_KEY_FILE": "/nonexistent/secret"},
            "SECRET_KEY_FILE='/nonexistent/secret' cannot be read: No such file or directory",
        ),
        (
            {"METRICS_TOKEN": ""},
            "METRICS_TOKEN must be set, 20 characters or more, when DJANGO_ENV=production: "
            "/metrics answers only to that bearer token",
        ),
        *[
            (
                {"WORKER_METRICS_PORT": "9100", "WORKER_METRICS_ADDR": wildcard},
                f"WORKER_METRICS_ADDR='{wildcard}' would serve the worker's metrics, which have no token, on every "
                "interface: bind an internal address, or set WORKER_METRICS_ALL_INTERFACES=1 if only a private network "
                "reaches the port",
            )
            for wildcard in ("0.0.0.0", "::")
        ],
        ({"WORKER_METRICS_ADDR": "metrics.internal"}, "WORKER_METRICS_ADDR='metrics.internal' is not an IP address"),
    ],
)
def test_production_refuses_to_start_without_its_settings(tmp_path, change, message):
    result = manage(production_env(tmp_path, **change), "check")
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


def test_secret_key_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s" * 20 + secrets.token_hex(20) + "\n")
    env = production_env(tmp_path, SECRET_KEY="", SECRET_KEY_FILE=str(secret_file))
    result = python(env, "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == secret_file.read_text().strip()


def test_the_web_process_loads_its_views_then_freezes_them_out_of_the_collector(tmp_path):
    """config.wsgi loads every view module before the first request and freezes what is loaded (gc.freeze), so
    the collector stops walking it; the ML libraries stay out of the web process all the same."""
    script = (
        "import gc, sys, config.wsgi; "
        "print(gc.get_freeze_count(), 'campaigns.web.search_terms' in sys.modules, "
        "any(name in sys.modules for name in ('torch', 'transformers', 'faiss')))"
    )
    result = python(production_env(tmp_path), script)
    assert result.returncode == 0, result.stderr
    frozen, views_loaded, ml_loaded = result.stdout.split()
    assert (int(frozen) > 50_000, views_loaded, ml_loaded) == (True, "True", "False")


@pytest.mark.parametrize(
    ("change", "address"),
    [
        ({"WORKER_METRICS_PORT": "9100"}, "127.0.0.1"),
        ({"WORKER_METRICS_PORT": "9100", "WORKER_METRICS_ADDR": "10.0.3.7"}, "10.0.3.7"),
        (
            {"WORKER_METRICS_PORT": "9100", "WORKER_METRICS_ADDR": "0.0.0.0", "WORKER_METRICS_ALL_INTERFACES": "1"},
            "0.0.0.0",
        ),
    ],
)
def test_worker_metrics_address_in_production(tmp_path, change, address):
    """Loopback by default; an internal address, or every interface only when explicitly allowed."""
    result = python(
        production_env(tmp_path, **change),
        "import django; django.setup(); from django.conf import settings; print(settings.WORKER_METRICS_ADDR)",
    )
    assert (result.returncode, result.stdout.strip()) == (0, address), result.stderr


@pytest.fixture
def gunicorn(tmp_path):
    """collectstatic, then gunicorn with config/gunicorn.conf.py (one worker) in production on a free port."""
    env = production_env(
        tmp_path, ALLOWED_HOSTS="127.0.0.1", WEB_CONCURRENCY="1", GUNICORN_BIND=f"127.0.0.1:{free_port()}"
    )
    collected = manage(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://{env['GUNICORN_BIND']}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start:\n{process.communicate()[0]}")
            time.sleep(0.3)
    yield base, Path(env["VAR_DIR"])
    process.terminate()
    process.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.backend_independent  # static files and TLS headers: no database in it
def test_gunicorn_serves_https_only_with_hashed_compressed_static_files(gunicorn):
    base, var = gunicorn
    manifest = json.loads((var / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vendor/htmx.min.js"]
    assert hashed != "vendor/htmx.min.js" and (var / "static" / f"{hashed}.gz").is_file()

    status, headers, body = fetch(f"{base}/healthz")  # probes are exempt from the redirect
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, headers, _ = fetch(f"{base}/accounts/login/")
    assert (status, headers["Location"]) == (301, f"https://{base.removeprefix('http://')}/accounts/login/")

    status, headers, body = fetch(f"{base}/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert f"/static/{hashed}".encode() in body
    assert "secure" in headers["Set-Cookie"].lower().split("; ")  # the CSRF cookie

    status, headers, body = fetch(
        f"{base}/static/{hashed}", **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
    )
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"

    # /metrics gathers every gunicorn worker through PROMETHEUS_MULTIPROC_DIR (set by the config file)
    assert fetch(f"{base}/metrics")[0] == 401  # production: only for the scraper's token
    status, headers, body = fetch(f"{base}/metrics", Authorization=f"Bearer {PRODUCTION['METRICS_TOKEN']}")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    healthz = (("method", "GET"), ("transport", "http"), ("view", "healthz"))
    # the test's one and the fixture's polling (a poll that timed out while the worker imported Django counts too)
    assert samples[("django_http_requests_total_by_view_transport_method_total", healthz)] >= 2
    assert samples[("celery_broker_up", ())] == 1
    assert list((var / "prometheus" / "web").glob("counter_*.db"))


def test_json_log_lines():
    record = logging.LogRecord("campaigns.tasks", logging.WARNING, __file__, 1, "plan %s refused", (7,), None)
    record.organization_id = 3
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("level", "logger", "message", "organization_id")} == {
        "level": "WARNING",
        "logger": "campaigns.tasks",
        "message": "plan 7 refused",
        "organization_id": 3,
    }
    assert line["time"].endswith("+00:00")


def test_healthz(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_answers_200_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "failed": [], "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_readyz_answers_503_naming_the_broker_when_it_is_down(client, scheme):
    closed = free_port()  # nothing listens there
    with override_settings(CELERY_BROKER_URL=f"{scheme}://127.0.0.1:{closed}/0", CELERY_BROKER_TRANSPORT_OPTIONS={}):
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    body = response.json()
    assert (response.status_code, body["status"], body["failed"]) == (503, "unavailable", ["broker"])
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error: OperationalError")
    assert elapsed < 5
