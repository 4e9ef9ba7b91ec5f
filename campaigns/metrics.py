"""Our Prometheus metrics: Celery tasks, queue depth, LLM generation and budget rebalancing (docs/deploy.md).

django-prometheus adds requests, latencies and database queries. The web serves everything at ``/metrics``; a
worker serves its own on ``WORKER_METRICS_PORT`` (its tasks and, on the ``llm`` queue, generation). Several
processes of one kind (gunicorn workers, a prefork pool) share ``PROMETHEUS_MULTIPROC_DIR``, so one scrape sees all
of them. ``connect()`` hooks the Celery and generation listeners; ``CampaignsConfig.ready()`` calls it in every
Django process (web, worker, beat). Nothing here reads settings at import time.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from celery import signals
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from campaigns.services import budget_rules as rules
from ml.generation.batching import BatchStats, add_batch_listener

logger = logging.getLogger(__name__)

TASKS = Counter(
    "celery_tasks", "Celery tasks run to an end state, by task and state (SUCCESS, FAILURE, RETRY)", ["task", "state"]
)
TASK_SECONDS = Histogram(
    "celery_task_duration_seconds",
    "Wall time of a Celery task run",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200),
)
TASK_FAILURES = Counter(
    "celery_task_failures", "Celery task runs that raised, by task and exception type", ["task", "exception"]
)

ORGANIZATION_SKIPS = Counter(
    "organization_loop_failures",
    "Organizations a loop over all organizations skipped because their step raised (the others still ran), by loop",
    ["loop"],
)

LLM_TOKENS = Counter("llm_generated_tokens", "Tokens the LLM generated (padding not counted)")
LLM_SECONDS = Counter("llm_generation_seconds", "Wall time spent generating batches")
LLM_TOKENS_PER_SECOND = Gauge(
    "llm_tokens_per_second", "Generated tokens per second of the last batch", multiprocess_mode="livemostrecent"
)
LLM_BATCH_SIZE = Histogram("llm_batch_size", "Prompts per generation batch", buckets=(1, 2, 4, 8, 16, 24, 32))
LLM_GPU_MEMORY = Gauge(
    "llm_gpu_memory_bytes",
    "CUDA memory held by torch after the last batch (allocated) and "
    "at most since the process started (peak); absent on CPU",
    ["device", "kind"],
    multiprocess_mode="livemax",
)

PLANS = Counter("budget_rebalance_plans", "Budget plans made, by the organization's mode", ["mode"])
CHANGES_APPLIED = Counter("budget_rebalance_changes_applied", "Budget changes applied by rebalancing")
CHANGES_REFUSED = Counter(
    "budget_rebalance_changes_refused",
    "Proposed budget changes an invariant refused or cut, by invariant",
    ["invariant"],
)

# The invariants of campaigns/services/budget_rules.py by the reason each one writes into a decision.
INVARIANTS = {
    rules.KILL_SWITCH: "kill_switch",
    rules.ALREADY_CHANGED: "one_change_per_day",
    rules.STALE: "stale_data",
    rules.OUTSIDE: "changed_outside",
    rules.CHANGE_LIMIT: "change_limit",
    rules.BELOW_FLOOR: "change_limit",
    rules.FLOOR: "floor",
    rules.CEILING: "ceiling",
    rules.CAMPAIGN_CAP: "campaign_monthly_cap",
    rules.ORG_CAP: "organization_monthly_cap",
    rules.TOTAL: "approved_total",
}


# --- Celery tasks ---------------------------------------------------------------------------------------------
_started: dict[str, float] = {}


def _task_started(task_id: str, **kwargs: object) -> None:
    _started[task_id] = time.perf_counter()


def _task_finished(task_id: str, task: object, state: str | None = None, **kwargs: object) -> None:
    name = getattr(task, "name", "unknown")
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_SECONDS.labels(name).observe(time.perf_counter() - started)
    TASKS.labels(name, state or "UNKNOWN").inc()


def _task_failed(sender: object = None, exception: BaseException | None = None, **kwargs: object) -> None:
    TASK_FAILURES.labels(getattr(sender, "name", "unknown"), type(exception).__name__).inc()


# --- LLM generation -------------------------------------------------------------------------------------------
def record_batch(stats: BatchStats) -> None:
    LLM_TOKENS.inc(stats.new_tokens)
    LLM_SECONDS.inc(stats.seconds)
    LLM_TOKENS_PER_SECOND.set(stats.tokens_per_second)
    LLM_BATCH_SIZE.observe(stats.rows)
    if stats.memory_allocated_bytes is not None:
        LLM_GPU_MEMORY.labels(stats.device, "allocated").set(stats.memory_allocated_bytes)
        LLM_GPU_MEMORY.labels(stats.device, "peak").set(stats.peak_memory_bytes or 0)


# --- Budget rebalancing ---------------------------------------------------------------------------------------
def record_plan(mode: str, decisions: Sequence[rules.Decision]) -> None:
    """A plan was made: count it and every invariant that refused or cut one of its changes."""
    PLANS.labels(mode).inc()
    for decision in decisions:
        for invariant in dict.fromkeys(INVARIANTS.get(reason, "other") for reason in decision.reasons):
            CHANGES_REFUSED.labels(invariant).inc()


def record_change_applied() -> None:
    CHANGES_APPLIED.inc()


# --- Queue depth, read from the broker at scrape time -----------------------------------------------------------
class QueueDepthCollector(Collector):
    """Messages waiting in each Celery queue (Redis LLEN, RabbitMQ passive declare, files of the filesystem
    broker: kombu's ``queue_declare(passive=True)`` asks each transport its own way)."""

    def __init__(self, queues: Sequence[str] | None = None, timeout_s: float = 2.0) -> None:
        self.queues = queues
        self.timeout_s = timeout_s

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from celery import current_app as app
        from django.conf import settings
        from kombu import Connection
        from kombu.exceptions import ChannelError

        queues = self.queues or sorted(q.name for q in app.conf.task_queues)
        depth = GaugeMetricFamily("celery_queue_depth", "Messages waiting in the Celery queue", labels=["queue"])
        up = GaugeMetricFamily("celery_broker_up", "1 when the broker answered the queue-depth scrape")
        try:
            with Connection(
                settings.CELERY_BROKER_URL,
                connect_timeout=self.timeout_s,
                transport_options={**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "max_retries": 0},
            ) as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=self.timeout_s)
                for queue in queues:
                    with conn.channel() as channel:  # a 404 closes an AMQP channel: one per queue
                        try:
                            count = channel.queue_declare(queue=queue, passive=True).message_count
                        except ChannelError:
                            count = 0  # not declared yet: nothing was ever sent to it
                    depth.add_metric([queue], count)
        except Exception as exc:  # the broker is down: say so instead of failing the whole scrape
            logger.warning("queue depth scrape failed: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield depth
        yield up


_QUEUES = CollectorRegistry(auto_describe=False)
_QUEUES.register(QueueDepthCollector())


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or those of every process sharing PROMETHEUS_MULTIPROC_DIR."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition() -> bytes:
    """The /metrics page: the process (or process group) metrics, then the queue depths."""
    return generate_latest(_process_registry()) + generate_latest(_QUEUES)


# --- A worker's own metrics server ------------------------------------------------------------------------------
def _pool_forks(worker: object) -> bool:
    pool = getattr(worker, "pool_cls", "")
    name = pool if isinstance(pool, str) else f"{pool.__module__}.{pool.__name__}"
    return not any(kind in name.lower() for kind in ("solo", "thread", "gevent", "eventlet"))


def _prepare_worker_metrics(sender: object = None, **kwargs: object) -> None:
    """In the worker's main process, before the pool starts: a forking pool needs the multiprocess folder."""
    from django.conf import settings

    if not settings.WORKER_METRICS_PORT:
        return
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder is None:
        if _pool_forks(sender):
            # SystemExit passes through Celery's signal dispatch: a misconfigured worker stops instead of serving
            # metrics that miss every task its children run.
            sys.exit(
                "WORKER_METRICS_PORT with a forking pool needs PROMETHEUS_MULTIPROC_DIR (an empty folder of "
                "this worker's own) set before the worker starts, or --pool=solo/threads"
            )
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # files of an earlier run would add its counts to this one's
        stale.unlink()


def serve_worker_metrics(**kwargs: object) -> WSGIServer | None:
    """Prometheus' server in this process on WORKER_METRICS_PORT (none when 0), bound to WORKER_METRICS_ADDR."""
    from django.conf import settings
    from prometheus_client import start_http_server

    port = settings.WORKER_METRICS_PORT
    if not port:
        return None
    server, _ = start_http_server(port, addr=settings.WORKER_METRICS_ADDR, registry=_process_registry())
    logger.info("worker metrics on %s:%d/metrics", settings.WORKER_METRICS_ADDR, port)
    return server


def _forget_child(pid: int | None = None, **kwargs: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


# --- Hooking up ---------------------------------------------------------------------------------------------------
_SIGNALS = (
    (signals.task_prerun, _task_started),
    (signals.task_postrun, _task_finished),
    (signals.task_failure, _task_failed),
    (signals.worker_init, _prepare_worker_metrics),
    (signals.worker_ready, serve_worker_metrics),
    (signals.worker_process_shutdown, _forget_child),
)


def connect() -> None:
    """Hook the metrics to Celery's signals and to every generation batch; calling it again changes nothing.

    Called from ``CampaignsConfig.ready()``, so a process counts from the moment Django is set up (a worker sets
    Django up before it sends ``worker_init``) and importing this module registers nothing by itself.
    """
    for signal, receiver in _SIGNALS:
        signal.connect(receiver, weak=False, dispatch_uid=f"campaigns.metrics.{receiver.__name__}")
    add_batch_listener(record_batch)
