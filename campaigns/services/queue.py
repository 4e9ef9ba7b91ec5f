"""Queueing a task from a service, by its registered name.

The task modules import the services, so a service never imports ``campaigns.tasks``: it names the task, as beat and
the task routes do. ``campaigns/apps.py`` imports the tasks at start-up, so a name that is not registered is a
``KeyError`` here, never a silent skip.
"""

from __future__ import annotations

from celery import current_app


def delay(task_name: str, *args: object) -> None:
    """Send ``task_name`` with ``args`` to the broker (call it from ``transaction.on_commit``)."""
    current_app.tasks[task_name].delay(*args)
