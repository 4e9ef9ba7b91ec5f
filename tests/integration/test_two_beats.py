"""Two celery beat processes by mistake, for ten simulated days (TWO_BEATS_DAYS=30 for a month): real beat and
worker processes on the configured broker; a clock file stands in for the wall clock. A simulated day lasts until
that day's plans exist and both beats have fired a few more times (each firing queues every organization's
rebalance again). Exactly one plan per organization per day, none missed. The in-process month of hourly ticks is
test_rebalancing.py's."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from campaigns.models import BudgetPlan, Organization
from campaigns.services.demo import seed_demo
from tests.integration.test_worker import ROOT, database_url

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
DAYS = int(os.environ.get("TWO_BEATS_DAYS", "10"))
BEAT_SECONDS = 2
EXTRA_BEATS = 1  # firings per beat per day after the day's plans exist: the duplicates that must find them
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # A file, not a pipe: nobody reads a pipe until the end, and a full one would block the process.
    with log.open("w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _firings(log: Path) -> int:
    return log.read_text().count("Sending due task rebalance-budgets")


def _wait(done: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"{what}: not after {seconds} s\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


def _fired_again(logs: list[Path], seen: list[int]) -> bool:
    return all(_firings(log) >= n + EXTRA_BEATS for log, n in zip(logs, seen, strict=True))


def _all_queued_rebalances_ran(log: Path, firings: int) -> bool:
    """Every firing's rebalance_due_organizations ran, and so did every rebalance it queued (its return value)."""
    text = log.read_text()
    due = re.findall(r"rebalance_due_organizations\[[^\]]+\] succeeded in [0-9.]+s: (\d+)", text)
    ran = len(re.findall(r"rebalance_organization\[[^\]]+\] succeeded", text))
    return len(due) == firings and ran == sum(map(int, due))


def test_two_beats_for_simulated_days_make_one_plan_per_organization_per_day(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serializes the worker processes' writes (its lock retries make a simulated day take "
            "tens of seconds); CI runs this on PostgreSQL"
        )
    demo = seed_demo(seed=7, days=30, end=START.date() - dt.timedelta(days=1))
    tokyo = Organization.objects.create(name="Tokio Tejas", slug="tokio-tejas", time_zone="Asia/Tokyo")
    clock = tmp_path / "clock"
    clock.write_text(START.isoformat())
    queue = f"beats-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CLOCK_FILE": str(clock),
        "REBALANCE_BEAT_SECONDS": str(BEAT_SECONDS),
        "REBALANCE_QUEUE": queue,
        # the filesystem broker's folders of this run only: each poll lists its whole folder
        "VAR_DIR": str(tmp_path / "var"),
    }
    # INFO: the worker logs each task it finishes, which is how the end of the run is known (no fixed wait)
    worker = _process(
        [
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "2",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        env,
        tmp_path / "worker.log",
    )
    beat_logs = [tmp_path / f"beat-{n}.log" for n in (1, 2)]
    beats = [
        _process(["beat", "--loglevel", "INFO", "-s", str(tmp_path / f"beat-{n}")], env, log)
        for n, log in zip((1, 2), beat_logs, strict=True)
    ]
    started = time.monotonic()
    try:
        for day in range(DAYS):
            moment = START + dt.timedelta(days=day)
            clock.write_text(moment.isoformat())
            deadline = time.monotonic() + 120
            while BudgetPlan.objects.filter(plan_date=moment.date()).count() < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            print(f"day {day + 1}: plans after {time.monotonic() - started:.1f} s")
            # The duplicates: each beat fires EXTRA_BEATS more times on this day once its plans exist.
            seen = [_firings(log) for log in beat_logs]
            _wait(
                lambda seen=seen: _fired_again(beat_logs, seen),
                60,
                f"day {day + 1}: both beats firing again",
                beat_logs[0],
            )
        for beat in beats:
            _stop(beat)
        # The last duplicates run: every firing of either beat, and every rebalance it queued, is done.
        firings = sum(_firings(log) for log in beat_logs)
        worker_log = tmp_path / "worker.log"
        _wait(lambda: _all_queued_rebalances_ran(worker_log, firings), 120, "the queued rebalances", worker_log)
    finally:
        for process in (*beats, worker):
            if process.poll() is None:
                _stop(process)
    print(f"{DAYS} simulated days in {time.monotonic() - started:.0f} s on {settings.CELERY_BROKER_URL}")
    log = "\n".join(path.read_text() for path in sorted(tmp_path.glob("*.log")))
    firings = log.count("Sending due task rebalance-budgets")
    assert firings >= 2 * DAYS * EXTRA_BEATS, log[-3000:]  # both beats really ran, each several times a day
    for organization, first_day in ((demo, START.date()), (tokyo, START.date())):
        dates = list(BudgetPlan.objects.filter(organization=organization).values_list("plan_date", flat=True))
        expected = {first_day + dt.timedelta(days=n) for n in range(DAYS)}
        assert sorted(dates) == sorted(expected), (organization.slug, log[-3000:])  # none missed, none twice
    assert "Traceback" not in log, log[-5000:]
