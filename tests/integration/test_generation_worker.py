"""A generation job through a real Celery worker process and broker: the task routed to queue llm, run once by the
worker with its own model and database connection, and a second delivery of the same job claims nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns import tasks
from campaigns.models import Campaign, GenerationJob, Suggestion
from campaigns.services.demo import seed_demo
from campaigns.services.generation_jobs import create_job
from tests.integration.test_worker import worker  # noqa: F401 - the worker process fixture

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_llm_route():
    from config.celery_app import app

    assert app.amqp.router.route({}, "campaigns.tasks.run_generation_job")["queue"].name == "llm"


def test_a_worker_runs_a_job_once(worker, monkeypatch):  # noqa: F811
    organization = seed_demo(seed=7, days=3, end=dt.date(2026, 11, 25))
    campaign = Campaign.objects.get(organization=organization, name="Tejas - Búsqueda")
    queued = []  # sent below to this test's own queue, so no other worker of the shared broker takes it
    monkeypatch.setattr(tasks.run_generation_job, "delay", queued.append)
    job = create_job(organization, campaign.pk, product_text="Teja cerámica mixta roja de Toledo.")
    assert queued == [job.pk]  # after the commit
    outcome = tasks.run_generation_job.apply_async(args=[job.pk], queue=worker).get(timeout=600)
    job.refresh_from_db()
    assert outcome == {"job": job.pk, "status": "succeeded", "done": 1, "tokens": job.tokens_generated}
    saved = Suggestion.objects.filter(job=job).count()
    assert saved == sum(job.result.get(key, 0) for key in ("keywords", "headlines", "descriptions")) > 0
    again = tasks.run_generation_job.apply_async(args=[job.pk], queue=worker).get(timeout=60)
    assert again["skipped"].startswith("nothing to claim")
    assert (Suggestion.objects.filter(job=job).count(), GenerationJob.objects.get().attempts) == (saved, 1)
