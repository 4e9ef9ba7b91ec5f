"""Tasks run eagerly here (the integration tests run them through a real worker)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from campaigns import tasks
from campaigns.services.demo import seed_demo
from campaigns.services.summary import account_summary

pytestmark = pytest.mark.django_db


def test_summarize_organization_returns_the_service_result():
    organization = seed_demo(seed=7, days=20, end=dt.date(2026, 11, 25))
    result = tasks.summarize_organization.apply(args=[organization.pk, 7]).get()
    assert result == account_summary(organization, days=7)
    assert result["days"] == 7


def test_nightly_digest_queues_only_after_commit(
    django_capture_on_commit_callbacks, eager_tasks, organization, other_organization
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        assert tasks.summarize_all_organizations.apply().get() == 2
    # Nothing was sent inside the transaction: one send per organization waits for the commit.
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()


def test_celery_configuration():
    from config.celery_app import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert {queue.name for queue in app.conf.task_queues} == {"default", "llm"}
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_one_organization_with_a_broken_time_zone_does_not_stop_the_hourly_rebalance(
    django_capture_on_commit_callbacks, caplog, eager_tasks, organization, other_organization
):
    from prometheus_client import REGISTRY

    from campaigns.models import BudgetPlan, Organization

    # "Competidor" sorts first: the broken one comes before the healthy one, as in the incident.
    Organization.objects.filter(pk=other_organization.pk).update(time_zone="Mars/Olympus")  # past every validator
    labels = {"loop": "rebalance_due_organizations"}
    before = REGISTRY.get_sample_value("organization_loop_failures_total", labels) or 0.0
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rebalance_due_organizations.apply(kwargs={"now": "2026-12-01T10:00:00+00:00"}).get() == 1
    assert list(BudgetPlan.objects.values_list("organization__slug", "plan_date")) == [
        ("materiales-test", dt.date(2026, 12, 1))
    ]
    assert REGISTRY.get_sample_value("organization_loop_failures_total", labels) == before + 1
    [record] = [r for r in caplog.records if r.name == "campaigns.tasks"]
    assert (record.levelname, record.getMessage()) == (
        "ERROR",
        f"rebalance_due_organizations: organization {other_organization.pk} (competidor) skipped",
    )
    assert "ZoneInfoNotFoundError" in record.exc_text or "Mars/Olympus" in str(record.exc_info[1])
