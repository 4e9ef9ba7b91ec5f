"""Queueing a task from a service, by its registered name.

The task modules import the services, so a service never imports ``campaigns.tasks``: it names the task, as beat and
the task routes do. ``campaigns/apps.py`` imports the tasks at start-up, so a name that is not registered is a
``KeyError`` here, never a silent skip.
"""

from __future__ import annotations

from celery import current_app


class RetryLater(RuntimeError):
    """An attempt of a job failed and the job is queued again: the task should run it later, with backoff."""

    def __init__(self, what: str, job_id: int, attempts: int, reason: str) -> None:
        super().__init__(f"{what} {job_id}: attempt {attempts} failed ({reason}); queued again")
        self.countdown = 5 * 2 ** (attempts - 1)


def delay(task_name: str, *args: object) -> None:
    """Send ``task_name`` with ``args`` to the broker (call it from ``transaction.on_commit``)."""
    current_app.tasks[task_name].delay(*args)
