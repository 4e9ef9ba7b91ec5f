"""A worker serves its own metrics on WORKER_METRICS_PORT; a prefork pool's children share PROMETHEUS_MULTIPROC_DIR,
so one scrape counts the tasks of every child. Without that folder a forking worker refuses to start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from campaigns import tasks
from tests.campaigns.test_deploy import free_port
from tests.integration.test_worker import ROOT, database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def start_worker(queue: str, port: int, extra: dict[str, str], *pool: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "WORKER_METRICS_PORT": str(port),
            "WORKER_METRICS_ADDR": "127.0.0.1",
            **extra,
        }
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            *pool,
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


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_prefork_worker_serves_the_tasks_of_all_its_children(tmp_path):
    queue, port = f"mtest-{uuid.uuid4().hex[:8]}", free_port()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"stale")  # a previous run's file: removed at start
    worker = start_worker(
        queue, port, {"PROMETHEUS_MULTIPROC_DIR": str(folder)}, "--pool", "prefork", "--concurrency", "2"
    )
    try:
        results = [tasks.ping.apply_async(args=[str(n)], queue=queue) for n in range(6)]
        assert [r.get(timeout=90) for r in results] == [{"pong": str(n)} for n in range(6)]
        # A child stores a task's result before task_postrun counts it, so the last count may land a moment after
        # the client has its result: scrape until all six are counted or the deadline passes.
        key = ("celery_tasks_total", (("state", "SUCCESS"), ("task", "campaigns.tasks.ping")))
        count = ("celery_task_duration_seconds_count", (("task", "campaigns.tasks.ping"),))
        deadline = time.monotonic() + 30
        samples: dict[tuple[str, tuple], float] = {}
        while time.monotonic() < deadline:
            try:
                samples = scrape(port)
            except OSError:
                pass
            if samples.get(key) == 6 and samples.get(count) == 6:
                break
            time.sleep(0.2)
        assert samples, "the worker's metrics server did not answer"
        assert samples[key] == 6
        assert samples[count] == 6
        children = {path.name for path in folder.glob("counter_*.db")}
        assert children and "counter_999999.db" not in children  # one file per child that ran a task
    finally:
        print(stop(worker)[-3000:])


def test_forking_worker_without_the_multiprocess_folder_refuses_to_start():
    worker = start_worker(f"mtest-{uuid.uuid4().hex[:8]}", free_port(), {}, "--pool", "prefork", "--concurrency", "2")
    try:
        worker.wait(timeout=60)
    finally:
        output = stop(worker)
    assert worker.returncode != 0
    assert "WORKER_METRICS_PORT with a forking pool needs PROMETHEUS_MULTIPROC_DIR" in output
