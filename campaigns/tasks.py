"""Celery tasks: thin, take ids, call services."""

from __future__ import annotations

import logging
from dataclasses import asdict
from functools import partial
from pathlib import Path

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from campaigns import metrics
from campaigns.models import Organization
from campaigns.services.matching import match_search_terms as run_matching
from campaigns.services.queue import RetryLater
from campaigns.services.summary import account_summary

logger = logging.getLogger(__name__)
# The database went away (a restart, a failover) or a transaction lost a race: the task is safe to run again, so it
# retries with backoff instead of failing; ~2 minutes in all before it gives up.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_ON_DATABASE = {
    "autoretry_for": DATABASE_UNAVAILABLE,
    "retry_backoff": 1,
    "retry_backoff_max": 16,
    "retry_jitter": False,
    "max_retries": 12,
}


@shared_task
def ping(payload: str = "ping") -> dict:
    """A round-trip check of the broker, a worker and the result backend."""
    return {"pong": payload}


@shared_task
def summarize_organization(organization_id: int, days: int = 30) -> dict:
    organization = Organization.objects.get(pk=organization_id)
    summary = account_summary(organization, days=days)
    logger.info(
        "summary %s: cost=%s conversions=%s wasted=%s",
        organization.slug,
        summary.get("cost_micros"),
        summary.get("conversions"),
        summary.get("wasted_spend_micros"),
    )
    return summary


@shared_task
def summarize_all_organizations() -> int:
    """The nightly digest that celery beat starts; one task per organization (each fails on its own, and queueing
    an id cannot fail for one organization only)."""
    ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in ids:
        summarize_organization.delay_on_commit(organization_id)
    return len(ids)


@shared_task
def match_search_terms(organization_id: int) -> dict:
    """Match the organization's search terms and refresh its negative and new-ad-group suggestions."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:  # deleted since the task was queued: nothing to do, and nothing to retry
        logger.warning("match_search_terms: organization %s no longer exists", organization_id)
        return {"skipped": "organization not found"}
    result = run_matching(organization)
    logger.info(
        "matched %s terms of %s: %s in scope, %s negatives, %s clusters",
        result.terms,
        organization.slug,
        result.in_scope,
        result.negatives,
        result.clusters,
    )
    return asdict(result)


@shared_task(**RETRY_ON_DATABASE)
def rebalance_organization(organization_id: int, plan_date: str) -> dict:
    """Make (or find) the organization's plan for ``plan_date`` and apply it in automatic mode; safe to rerun."""
    from datetime import date

    from campaigns.services.rebalancing import run_daily

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return {"skipped": "organization not found"}
    plan = run_daily(organization, date.fromisoformat(plan_date))
    return {"plan": plan.pk, "status": plan.status, "mode": plan.mode}


@shared_task
def rebalance_due_organizations(now: str | None = None, queue: str | None = None) -> int:
    """Beat: queue today's rebalance for each organization, by its own time zone's date. Running it twice (or
    two beats by mistake) queues duplicates that find the same plan: one plan per organization per day.
    It is also the recovery of rebalances a broker lost (a Redis restart without persistence drops its queues): the
    next run queues them again. ``now`` (ISO datetime) replaces the clock for simulations; ``queue`` sends the
    rebalances to another queue than their route's (a dedicated pool, a catch-up run)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    if now is None and settings.CLOCK_FILE:  # a simulated clock (see settings)
        now = Path(settings.CLOCK_FILE).read_text().strip()
    moment = datetime.fromisoformat(now) if now else timezone.now()
    queue = queue or settings.REBALANCE_QUEUE
    options = {"queue": queue} if queue else {}
    queued = 0
    for organization in Organization.objects.only("pk", "slug", "time_zone"):
        # One organization's bad data (a time zone stored before the model validated it) must not stop the others.
        try:
            args = (organization.pk, moment.astimezone(ZoneInfo(organization.time_zone)).date().isoformat())
        except Exception:
            skip_organization("rebalance_due_organizations", organization)
            continue
        transaction.on_commit(partial(rebalance_organization.apply_async, args, **options))
        queued += 1
    return queued


def skip_organization(loop: str, organization: Organization) -> None:
    """Log (with the traceback) and count an organization that ``loop`` skipped; called inside ``except``."""
    logger.exception("%s: organization %s (%s) skipped", loop, organization.pk, organization.slug)
    metrics.ORGANIZATION_SKIPS.labels(loop).inc()


@shared_task
def generate_campaign_suggestions(campaign_id: int) -> dict:
    """On queue ``llm`` (see CELERY_TASK_ROUTES): fresh keyword and ad suggestions for one campaign."""
    from campaigns.models import Campaign
    from campaigns.services.generating import generate_for_campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return {"skipped": "campaign not found"}
    return asdict(generate_for_campaign(campaign))


def _run_job_once(task, service, job_id: int, skipped: str, summary) -> dict:
    """A job's attempt (``service.run_job``): a failed attempt is retried with its backoff; a job claimed elsewhere
    (or whose worker was killed) is tried again once it can be reclaimed."""
    try:
        job = service.run_job(job_id)
    except RetryLater as exc:
        raise task.retry(exc=exc, countdown=exc.countdown) from exc
    if job is None:
        wait = service.seconds_until_reclaimable(job_id)
        if wait is not None and not task.request.is_eager:  # running elsewhere, or its worker was killed
            raise task.retry(countdown=wait)
        return {"skipped": skipped}
    return summary(job)


@shared_task(bind=True, max_retries=None)
def run_generation_job(self, job_id: int) -> dict:
    """On queue ``llm``: run a generation job once (a duplicate delivery claims nothing); a failed attempt is
    retried with backoff, counted in the job, until the job fails with its error."""
    from campaigns.services import generation_jobs

    return _run_job_once(
        self,
        generation_jobs,
        job_id,
        "nothing to claim: the job is running elsewhere, finished, cancelled or missing",
        lambda job: {"job": job.pk, "status": job.status, "done": job.done_requests, "tokens": job.tokens_generated},
    )


@shared_task(bind=True, max_retries=None)
def run_import_job(self, job_id: int) -> dict:
    """Import an uploaded report once (a duplicate delivery claims nothing); a failed attempt is retried with
    backoff, counted in the job, until the job fails with its error. The stored file goes when the job ends."""
    from campaigns.services import import_jobs

    return _run_job_once(
        self,
        import_jobs,
        job_id,
        "nothing to claim: the job is running elsewhere, finished or missing",
        lambda job: {"job": job.pk, "status": job.status, "rows": job.rows_read},
    )


@shared_task(bind=True, max_retries=None)
def run_matching_job(self, job_id: int) -> dict:
    """Match the organization's search terms for a job a search terms import queued; a job that a newer import's
    superseded ends without writing (the newest import's matching wins)."""
    from campaigns.services import matching_jobs

    return _run_job_once(
        self,
        matching_jobs,
        job_id,
        "nothing to claim: the job is running elsewhere, finished or missing",
        lambda job: {"job": job.pk, "status": job.status, "terms": job.terms, **job.result},
    )
