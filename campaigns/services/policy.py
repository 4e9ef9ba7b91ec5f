"""Changing an organization's budget policy, under a row lock, with the change written to the audit log."""

from __future__ import annotations

import logging

from django.db import transaction

from campaigns.models import BudgetPolicy, Organization

# No audit table holds policy changes yet (BudgetChange audits budgets only): each change is a structured log line.
audit_log = logging.getLogger("campaigns.audit")
POLICY_FIELDS = ("mode", "monthly_cap_micros", "max_change_percent", "freshness_days", "kill_switch")


@transaction.atomic
def update_budget_policy(organization: Organization, *, user: object, **values: object) -> dict[str, tuple]:
    """Set the given policy fields; return what changed as ``{field: (before, after)}`` (empty when nothing did)."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"not budget policy fields: {sorted(unknown)}")
    BudgetPolicy.objects.get_or_create(organization=organization)
    policy = BudgetPolicy.objects.select_for_update().get(organization=organization)
    changed = {name: (getattr(policy, name), value) for name, value in values.items() if getattr(policy, name) != value}
    if changed:
        for name, (_before, after) in changed.items():
            setattr(policy, name, after)
        policy.save(update_fields=list(changed))
        audit_log.info("budget policy changed", extra={
            "organization": organization.slug, "user": getattr(user, "username", None),
            "changes": {name: list(pair) for name, pair in changed.items()}})
    return changed
