"""Liveness (``/healthz``: the process answers), readiness (``/readyz``: the database and the broker answer) and the
Prometheus scrape (``/metrics``, see campaigns/metrics.py).

A load balancer takes a web process out of rotation while ``/readyz`` is 503; an orchestrator restarts it only when
``/healthz`` stops answering. Both skip sessions, CSRF and login, and the SSL redirect (see settings).
"""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_S = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    """Open (and close) a connection to the Celery broker, giving up after a couple of seconds."""
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        # kombu's filesystem transport "connects" to anything; what matters is that the queue folder is there.
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not folder.is_dir():
            raise ConnectionError(f"queue folder {folder} does not exist")
        return
    options = {**getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}), "max_retries": 0}
    with Connection(url, connect_timeout=BROKER_TIMEOUT_S, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_S)


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every dependency answers, else 503 naming each one that failed and why."""
    checks: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the reason goes to the body and the log
            checks[name] = f"error: {type(exc).__name__}: {exc}"
            logger.warning("readiness check %s failed: %s", name, exc)
        else:
            checks[name] = "ok"
    failed = sorted(name for name, result in checks.items() if result != "ok")
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; with METRICS_TOKEN set (required in production), only for ``Authorization: Bearer
    <token>``, compared in constant time."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from campaigns.metrics import exposition

    token = settings.METRICS_TOKEN
    # bytes, not str: compare_digest refuses a str with non-ASCII characters (a 500), and a header can hold them
    given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    if token and not hmac.compare_digest(given, f"Bearer {token}".encode()):
        return HttpResponse("a bearer token is required\n", status=401, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
