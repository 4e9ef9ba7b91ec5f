"""Search terms with their matched ad group, and the proposed negatives to approve or reject (one or in bulk)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from campaigns.models import Membership, SearchTerm, Suggestion, SuggestionKind, SuggestionStatus
from campaigns.services.suggestions import SuggestionError, decide
from campaigns.web.context import organization_view, require_edit

TERMS_SHOWN = 200
DECIDED_SHOWN = 20


@require_http_methods(["GET", "POST"])
@organization_view
def search_terms(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method == "POST":
        require_edit(membership)
        _decide(request, membership)
        return redirect("campaigns:search_terms")
    organization = membership.organization
    terms = (SearchTerm.objects.filter(organization=organization)
             .select_related("campaign", "ad_group__campaign", "match__ad_group")
             .annotate(cost_micros=Sum("daily__cost_micros"), clicks=Sum("daily__clicks"),
                       conversions=Sum("daily__conversions"))
             .order_by("-cost_micros", "text")[:TERMS_SHOWN])
    negatives = Suggestion.objects.filter(organization=organization, kind=SuggestionKind.NEGATIVE)
    pending = list(negatives.filter(status=SuggestionStatus.PENDING).select_related("campaign", "ad_group__campaign"))
    return render(request, "campaigns/search_terms.html", {
        "terms": terms,
        "terms_total": SearchTerm.objects.filter(organization=organization).count(),
        "pending": pending,
        # shown apart: waste saves money, sculpting only moves traffic to another ad group
        "waste": [s for s in pending if s.evidence.get("kind", "waste") == "waste"],
        "sculpting": [s for s in pending if s.evidence.get("kind") == "sculpting"],
        "decided": negatives.exclude(status=SuggestionStatus.PENDING).select_related("decided_by")
        .order_by("-decided_at", "pk")[:DECIDED_SHOWN],
    })


def _decide(request: HttpRequest, membership: Membership) -> None:
    """``one`` = "approve:ID" from a row's button, or the checked ``ids`` with ``decision`` from the bulk buttons."""
    if request.POST.get("one"):
        decision, _sep, raw_id = request.POST["one"].partition(":")
        raw_ids = [raw_id]
    else:
        decision, raw_ids = request.POST.get("decision", ""), request.POST.getlist("ids")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return
    ids = [int(value) for value in raw_ids if value.isdigit()]
    # Only this organization's pending negatives: another organization's ids are silently not found.
    found = list(Suggestion.objects.filter(organization=membership.organization, kind=SuggestionKind.NEGATIVE,
                                           pk__in=ids).values_list("pk", flat=True))
    done = 0
    for suggestion_id in found:
        try:
            decide(suggestion_id, approve=decision == "approve", user=request.user)
            done += 1
        except SuggestionError as exc:
            messages.warning(request, str(exc))
    if decision == "approve":
        messages.success(request, ngettext("%(count)d negative approved.", "%(count)d negatives approved.", done)
                         % {"count": done})
    else:
        messages.success(request, ngettext("%(count)d negative rejected.", "%(count)d negatives rejected.", done)
                         % {"count": done})
