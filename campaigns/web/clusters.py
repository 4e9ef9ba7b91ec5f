"""Intent clusters: proposed new ad groups for search terms no ad group covers, to create or reject."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.models import Campaign, CampaignStatus, CampaignType, Membership, Suggestion, SuggestionKind
from campaigns.services.clusters import create_ad_group, pending_clusters
from campaigns.services.suggestions import SuggestionError, decide
from campaigns.web.context import organization_view, require_edit
from campaigns.web.jobs import matching_status


@require_http_methods(["GET", "POST"])
@organization_view
def intent_clusters(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    if request.method == "POST":
        require_edit(membership)
        _decide(request, membership)
        return redirect("campaigns:intent_clusters")
    campaigns = (
        Campaign.objects.filter(organization=organization, campaign_type=CampaignType.SEARCH)
        .exclude(status=CampaignStatus.REMOVED)
        .order_by("name")
    )
    context = {"clusters": pending_clusters(organization), "campaigns": list(campaigns)}
    return render(request, "campaigns/intent_clusters.html", {**context, **matching_status(organization)})


def _decide(request: HttpRequest, membership: Membership) -> None:
    """``create`` = the suggestion's id with its ``campaign-ID`` choice, or ``reject`` = the id."""
    raw_id = request.POST.get("create") or request.POST.get("reject") or ""
    # Only this organization's proposed ad groups: another organization's ids are not found.
    suggestion = Suggestion.objects.filter(
        organization=membership.organization, kind=SuggestionKind.AD_GROUP, pk=int(raw_id) if raw_id.isdigit() else 0
    ).first()
    if suggestion is None:
        messages.error(request, _("That proposal is no longer waiting for a decision."))
        return
    try:
        if request.POST.get("create"):
            campaign_id = request.POST.get(f"campaign-{suggestion.pk}", "")
            ad_group = create_ad_group(
                suggestion.pk, campaign_id=int(campaign_id) if campaign_id.isdigit() else 0, user=request.user
            )
            messages.success(
                request,
                _("Ad group “%(name)s” created in “%(campaign)s”.")
                % {"name": ad_group.name, "campaign": ad_group.campaign.name},
            )
        else:
            decide(suggestion.pk, approve=False, user=request.user)
            messages.success(request, _("Proposal “%(name)s” rejected.") % {"name": suggestion.text})
    except SuggestionError as exc:
        messages.warning(request, str(exc))
