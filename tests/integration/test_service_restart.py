"""Redis (or RabbitMQ) and PostgreSQL restarted in the middle of a batch of rebalances run by two worker processes:
the workers reconnect, no rebalance is lost or applied twice, and the batch is done within 60 s of the restart.

What carries the work across a restart is said per broker, because the guarantees differ:
- RabbitMQ: Celery's queues are durable and its messages persistent, and a task is acknowledged only when it ends
  (``task_acks_late``), so the broker itself keeps the queued and the in-flight rebalances.
- Redis: a message lives only in Redis's memory. Without persistence (``appendonly no``, as in CI) a restart drops
  the queue and the in-flight messages; no Celery or kombu setting brings them back. The database is the record of
  what is done, and the beat's ``rebalance_due_organizations`` (hourly in production; here, the next run) queues every
  organization again: the ones already done find their applied plan and do nothing.
- PostgreSQL: a rebalance that loses its connection raises ``OperationalError`` and retries with backoff
  (``RETRY_ON_DATABASE``); its transaction rolled back, so the retry starts clean.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, connections

from campaigns import tasks
from campaigns.models import BudgetChange, BudgetPlan, BudgetPolicy, Campaign, DailyMetric, MetricLevel, PlanStatus
from tests.factories import OrganizationFactory
from tests.integration.test_worker import ROOT, database_url

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ORGANIZATIONS = 60
CAMPAIGNS = 4
PLAN_DATE = dt.date(2026, 12, 1)
NOW = "2026-12-01T11:00:00+00:00"  # noon in Madrid: every organization's local date is PLAN_DATE
NEXT_DAY = PLAN_DATE + dt.timedelta(days=1)
RECOVERY_SECONDS = 60
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_port(host: str, port: int, *, up: bool, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while port_open(host, port) != up:
        if time.monotonic() > deadline:
            raise AssertionError(f"{host}:{port} still {'down' if up else 'up'} after {seconds} s")
        time.sleep(0.2)


class RedisServer:
    """The broker's Redis, restarted with the options it runs with now (read with CONFIG GET)."""

    OPTIONS = (
        "bind",
        "port",
        "save",
        "appendonly",
        "appendfsync",
        "dir",
        "logfile",
        "dbfilename",
        "requirepass",
        "protected-mode",
        "maxmemory",
        "maxmemory-policy",
    )

    def __init__(self, url: str) -> None:
        import redis

        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 6379
        self.client = redis.Redis.from_url(url)
        config = self.client.config_get("*")
        self.options = {name: config[name] for name in self.OPTIONS if name in config}

    @property
    def keeps_messages(self) -> bool:
        return self.options.get("appendonly") == "yes"

    def queued(self, queue: str) -> int:
        return self.client.llen(queue)

    def restart(self) -> None:
        # SHUTDOWN writes whatever persistence is configured (nothing in CI), then the process exits.
        subprocess.run(["redis-cli", "-h", self.host, "-p", str(self.port), "shutdown"], timeout=30, check=False)
        wait_port(self.host, self.port, up=False)
        self.start()

    def start(self) -> None:
        if port_open(self.host, self.port):
            return
        flags = [arg for name, value in self.options.items() for arg in (f"--{name}", *value.split(" "))]
        subprocess.run(["redis-server", "--daemonize", "yes", *flags], timeout=30, check=True)
        wait_port(self.host, self.port, up=True)


class RabbitServer:
    """RabbitMQ's application stopped and started again (the Erlang node stays; durable queues are kept)."""

    keeps_messages = True

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 5672

    def restart(self) -> None:
        subprocess.run(["rabbitmqctl", "stop_app"], timeout=120, check=True, capture_output=True)
        wait_port(self.host, self.port, up=False)
        self.start()

    def start(self) -> None:
        if not port_open(self.host, self.port):
            subprocess.run(["rabbitmqctl", "start_app"], timeout=120, check=True, capture_output=True)
            wait_port(self.host, self.port, up=True)


class PostgresServer:
    """The PostgreSQL cluster that serves the test database, restarted with pg_ctlcluster (fast shutdown)."""

    def __init__(self) -> None:
        self.host = connection.settings_dict["HOST"] or "127.0.0.1"
        self.port = int(connection.settings_dict["PORT"] or 5432)
        listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True)
        clusters = [line.split()[:2] for line in listing.stdout.splitlines() if line.split()[2] == str(self.port)]
        if len(clusters) != 1:
            raise AssertionError(f"no single local cluster on port {self.port}: {listing.stdout}")
        self.version, self.cluster = clusters[0]

    def control(self, action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.cluster, action],
            timeout=120,
            check=True,
            capture_output=True,
        )

    def restart(self) -> None:
        self.control("restart")
        wait_port(self.host, self.port, up=True)

    def start(self) -> None:
        if not port_open(self.host, self.port):
            self.control("start")
            wait_port(self.host, self.port, up=True)


def why_not_restartable() -> str | None:
    """None when this run's broker and database are local services this process may restart."""
    scheme = settings.CELERY_BROKER_URL.split(":", 1)[0]
    if scheme not in {"redis", "amqp", "pyamqp"}:
        return f"the broker is {scheme}, not a server to restart (CI runs this on Redis and on RabbitMQ)"
    if connection.vendor != "postgresql":
        return f"the database is {connection.vendor}, not a PostgreSQL server to restart"
    hosts = {urlsplit(settings.CELERY_BROKER_URL).hostname, connection.settings_dict["HOST"] or "localhost"}
    if not hosts <= LOOPBACK:
        return f"the services are not on this machine ({sorted(hosts)})"
    tools = [
        "pg_ctlcluster",
        "pg_lsclusters",
        *(["redis-server", "redis-cli"] if scheme == "redis" else ["rabbitmqctl"]),
    ]
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing or os.geteuid() != 0:
        return f"restarting the services needs root and {tools} (missing: {missing}, uid {os.geteuid()})"
    return None


def make_organizations(count: int) -> list[int]:
    """Organizations in automatic mode with four weeks of campaign metrics: a rebalance changes budgets."""
    rng = random.Random(11)
    ids, metrics = [], []
    for n in range(count):
        organization = OrganizationFactory(slug=f"restart-{n}", time_zone="Europe/Madrid")
        BudgetPolicy.objects.create(organization=organization, mode="auto", max_change_percent=20)
        for c in range(CAMPAIGNS):
            campaign = Campaign.objects.create(
                organization=organization, platform="google", name=f"Campaign {c}", daily_budget_micros=40_000_000
            )
            for day in range(1, 29):
                clicks = rng.randint(20, 80)
                conversions = float(sum(rng.random() < 0.02 + 0.03 * c for _ in range(clicks)))
                metrics.append(
                    DailyMetric(
                        organization=organization,
                        campaign=campaign,
                        level=MetricLevel.CAMPAIGN,
                        date=PLAN_DATE - dt.timedelta(days=day),
                        impressions=clicks * 20,
                        clicks=clicks,
                        cost_micros=min(40_000_000, clicks * 500_000),
                        conversions=conversions,
                        conversion_value_micros=int(conversions * 30_000_000),
                    )
                )
        ids.append(organization.pk)
    DailyMetric.objects.bulk_create(metrics)
    return ids


def start_worker(name: str, queues: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-n",
            f"{name}@%h",
            "-Q",
            queues,
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def plans_made(organization_ids: list[int], plan_date: dt.date, status: str | None = None) -> int:
    plans = BudgetPlan.objects.filter(organization_id__in=organization_ids, plan_date=plan_date)
    return (plans.filter(status=status) if status else plans).count()


def wait_plans(
    organization_ids: list[int],
    target: int,
    seconds: float,
    plan_date: dt.date = PLAN_DATE,
    status: str | None = PlanStatus.APPLIED,
) -> int:
    deadline = time.monotonic() + seconds
    while (done := plans_made(organization_ids, plan_date, status)) < target and time.monotonic() < deadline:
        time.sleep(0.2)
    return done


def test_restarting_the_broker_and_postgresql_mid_batch_loses_no_rebalance():
    if reason := why_not_restartable():
        pytest.skip(reason)
    broker = (RedisServer if settings.CELERY_BROKER_URL.startswith("redis") else RabbitServer)(
        settings.CELERY_BROKER_URL
    )
    database = PostgresServer()
    organization_ids = make_organizations(ORGANIZATIONS)
    queue = f"restart-{uuid.uuid4().hex[:8]}"
    workers = {name: start_worker(name, f"{queue},{queue}-{name}") for name in ("w1", "w2")}
    try:
        # The beat's run, with the rebalances sent to this test's queue (stale messages of other runs stay away).
        assert tasks.rebalance_due_organizations(now=NOW, queue=queue) == ORGANIZATIONS
        wait_plans(organization_ids, ORGANIZATIONS // 10, 120)  # the workers are at it; most are still to do
        done_before = plans_made(organization_ids, PLAN_DATE, PlanStatus.APPLIED)
        broker.restart()
        if not broker.keeps_messages:
            assert broker.queued(queue) == 0  # the rebalances still queued died with Redis
            # The beat's next run queues every organization again.
            assert tasks.rebalance_due_organizations(now=NOW, queue=queue) == ORGANIZATIONS
        # The workers reconnected and are at work again when PostgreSQL goes down under them.
        done_between = wait_plans(organization_ids, done_before + 3, 60)
        database.restart()  # the rebalances running now lose their connection and retry
        back = time.monotonic()
        connections.close_all()  # this process's connection died with the server; the next query opens a new one
        # Both restarts landed in the middle of the batch.
        assert done_before < done_between < ORGANIZATIONS, (done_before, done_between)
        done = wait_plans(organization_ids, ORGANIZATIONS, RECOVERY_SECONDS)
        recovered_in = time.monotonic() - back
        # Both workers are alive and serving: each makes the next day's plan of one organization, from a queue
        # only it reads (seen in the database: the product never waits on task results).
        probes = dict(zip(workers, organization_ids[:2], strict=True))
        for name, organization_id in probes.items():
            tasks.rebalance_organization.apply_async([organization_id, NEXT_DAY.isoformat()], queue=f"{queue}-{name}")
        served = wait_plans(list(probes.values()), 2, 30, plan_date=NEXT_DAY, status=None)
        alive = {name: process.poll() is None for name, process in workers.items()}
    finally:
        broker.start()  # back up even when the test failed half-way
        database.start()
        connections.close_all()
        outputs = {}
        for name, process in workers.items():
            process.terminate()
            try:
                outputs[name] = process.communicate(timeout=60)[0]
            except subprocess.TimeoutExpired:
                process.kill()
                outputs[name] = process.communicate()[0]
    log = "\n".join(f"--- {name}\n{output[-3000:]}" for name, output in outputs.items())
    events = Counter(
        event
        for output in outputs.values()
        for line in output.splitlines()
        for event in ("retry: Retry in", "Connection to broker lost", "Connected to")
        if event in line
    )
    print(dict(events))
    print(
        f"applied before the broker's restart: {done_before}/{ORGANIZATIONS}, before PostgreSQL's: "
        f"{done_between}; all {done} applied {recovered_in:.1f} s after "
        f"({settings.CELERY_BROKER_URL.split(':', 1)[0]}, broker keeps messages: {broker.keeps_messages})"
    )
    assert done == ORGANIZATIONS and recovered_in <= RECOVERY_SECONDS, log
    assert alive == {"w1": True, "w2": True} and served == 2, log
    # Exactly once: one applied plan per organization, and one audit row per changed budget, as planned.
    plans = BudgetPlan.objects.filter(organization_id__in=organization_ids, plan_date=PLAN_DATE)
    assert Counter(plans.values_list("organization_id", "plan_date", "status")) == Counter(
        {(pk, PLAN_DATE, PlanStatus.APPLIED): 1 for pk in organization_ids}
    )
    planned = {
        (item.campaign_id, plan.pk): item.after_micros
        for plan in plans.prefetch_related("items")
        for item in plan.items.all()
        if item.after_micros != item.before_micros
    }
    changes = BudgetChange.objects.filter(organization_id__in=organization_ids, plan_date=PLAN_DATE)
    audited = Counter((change.campaign_id, change.plan_id) for change in changes)
    assert len(planned) > ORGANIZATIONS and audited == Counter(dict.fromkeys(planned, 1))
    assert {(c.campaign_id, c.plan_id): c.after_micros for c in changes} == planned
    # Budgets are the plans' (the two probed organizations have moved on to the next day's plan since).
    budgets = dict(
        Campaign.objects.filter(organization_id__in=organization_ids[2:]).values_list("pk", "daily_budget_micros")
    )
    assert {campaign_id: budgets[campaign_id] for campaign_id, _ in planned if campaign_id in budgets} == {
        campaign_id: after for (campaign_id, _), after in planned.items() if campaign_id in budgets
    }
