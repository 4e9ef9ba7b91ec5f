"""The Celery application: settings come from Django's CELERY_* settings."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("adoptimizer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("llm"))
app.autodiscover_tasks()
# Task, generation and worker metrics hook into Celery's signals in CampaignsConfig.ready() (campaigns/apps.py).
