"""The network edge to the ad platforms. Tests replace this edge and nothing else."""

from __future__ import annotations

from typing import Protocol

from campaigns.models import Campaign


class BudgetPlatform(Protocol):
    def set_daily_budget(self, campaign: Campaign, amount_micros: int, idempotency_key: str) -> dict: ...


class OfflinePlatform:
    """Used while an organization has no stored platform credentials: the change is recorded in the tool and
    reaches the platform through the exported files."""

    def set_daily_budget(self, campaign: Campaign, amount_micros: int, idempotency_key: str) -> dict:
        return {"sent": False, "reason": "no platform credentials stored; apply it with the exported file",
                "key": idempotency_key}


def platform_for(campaign: Campaign) -> BudgetPlatform:
    return OfflinePlatform()
