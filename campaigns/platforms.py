"""The network edge to the ad platforms. Tests replace this edge and nothing else."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from campaigns.models import Campaign


class BudgetPlatform(Protocol):
    def set_daily_budget(self, campaign: Campaign, amount_micros: int, idempotency_key: str) -> dict: ...


class OfflinePlatform:
    """Used while an organization has no stored platform credentials: the change is recorded in the tool and
    reaches the platform through the exported files."""

    def set_daily_budget(self, campaign: Campaign, amount_micros: int, idempotency_key: str) -> dict:
        return {
            "sent": False,
            "reason": "no platform credentials stored; apply it with the exported file",
            "key": idempotency_key,
        }


class FilePlatform:
    """A sandbox platform that appends each call to a JSON-lines file (``BUDGET_PLATFORM=file:PATH``): for
    demos and crash tests, which count the calls that reached "the platform"."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set_daily_budget(self, campaign: Campaign, amount_micros: int, idempotency_key: str) -> dict:
        line = json.dumps({"campaign": campaign.pk, "amount_micros": amount_micros, "key": idempotency_key})
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return {"sent": True, "platform": "file", "key": idempotency_key}


def platform_for(campaign: Campaign) -> BudgetPlatform:
    configured = settings.BUDGET_PLATFORM
    if configured == "offline":
        return OfflinePlatform()
    if configured.startswith("file:"):
        return FilePlatform(Path(configured.removeprefix("file:")))
    raise ImproperlyConfigured(f"BUDGET_PLATFORM={configured!r}: use 'offline' or 'file:PATH'")
