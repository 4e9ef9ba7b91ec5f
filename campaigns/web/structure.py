"""A campaign with its ad groups' numbers; an ad group with its keywords and its ads (text edits checked as typed)."""

from __future__ import annotations

from typing import TypedDict

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.exporters.validation import Finding
from campaigns.models import Ad, AdGroup, Campaign, Keyword, KeywordLevel, Membership
from campaigns.services import performance
from campaigns.services.ads import edit_ad_text
from campaigns.web.context import organization_view, require_edit
from campaigns.web.counters import counter_context
from ml import ad_rules


class _AdTexts(TypedDict):
    headlines: list[str]
    descriptions: list[str]
    path1: str
    path2: str


FIELD_LIMITS = {"headlines": ad_rules.HEADLINE_MAX, "descriptions": ad_rules.DESCRIPTION_MAX,
                "path1": ad_rules.PATH_MAX, "path2": ad_rules.PATH_MAX}


@require_GET
@organization_view
def campaign_detail(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id, organization=membership.organization)
    period = performance.latest_period(membership.organization)
    totals = performance.ad_group_totals(campaign, period) if period else {}
    ad_groups = list(campaign.ad_groups.annotate(ad_count=Count("ads", distinct=True)).order_by("name"))
    keyword_counts = dict(Keyword.objects.filter(ad_group__campaign=campaign, negative=False)
                          .values_list("ad_group_id").annotate(n=Count("pk")).order_by())
    for ad_group in ad_groups:
        ad_group.totals = totals.get(ad_group.pk)
        ad_group.keyword_count = keyword_counts.get(ad_group.pk, 0)
    return render(request, "campaigns/campaign.html", {
        "campaign": campaign, "period": period, "ad_groups": ad_groups,
        "totals": performance.campaign_totals(campaign, period) if period else None,
        "negatives": Keyword.objects.filter(campaign=campaign, level=KeywordLevel.CAMPAIGN).order_by("text"),
    })


@require_http_methods(["GET", "POST"])
@organization_view
def ad_group_detail(request: HttpRequest, membership: Membership, ad_group_id: int) -> HttpResponse:
    ad_group = get_object_or_404(AdGroup.objects.select_related("campaign"), pk=ad_group_id,
                                 campaign__organization=membership.organization)
    platform = ad_group.campaign.platform
    ads = list(ad_group.ads.order_by("pk"))
    submitted: dict = {}
    findings: list[Finding] = []
    if request.method == "POST":
        require_edit(membership)
        ad = next((ad for ad in ads if str(ad.pk) == request.POST.get("ad")), None)
        texts: _AdTexts = {"headlines": request.POST.getlist("headlines"),
                           "descriptions": request.POST.getlist("descriptions"),
                           "path1": request.POST.get("path1", ""), "path2": request.POST.get("path2", "")}
        if ad is None or (len(texts["headlines"]), len(texts["descriptions"])) != (len(ad.headlines),
                                                                                 len(ad.descriptions)):
            return HttpResponseBadRequest(_("The form does not match an ad of this ad group; reload the page."))
        findings = edit_ad_text(ad.pk, platform=platform, **texts)
        if not findings:
            messages.success(request, _("Ad saved."))
            return redirect("campaigns:ad_group", ad_group.pk)
        submitted = {ad.pk: texts}
    period = performance.latest_period(membership.organization)
    keywords = list(ad_group.keywords.order_by("negative", "text"))
    totals = performance.keyword_totals(ad_group, period) if period else {}
    for keyword in keywords:
        keyword.totals = totals.get(keyword.pk)
    return render(request, "campaigns/ad_group.html", {
        "ad_group": ad_group, "campaign": ad_group.campaign, "period": period, "keywords": keywords,
        "totals": (performance.ad_group_totals(ad_group.campaign, period).get(ad_group.pk) if period else None),
        "ads": [_ad_fields(ad, platform, submitted.get(ad.pk)) for ad in ads],
        "findings": [_describe(finding) for finding in findings], **counter_context(platform),
    }, status=400 if findings else 200)


def _ad_fields(ad: Ad, platform: str, submitted: dict | None) -> dict:
    """Each text of an ad with its width on the campaign's platform and the limit, for the inputs and counters."""
    texts = submitted or {"headlines": ad.headline_texts, "descriptions": ad.description_texts,
                          "path1": ad.path1, "path2": ad.path2}

    counted_as = ad_rules.as_platform(platform)

    def field(name: str, text: str, label: str) -> dict:
        return {"name": name, "text": text, "label": label, "limit": FIELD_LIMITS[name],
                "width": ad_rules.text_width(text, counted_as)}

    return {
        "ad": ad,
        "headlines": [field("headlines", text, _("Headline %(n)d") % {"n": i})
                      for i, text in enumerate(texts["headlines"], 1)],
        "descriptions": [field("descriptions", text, _("Description %(n)d") % {"n": i})
                         for i, text in enumerate(texts["descriptions"], 1)],
        "paths": [field("path1", texts["path1"], _("Path 1")), field("path2", texts["path2"], _("Path 2"))],
    }


def _describe(finding: Finding) -> str:
    """"Headline 4: headline is 34 wide; the limit is 30" (positions counted from 1, as the page shows them)."""
    names = {"headlines": _("Headline"), "descriptions": _("Description"), "path1": _("Path 1"),
             "path2": _("Path 2"), "final_url": _("Final URL")}
    name = names.get(finding.field, finding.field)
    where = name if finding.index is None else f"{name} {finding.index + 1}"
    return f"{where}: {finding.detail}"
