"""The organization's campaigns with their budgets and their arithmetic over the latest period of data."""

from __future__ import annotations

from operator import attrgetter

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from campaigns.models import Campaign, Membership
from campaigns.services import performance, unknowns
from campaigns.web import tables
from campaigns.web.context import organization_view
from campaigns.web.metric_columns import METRIC_COLUMNS
from campaigns.web.tables import MONEY, Column, Spec

CAMPAIGNS = Spec(
    name="",
    caption=gettext_lazy("Campaigns"),
    filename="campaigns",
    in_memory=True,
    columns=(
        Column("name", gettext_lazy("Campaign"), attrgetter("name")),
        Column("platform", gettext_lazy("Platform"), lambda row: row.get_platform_display()),
        Column("status", gettext_lazy("Status"), lambda row: _(row.get_status_display())),
        Column("daily_budget", gettext_lazy("Daily budget"), attrgetter("daily_budget_micros"), MONEY),
        Column("monthly_cap", gettext_lazy("Monthly cap"), attrgetter("monthly_cap_micros"), MONEY),
        *METRIC_COLUMNS,
    ),
    default_sort="-cost",
    search=("name",),
)


@require_GET
@organization_view
def campaign_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    period = performance.latest_period(organization)
    totals = performance.campaigns_totals(organization, period) if period else {}
    unknown = unknowns.of_period(organization, period) if period else frozenset()

    def decorate(campaigns: list[Campaign]) -> None:
        for campaign in campaigns:
            found = totals.get(campaign.pk)
            campaign.totals = None if found is None else unknowns.without_unknown(found, unknown)

    table = tables.bind(request, CAMPAIGNS, Campaign.objects.all(), organization, decorate)
    if table.wants_csv:
        return table.csv_response(currency=organization.currency, basename=organization.slug)
    return render(request, "campaigns/campaign_list.html", {"table": table, "period": period})
