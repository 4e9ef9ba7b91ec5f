"""The backup procedure of docs/deploy.md, run for real: ``pg_dump -Fc`` of a database with data, ``pg_restore`` into
a fresh database, and every table of the project holds the same rows (and the same money) afterwards."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from campaigns.models import BudgetChange, BudgetPolicy, DailyMetric, PlatformCredential
from campaigns.services import rebalancing
from campaigns.services.credentials import store_credentials
from campaigns.services.demo import seed_demo

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # pg_dump sees committed rows only
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"),
]


def libpq_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": db["HOST"] or "localhost",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"] or "postgres",
    }
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=libpq_env())
    assert result.returncode == 0, f"{command[0]} failed: {result.stderr}"


def table_counts(dsn_db: str) -> dict[str, object]:
    env = libpq_env()
    tables = sorted(model._meta.db_table for model in apps.get_models()) + ["django_migrations"]
    with psycopg.connect(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], password=env.get("PGPASSWORD"), dbname=dsn_db
    ) as conn:
        counts = {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        counts["sum(cost_micros)"] = conn.execute(
            f'SELECT coalesce(sum(cost_micros), 0) FROM "{DailyMetric._meta.db_table}"'
        ).fetchone()[0]
        counts["credentials"] = conn.execute(  # the same bytes: the restored rows decrypt under the same key
            f'SELECT organization_id, platform, key_id, nonce, ciphertext FROM "{PlatformCredential._meta.db_table}" '
            "ORDER BY id"
        ).fetchall()
    return counts


def test_pg_dump_and_restore_into_a_fresh_database(tmp_path):
    organization = seed_demo(seed=7, days=30, end=dt.date(2026, 11, 25))
    BudgetPolicy.objects.create(organization=organization, mode="approval")  # dry run, the default, never applies
    rebalancing.apply(rebalancing.propose(organization, dt.date(2026, 11, 26)).pk)
    store_credentials(organization, "google_ads", {"developer_token": "tok"})
    source = connection.settings_dict["NAME"]
    restored = f"restore_{uuid.uuid4().hex[:10]}"
    dump = tmp_path / "adoptimizer.dump"

    run("pg_dump", "-Fc", "--no-owner", "-d", source, "-f", str(dump))
    run("createdb", restored)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(dump))
        before, after = table_counts(source), table_counts(restored)
    finally:
        run("dropdb", "--if-exists", restored)

    assert after == before
    assert before["campaigns_dailymetric"] == DailyMetric.objects.count() > 0
    assert before[BudgetChange._meta.db_table] == BudgetChange.objects.count() > 0
    assert len(before["credentials"]) == 1
    assert before["django_migrations"] > 0  # the schema's history travels with the data
