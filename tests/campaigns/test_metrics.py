"""/metrics after a real generation run and a real rebalance: every metric of the issue is there with its value.

Counters are process-wide, so each assertion compares a scrape before with a scrape after.
"""

from __future__ import annotations

import datetime as dt
import socket
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from campaigns import tasks
from campaigns.metrics import INVARIANTS, QueueDepthCollector, serve_worker_metrics
from campaigns.models import BudgetChange, BudgetPlan, BudgetPolicy, Campaign, Suggestion
from campaigns.services.demo import seed_demo
from config.celery_app import app
from ml.generation.batching import BatchStats, add_batch_listener
from ml.generation.compose import EXTRA_ROWS, FIRST_ROWS, ROWS

pytestmark = pytest.mark.django_db
END = dt.date(2026, 11, 25)
PLAN_DATE = dt.date(2026, 11, 26)
GENERATE = "campaigns.tasks.generate_campaign_suggestions"
REBALANCE = "campaigns.tasks.rebalance_organization"


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


_recording: list[list[BatchStats]] = []


def _record(stats: BatchStats) -> None:
    for sink in _recording:
        sink.append(stats)


@pytest.fixture
def batches() -> Iterator[list[BatchStats]]:
    """The generation batches run during one test (the listener is added on first use, not at import)."""
    recorded: list[BatchStats] = []
    add_batch_listener(_record)  # once per process, however many tests ask for it
    _recording.append(recorded)
    yield recorded
    _recording.remove(recorded)


@pytest.mark.slow
@pytest.mark.backend_independent  # counters of the model's and the rebalance's work, not of the database
def test_metrics_after_a_generation_run_and_a_rebalance(client, django_capture_on_commit_callbacks, batches):
    organization = seed_demo(seed=7, days=90, end=END)
    # Automatic mode; yesterday's data counts as stale (no raises) and one campaign's monthly cap forces a cut.
    BudgetPolicy.objects.update_or_create(organization=organization, defaults={"mode": "auto", "freshness_days": 0})
    Campaign.objects.filter(organization=organization, name="Cemento - Búsqueda").update(
        monthly_cap_micros=F("daily_budget_micros") * 20
    )
    campaign = Campaign.objects.get(organization=organization, name="Tejas - Búsqueda")
    before = scrape(client)
    batches.clear()

    generated = tasks.generate_campaign_suggestions.apply(args=[campaign.pk]).get()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rebalance_organization.apply(args=[organization.pk, PLAN_DATE.isoformat()]).get()
    failed = tasks.summarize_organization.apply(args=[organization.pk + 1000])
    assert failed.status == "FAILURE"
    client.get("/healthz")
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # Celery: counts, durations, failures
    assert delta("celery_tasks_total", task=GENERATE, state="SUCCESS") == 1
    assert delta("celery_tasks_total", task=REBALANCE, state="SUCCESS") == 1
    assert delta("celery_tasks_total", task="campaigns.tasks.summarize_organization", state="FAILURE") == 1
    assert (
        delta("celery_task_failures_total", task="campaigns.tasks.summarize_organization", exception="DoesNotExist")
        == 1
    )
    assert delta("celery_task_duration_seconds_count", task=GENERATE) == 1
    assert 0.05 < delta("celery_task_duration_seconds_sum", task=GENERATE) < 600

    # LLM: tokens, tokens/s, batch sizes (one ad group: the full pipeline's rows of keywords, headlines, descriptions)
    assert Suggestion.objects.filter(campaign=campaign).count() == (
        generated["keywords"] + generated["headlines"] + generated["descriptions"]
    )
    tokens = sum(b.new_tokens for b in batches)
    rows = sum(b.rows for b in batches)  # the first round's rows, and later rounds' for the fields left short
    assert sum(FIRST_ROWS.values()) <= rows <= sum(ROWS.values()) + sum(EXTRA_ROWS.values()) and tokens > 0
    assert delta("llm_generated_tokens_total") == tokens
    assert delta("llm_batch_size_count") == len(batches)
    assert delta("llm_batch_size_sum") == rows
    assert delta("llm_generation_seconds_total") == pytest.approx(sum(b.seconds for b in batches))
    assert value(after, "llm_tokens_per_second") == pytest.approx(batches[-1].tokens_per_second)
    assert 1 < value(after, "llm_tokens_per_second") < 100_000
    gpu = {labels: v for (name, labels), v in after.items() if name == "llm_gpu_memory_bytes"}
    if batches[-1].device.startswith("cuda"):
        assert gpu[(("device", batches[-1].device), ("kind", "allocated"))] == batches[-1].memory_allocated_bytes > 0
    else:
        assert gpu == {}  # on CPU the family is declared and has no samples
    # Rebalancing: plans, applied changes, refusals by invariant (as the plan's items recorded them)
    plan = BudgetPlan.objects.get(organization=organization, plan_date=PLAN_DATE)
    assert (plan.mode, plan.status) == ("auto", "applied")
    assert delta("budget_rebalance_plans_total", mode="auto") == 1
    applied = BudgetChange.objects.filter(plan=plan).count()
    assert applied > 0 and delta("budget_rebalance_changes_applied_total") == applied
    refused = Counter(
        invariant for item in plan.items.all() for invariant in {INVARIANTS[r] for r in item.reasons if r in INVARIANTS}
    )
    assert refused["stale_data"] > 0 and refused["campaign_monthly_cap"] == 1
    assert {name: delta("budget_rebalance_changes_refused_total", invariant=name) for name in refused} == refused

    # django-prometheus: requests by view, latencies, database queries
    assert (
        delta(
            "django_http_requests_total_by_view_transport_method_total", view="healthz", transport="http", method="GET"
        )
        == 1
    )
    assert delta("django_http_requests_latency_seconds_by_view_method_count", view="healthz", method="GET") == 1
    assert delta("django_db_execute_total", alias="default", vendor=connection.vendor) > 0

    # Queue depth, from the configured broker
    assert value(after, "celery_broker_up") == 1
    assert {labels for (name, labels) in after if name == "celery_queue_depth"} == {
        (("queue", "default"),),
        (("queue", "llm"),),
    }


def test_queue_depth_counts_waiting_messages_on_the_broker():
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    collector = QueueDepthCollector(queues=[queue])
    assert [s.value for f in collector.collect() if f.name == "celery_queue_depth" for s in f.samples] == [0]
    for payload in ("a", "b", "c"):
        tasks.ping.apply_async(args=[payload], queue=queue)
    try:
        depth = {f.name: [s.value for s in f.samples] for f in collector.collect()}
        assert depth == {"celery_queue_depth": [3], "celery_broker_up": [1]}
    finally:
        with app.connection_for_write() as conn, conn.channel() as channel:
            channel.queue_purge(queue)
            channel.queue_delete(queue)


def test_queue_depth_says_when_the_broker_is_down(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    families = {f.name: [s.value for s in f.samples] for f in QueueDepthCollector(["default"]).collect()}
    assert families == {"celery_broker_up": [0]}


def test_metrics_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-scraper"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper").status_code == 200


def test_worker_metrics_server_listens_on_loopback_by_default(settings):
    """It has no token, so only this machine reaches it unless WORKER_METRICS_ADDR says otherwise."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.WORKER_METRICS_PORT = probe.getsockname()[1]
    server = serve_worker_metrics()
    try:
        assert server.server_address == ("127.0.0.1", settings.WORKER_METRICS_PORT)
        with urllib.request.urlopen(f"http://127.0.0.1:{settings.WORKER_METRICS_PORT}/metrics", timeout=5) as answer:
            assert (answer.status, "celery_tasks_total" in answer.read().decode()) == (200, True)
    finally:
        server.shutdown()
        server.server_close()


def test_database_queries_are_counted(client, organization):
    database = {"alias": "default", "vendor": connection.vendor}
    before = scrape(client)
    with CaptureQueriesContext(connection) as queries:
        Campaign.objects.filter(organization=organization).count()
        list(BudgetPlan.objects.filter(organization=organization))
        BudgetPolicy.objects.filter(organization=organization).exists()
    assert len(queries.captured_queries) == 3  # read before the next request resets the query log
    after = scrape(client)
    assert (
        value(after, "django_db_execute_total", **database) - value(before, "django_db_execute_total", **database) == 3
    )
