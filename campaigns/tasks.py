"""Celery tasks: thin, take ids, call services."""

from __future__ import annotations

import logging

from celery import shared_task

from campaigns.models import Organization
from campaigns.services.summary import account_summary

logger = logging.getLogger(__name__)


@shared_task
def ping(payload: str = "ping") -> dict:
    """A round-trip check of the broker, a worker and the result backend."""
    return {"pong": payload}


@shared_task
def summarize_organization(organization_id: int, days: int = 30) -> dict:
    organization = Organization.objects.get(pk=organization_id)
    summary = account_summary(organization, days=days)
    logger.info("summary %s: cost=%s conversions=%s wasted=%s", organization.slug, summary.get("cost_micros"),
                summary.get("conversions"), summary.get("wasted_spend_micros"))
    return summary


@shared_task
def summarize_all_organizations() -> int:
    """The nightly digest that celery beat starts; one task per organization."""
    ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in ids:
        summarize_organization.delay_on_commit(organization_id)
    return len(ids)
