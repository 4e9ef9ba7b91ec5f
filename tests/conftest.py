"""Shared fixtures: the three personas (owner, teammate, outsider) and report files written to disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _default_language():
    """A Spanish page leaves Spanish active in the thread (LocaleMiddleware activates, nothing deactivates): the
    next test starts in the default language, as a new request or a worker does."""
    yield
    from django.conf import settings

    if settings.configured:
        from django.utils import translation

        translation.deactivate()


@pytest.fixture
def organization(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory(name="Materiales Test", slug="materiales-test")


@pytest.fixture
def other_organization(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory(name="Competidor", slug="competidor")


@pytest.fixture
def owner(organization):
    from tests.factories import member

    return member(organization, "owner")


@pytest.fixture
def teammate(organization):
    from tests.factories import member

    return member(organization, "editor")


@pytest.fixture
def outsider(other_organization):
    from tests.factories import member

    return member(other_organization, "owner")


@pytest.fixture
def write_report(tmp_path: Path):
    """Write report text (or bytes) to a file and return its path."""

    def write(content: str | bytes, name: str = "report.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return path

    return write


@pytest.fixture
def eager_tasks():
    """Celery tasks sent with delay() run at once in the test's process, then the app's own setting is back."""
    from config.celery_app import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = before


@pytest.fixture
def upload_dir(settings, tmp_path: Path) -> Path:
    """Uploads and Django's temporary copies of them go to a folder of this test's own, to be inspected."""
    folder = tmp_path / "uploads"
    (folder / "incoming").mkdir(parents=True)
    settings.IMPORT_UPLOAD_DIR = folder
    settings.FILE_UPLOAD_TEMP_DIR = str(folder / "incoming")
    return folder
