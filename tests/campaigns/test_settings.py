"""Settings come from the environment and fail loudly; the web process never loads the ML stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "faiss", "sentence_transformers")


def start(env: dict[str, str], code: str = "import django; django.setup(); print('ok')") -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL='mysql://root@localhost/x': unsupported scheme"),
        ({"DATABASE_URL": "postgres://u@localhost:notaport/x"}, "DATABASE_URL="),
        ({"DATABASE_URL": "postgres://u@localhost:5432"}, "names no database"),
        ({"CELERY_BROKER_URL": "kafka://localhost"}, "CELERY_BROKER_URL='kafka://localhost': unsupported scheme"),
        ({"CELERY_BROKER_URL": "redis://:secret@localhost:xx/0"}, "CELERY_BROKER_URL='redis://:***@localhost:xx/0'"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "0"}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": "a.example,,b.example"}, "ALLOWED_HOSTS='a.example,,b.example' has an empty entry"),
        ({"CELERY_TASK_TIME_LIMIT": "ten"}, "CELERY_TASK_TIME_LIMIT='ten' is not an integer"),
        ({"DB_CONN_MAX_AGE": "-1"}, "DB_CONN_MAX_AGE=-1 must be at least 0"),
    ],
)
def test_malformed_environment_stops_start_up_naming_the_variable(env, message):
    result = start(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert "secret@" not in result.stderr  # passwords are not echoed


def test_production_values_are_accepted():
    result = start(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "ads.example.com",
            "DATABASE_URL": "postgres://u:p@db.internal:5432/ads",
            "CELERY_BROKER_URL": "amqp://guest@mq//",
        },
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['NAME'], s.CELERY_RESULT_BACKEND)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['ads.example.com'] ads rpc://"


def test_web_process_never_imports_the_ml_stack():
    code = (
        "import sys, django; django.setup()\n"
        "from django.test import Client\n"
        "from django.urls import reverse\n"
        "import config.wsgi, config.urls, campaigns.admin, campaigns.tasks\n"
        "Client().get('/accounts/login/'); Client().get('/admin/login/')\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = start({}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_production_keeps_database_connections_and_development_does_not():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "ads.example.com",
        "CREDENTIALS_KEYS": "k1:" + "A" * 43 + "=",
        "DATABASE_URL": "postgres://u:p@db.internal:5432/ads",
        "METRICS_TOKEN": "m" * 32,
    }
    assert start(production, code).stdout.strip() == "60 True"
    assert start({**production, "DB_CONN_MAX_AGE": "0"}, code).stdout.strip() == "0 True"
    assert start({}, code).stdout.strip() == "0 True"  # development and tests: a connection per request
