"""Project configuration: settings, urls, Celery app, WSGI."""

from config.celery_app import app as celery_app

__all__ = ("celery_app",)
