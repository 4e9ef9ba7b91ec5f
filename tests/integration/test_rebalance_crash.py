"""A worker killed with SIGKILL in the middle of a rebalance: the work is redelivered and every plan is applied
exactly once — counted from the audit rows and from the calls that reached the (sandbox) platform."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from campaigns import tasks
from campaigns.models import BudgetChange, BudgetPlan, BudgetPolicy, PlanStatus
from campaigns.services.demo import seed_demo
from tests.integration.test_worker import ROOT, database_url

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
RUNS = 5  # plans, one after the other, each with at least one crash of its worker


def start_worker(queue: str, env: dict[str, str]) -> subprocess.Popen:
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
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("point", ["after_plan", "after_platform", "before_commit"])
def test_sigkill_mid_rebalance_applies_every_plan_exactly_once(point, tmp_path):
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        pytest.skip("the filesystem transport cannot requeue a message whose worker died; CI runs this on Redis")
    organization = seed_demo(seed=7, days=30, end=dt.date(2026, 11, 30))
    BudgetPolicy.objects.create(organization=organization, mode="auto", max_change_percent=20)
    calls = tmp_path / "platform.jsonl"
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "FAILPOINT": point,
        "FAILPOINTS_DIR": str(tmp_path),
        "BUDGET_PLATFORM": f"file:{calls}",
    }
    worker = start_worker(queue, env)
    try:
        dates = [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(RUNS)]
        for plan_date in dates:  # one after the other: each plan starts from the budgets the last one left
            result = tasks.rebalance_organization.apply_async(
                args=[organization.pk, plan_date.isoformat()], queue=queue
            )
            assert result.get(timeout=120)["status"] == "applied"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=60)[0]
    crashes = sorted(p.name for p in Path(tmp_path).iterdir() if p.name.startswith(point))
    assert len(crashes) >= RUNS, output[-2000:]  # the worker really died at least once per plan
    plans = BudgetPlan.objects.filter(organization=organization, plan_date__in=dates)
    assert plans.count() == RUNS and set(plans.values_list("status", flat=True)) == {PlanStatus.APPLIED}
    expected = Counter()
    for plan in plans:
        for item in plan.items.all():
            if item.after_micros != item.before_micros:
                expected[f"{organization.pk}:{item.campaign_id}:{plan.plan_date}:{plan.version}"] = item.after_micros
    changes = BudgetChange.objects.filter(organization=organization)
    audited = {f"{organization.pk}:{c.campaign_id}:{c.plan_date}:{c.plan_version}": c.after_micros for c in changes}
    assert changes.count() == len(audited) == len(expected) > 0  # 0 lost, 0 duplicated
    assert audited == dict(expected)
    sent = [json.loads(line) for line in calls.read_text().splitlines()]
    # A crash after a platform call and before the commit makes the redelivered run call again for the plan's
    # changes, with the same idempotency key and amount, which the platform applies once.
    assert {(call["key"], call["amount_micros"]) for call in sent} == set(audited.items())
    repeats = len(sent) - len(audited)
    assert (repeats > 0) if point in ("after_platform", "before_commit") else (repeats == 0)
