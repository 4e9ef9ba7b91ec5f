"""Settings: the organization's budget policy and generation guardrails (owners change them; editors and viewers
read them), with the latest changes from the settings audit.

Editors and viewers see the page read-only: the policy decides what happens to budgets they approve, so they should
know it, but only owners may change it (as with members).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from campaigns.models import GlobalKillSwitch, InjectionPolicy, Membership, RebalanceMode, Role
from campaigns.services.policy import GUARDRAIL_FIELDS, clean_blocked_terms, update_settings
from campaigns.services.rebalancing import policy_of
from campaigns.web.context import organization_view, require_owner
from campaigns.web.settings_history import settings_history
from ml.arithmetic import MICROS

_AMOUNT = re.compile(r"\d{1,12}([.,]\d{1,2})?")


class MoneyField(forms.CharField):
    """An amount in currency units ("1500", "1500.50" or "1500,50"), cleaned to integer micros; empty is None."""

    def to_python(self, value: object) -> int | None:  # type: ignore[override]  # micros, not the text
        text = "".join(str(super().to_python(value)).split())
        if not text:
            return None
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(
                _(
                    "%(field)s: “%(value)s” is not an amount; write it like 1500 or 1500.50, without thousands "
                    "separators."
                )
                % {"field": self.label, "value": text},
                code="invalid",
            )
        return int(Decimal(text.replace(",", ".")) * MICROS)

    def prepare_value(self, value: object) -> object:
        if isinstance(value, int):  # micros from the policy -> units for the input
            return f"{Decimal(value) / MICROS:.2f}"
        return value


class BlockedTermsField(forms.CharField):
    """One term per line, cleaned to the stored list (each bad line named by its number)."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 50})

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]  # the list, not the text
        return clean_blocked_terms(str(super().to_python(value)).splitlines())

    def prepare_value(self, value: object) -> object:
        return "\n".join(value) if isinstance(value, list) else value


class SettingsForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=RebalanceMode.choices)
    monthly_cap_micros = MoneyField(
        label=gettext_lazy("Organization monthly cap"),
        required=False,
        help_text=gettext_lazy("In the account's currency; empty means no cap."),
    )
    max_change_percent = forms.IntegerField(label=gettext_lazy("Change limit (% per day)"), min_value=0, max_value=100)
    freshness_days = forms.IntegerField(
        label=gettext_lazy("Freshness limit (days)"),
        min_value=0,
        max_value=90,
        help_text=gettext_lazy("No raises when the newest data is older than this."),
    )
    kill_switch = forms.BooleanField(label=gettext_lazy("Kill switch (no automated budget changes)"), required=False)
    blocked_terms = BlockedTermsField(
        label=gettext_lazy("Blocked terms"),
        required=False,
        help_text=gettext_lazy(
            "One per line: competitors' brands, claims you may not make. Generated text never "
            "contains them (whole words, ignoring case and accents)."
        ),
    )
    injection_policy = forms.ChoiceField(
        label=gettext_lazy("Injection policy"),
        choices=InjectionPolicy.choices,
        help_text=gettext_lazy("What generation does with product text that tries to instruct the AI model."),
    )

    budget_fields = ("mode", "monthly_cap_micros", "max_change_percent", "freshness_days", "kill_switch")


@require_http_methods(["GET", "POST"])
@organization_view
def settings_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    policy = policy_of(organization)
    form = SettingsForm(
        initial={
            **{name: getattr(policy, name) for name in SettingsForm.budget_fields},
            **{name: getattr(organization, name) for name in GUARDRAIL_FIELDS},
        }
    )
    if request.method == "POST":
        require_owner(membership)
        form = SettingsForm(request.POST)
        if form.is_valid():
            changed = update_settings(organization, user=request.user, **form.cleaned_data)
            messages.success(request, _("Settings saved.") if changed else _("Nothing changed."))
            return redirect("campaigns:settings")
    if membership.role != Role.OWNER:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "campaigns/settings.html",
        {
            "form": form,
            "global_kill_switch": GlobalKillSwitch.is_engaged(),
            "budget_fields": [form[name] for name in SettingsForm.budget_fields],
            "guardrail_fields": [form[name] for name in GUARDRAIL_FIELDS],
            "history": settings_history(organization),
        },
        status=400 if form.errors else 200,
    )
