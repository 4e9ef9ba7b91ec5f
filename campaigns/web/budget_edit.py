"""Set one campaign's daily budget by hand, through the allocator's invariants and audit (``budget_edits``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from campaigns.models import Campaign, Membership
from campaigns.services import budget_edits
from campaigns.services.budget_checks import RebalanceError, read_policy
from campaigns.services.budget_rules import ZERO_DECIMAL_CURRENCIES
from campaigns.web import budget_words
from campaigns.web.context import organization_view, require_edit


class DailyBudgetForm(forms.Form):
    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        places = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
        self.fields["amount"] = forms.DecimalField(
            label=gettext_lazy("New daily budget"),
            min_value=Decimal(0),
            max_digits=14,
            decimal_places=places,
            localize=True,
            help_text=_("In %(currency)s, with at most %(places)s decimals.")
            % {"currency": currency, "places": places},
        )

    def micros(self) -> int:
        return int(self.cleaned_data["amount"] * 1_000_000)


@require_http_methods(["GET", "POST"])
@organization_view
def edit_budget(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    require_edit(membership)
    organization = membership.organization
    campaign = get_object_or_404(Campaign, pk=campaign_id, organization=organization)
    form = DailyBudgetForm(request.POST or None, currency=organization.currency)
    if request.method == "POST" and form.is_valid():
        try:
            budget_edits.set_daily_budget(organization, campaign.pk, form.micros(), user=request.user)
        except RebalanceError as exc:
            form.add_error("amount", budget_words.plain(str(exc)))
        else:
            messages.success(request, _("Daily budget of %(campaign)s changed.") % {"campaign": campaign.name})
            return redirect("campaigns:budgets")
    policy = read_policy(organization)
    return render(
        request,
        "campaigns/budget_edit.html",
        {"campaign": campaign, "form": form, "policy": policy},
        status=400 if form.errors else 200,
    )
