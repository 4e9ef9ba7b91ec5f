"""Settings: the organization's budget policy (owners change it; editors and viewers read it) and generation rules.

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

from campaigns.models import GlobalKillSwitch, Membership, RebalanceMode, Role
from campaigns.services.policy import update_budget_policy
from campaigns.services.rebalancing import policy_of
from campaigns.web.context import organization_view, require_owner
from ml.arithmetic import MICROS

_AMOUNT = re.compile(r"\d{1,12}([.,]\d{1,2})?")


class MoneyField(forms.CharField):
    """An amount in currency units ("1500", "1500.50" or "1500,50"), cleaned to integer micros; empty is None."""

    def to_python(self, value: object) -> int | None:  # type: ignore[override]
        text = "".join(str(super().to_python(value)).split())
        if not text:
            return None
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(
                _("%(field)s: “%(value)s” is not an amount; write it like 1500 or 1500.50, without thousands "
                  "separators.") % {"field": self.label, "value": text}, code="invalid")
        return int(Decimal(text.replace(",", ".")) * MICROS)

    def prepare_value(self, value: object) -> object:
        if isinstance(value, int):  # micros from the policy -> units for the input
            return f"{Decimal(value) / MICROS:.2f}"
        return value


class BudgetPolicyForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Mode"),
                             choices=[(value, gettext_lazy(label)) for value, label in RebalanceMode.choices])
    monthly_cap_micros = MoneyField(label=gettext_lazy("Organization monthly cap"), required=False,
                                    help_text=gettext_lazy("In the account's currency; empty means no cap."))
    max_change_percent = forms.IntegerField(label=gettext_lazy("Change limit (% per day)"), min_value=0,
                                            max_value=100)
    freshness_days = forms.IntegerField(label=gettext_lazy("Freshness limit (days)"), min_value=0, max_value=90,
                                        help_text=gettext_lazy("No raises when the newest data is older than this."))
    kill_switch = forms.BooleanField(label=gettext_lazy("Kill switch (no automated budget changes)"),
                                     required=False)


@require_http_methods(["GET", "POST"])
@organization_view
def settings_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    policy = policy_of(organization)
    form = BudgetPolicyForm(initial={name: getattr(policy, name) for name in BudgetPolicyForm.base_fields})
    if request.method == "POST":
        require_owner(membership)
        form = BudgetPolicyForm(request.POST)
        if form.is_valid():
            changed = update_budget_policy(organization, user=request.user, **form.cleaned_data)
            messages.success(request, _("Settings saved.") if changed else _("Nothing changed."))
            return redirect("campaigns:settings")
    if membership.role != Role.OWNER:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "campaigns/settings.html", {
        "form": form, "global_kill_switch": GlobalKillSwitch.is_engaged(),
    }, status=400 if form.errors else 200)
