"""Changes to an organization's settings (budget policy, generation guardrails), kept as an append-only audit."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from campaigns.models.append_only import AppendOnlyModel
from campaigns.models.organizations import Organization


class SettingsChange(AppendOnlyModel):
    """Who changed which settings of an organization, from what to what, and when."""

    audit_name = "settings changes"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="settings_changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=120, help_text="user:NAME, or the command that made the change")
    changes = models.JSONField(help_text="{field: [before, after]}")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.created_at:%Y-%m-%d %H:%M}: {', '.join(self.changes)}"
