"""Changing an organization's settings: the budget policy and the generation guardrails.

Each save takes the rows it changes under locks and writes one append-only ``SettingsChange`` row (who, when,
``{field: [before, after]}``) in the same transaction, so the audit holds exactly the changes that were made.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from campaigns.models import BudgetPolicy, InjectionPolicy, Organization, SettingsChange
from campaigns.models.organizations import saved_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

audit_log = logging.getLogger("campaigns.audit")
POLICY_FIELDS = ("mode", "monthly_cap_micros", "max_change_percent", "freshness_days", "kill_switch")
GUARDRAIL_FIELDS = ("blocked_terms", "injection_policy")
MAX_BLOCKED_TERMS = 200
MAX_BLOCKED_TERM_CHARS = 80
# Where a bad term is: a line of the settings page's textarea, or an item of the API's list (both from 1).
_TOO_LONG = {
    "line": gettext_lazy(
        "Line %(number)s: “%(term)s” has %(length)s characters; a blocked term has at most %(limit)s."
    ),
    "item": gettext_lazy(
        "Term %(number)s: “%(term)s” has %(length)s characters; a blocked term has at most %(limit)s."
    ),
}
_TOO_MANY = gettext_lazy("%(count)s different blocked terms; at most %(limit)s are allowed.")


def clean_blocked_terms(terms: Sequence[str], *, numbered: str = "line") -> list[str]:
    """Blocked terms as stored: spaces collapsed, blanks skipped, repeats (ignoring case) dropped, first kept.

    Raises:
        ValidationError: a term longer than ``MAX_BLOCKED_TERM_CHARS`` (each one named by its line or item
            number, ``numbered`` saying which), or more than ``MAX_BLOCKED_TERMS`` different terms.
    """
    kept: dict[str, str] = {}
    errors = []
    for number, raw in enumerate(terms, start=1):
        term = " ".join(str(raw).split())
        if len(term) > MAX_BLOCKED_TERM_CHARS:
            errors.append(
                ValidationError(
                    _TOO_LONG[numbered],
                    code="too_long",
                    params={"number": number, "term": term, "length": len(term), "limit": MAX_BLOCKED_TERM_CHARS},
                )
            )
        elif term:
            kept.setdefault(term.casefold(), term)
    if len(kept) > MAX_BLOCKED_TERMS:
        errors.append(
            ValidationError(_TOO_MANY, code="too_many", params={"count": len(kept), "limit": MAX_BLOCKED_TERMS})
        )
    if errors:
        raise ValidationError(errors)
    return list(kept.values())


def _changed(row: object, values: dict[str, object]) -> dict[str, tuple]:
    return {name: (getattr(row, name), value) for name, value in values.items() if getattr(row, name) != value}


@transaction.atomic
def update_settings(
    organization: Organization, *, user: User | AnonymousUser | None, actor: str = "", **values: Any
) -> dict[str, tuple]:
    """Set budget policy and guardrail fields; return what changed as ``{field: (before, after)}``.

    Nothing is written when nothing changed; otherwise the rows and one ``SettingsChange`` row. ``actor``
    defaults to ``user:NAME``; a command that changes settings names itself.

    Raises:
        TypeError: a value for a field that is not a setting.
        ValidationError: bad blocked terms or an unknown injection policy (and nothing is written).
    """
    unknown = set(values) - set(POLICY_FIELDS) - set(GUARDRAIL_FIELDS)
    if unknown:
        raise TypeError(f"not settings fields: {sorted(unknown)}")
    guardrails = {name: values[name] for name in GUARDRAIL_FIELDS if name in values}
    if "blocked_terms" in guardrails:
        guardrails["blocked_terms"] = clean_blocked_terms(guardrails["blocked_terms"])
    if guardrails.get("injection_policy", InjectionPolicy.REFUSE) not in InjectionPolicy.values:
        raise ValidationError(gettext_lazy("Choose an injection policy: refuse or strip."), code="invalid_choice")
    guardrail_changes: dict[str, tuple] = {}
    if guardrails:  # the organization's row first, then its policy's: every writer locks in this order
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        guardrail_changes = _save(locked, _changed(locked, guardrails))
        for name in GUARDRAIL_FIELDS:  # the caller's copy shows what is saved now
            setattr(organization, name, getattr(locked, name))
    changes: dict[str, tuple] = {}  # in the settings page's order: the budget policy, then the guardrails
    policy_values = {name: values[name] for name in POLICY_FIELDS if name in values}
    if policy_values:
        BudgetPolicy.objects.get_or_create(organization=organization)
        policy = BudgetPolicy.objects.select_for_update().get(organization=organization)
        changes = _save(policy, _changed(policy, policy_values))
    changes |= guardrail_changes
    if changes:
        username = getattr(user, "username", None)
        SettingsChange.objects.create(
            organization=organization,
            user=saved_user(user),
            actor=actor or f"user:{username}",
            changes={name: list(pair) for name, pair in changes.items()},
        )
        audit_log.info(
            "settings changed",
            extra={
                "organization": organization.slug,
                "user": username,
                "changes": {name: list(pair) for name, pair in changes.items()},
            },
        )
    return changes


def _save(row: Organization | BudgetPolicy, changes: dict[str, tuple]) -> dict[str, tuple]:
    for name, (_before, after) in changes.items():
        setattr(row, name, after)
    if changes:
        row.save(update_fields=list(changes))
    return changes
