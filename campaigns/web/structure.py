"""A campaign with its ad groups' numbers; an ad group with its keywords and its ads (text edits checked as typed)."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TypedDict

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.exporters.validation import Finding
from campaigns.models import Ad, AdGroup, Campaign, Keyword, KeywordLevel, Membership, Organization
from campaigns.services import performance, unknowns
from campaigns.services.ads import edit_ad_text
from campaigns.web import tables
from campaigns.web.context import organization_view, require_edit
from campaigns.web.counters import counter_context
from campaigns.web.metric_columns import METRIC_COLUMNS
from campaigns.web.tables import COUNT, Column, Spec
from ml import ad_rules
from ml.arithmetic import Summary


class _AdTexts(TypedDict):
    headlines: list[str]
    descriptions: list[str]
    path1: str
    path2: str


FIELD_LIMITS = {
    "headlines": ad_rules.HEADLINE_MAX,
    "descriptions": ad_rules.DESCRIPTION_MAX,
    "path1": ad_rules.PATH_MAX,
    "path2": ad_rules.PATH_MAX,
}


AD_GROUPS = Spec(
    name="",
    caption=gettext_lazy("Ad groups"),
    filename="ad-groups",
    scope="campaign__organization",
    in_memory=True,
    columns=(
        Column("name", gettext_lazy("Ad group"), attrgetter("name")),
        Column("status", gettext_lazy("Status"), lambda row: _(row.get_status_display())),
        Column("keywords", gettext_lazy("Keywords"), attrgetter("keyword_count"), COUNT),
        Column("ads", gettext_lazy("Ads"), attrgetter("ad_count"), COUNT),
        *METRIC_COLUMNS,
    ),
    default_sort="name",
    search=("name",),
)
KEYWORDS = Spec(
    name="",
    caption=gettext_lazy("Keywords"),
    filename="keywords",
    scope="ad_group__campaign__organization",
    in_memory=True,
    columns=(
        Column("text", gettext_lazy("Keyword"), attrgetter("text")),
        Column("match_type", gettext_lazy("Match type"), lambda row: _(row.get_match_type_display())),
        Column("status", gettext_lazy("Status"), lambda row: _(row.get_status_display())),
        Column("kind", gettext_lazy("Kind"), lambda row: _("negative") if row.negative else _("keyword")),
        *METRIC_COLUMNS,
    ),
    default_sort="-cost",
    search=("text",),
)


@require_GET
@organization_view
def campaign_detail(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    organization = membership.organization
    campaign = get_object_or_404(Campaign, pk=campaign_id, organization=organization)
    period = performance.latest_period(organization)
    shown = _shown(organization, period)
    totals = performance.ad_group_totals(campaign, period) if period else {}
    keyword_counts = dict(
        Keyword.objects.filter(ad_group__campaign=campaign, negative=False)
        .values_list("ad_group_id")
        .annotate(n=Count("pk"))
        .order_by()
    )

    def decorate(ad_groups: list[AdGroup]) -> None:
        for ad_group in ad_groups:
            ad_group.totals = shown(totals.get(ad_group.pk))
            ad_group.keyword_count = keyword_counts.get(ad_group.pk, 0)

    table = tables.bind(
        request, AD_GROUPS, campaign.ad_groups.annotate(ad_count=Count("ads", distinct=True)), organization, decorate
    )
    if table.wants_csv:
        return table.csv_response(currency=organization.currency, basename=f"{organization.slug}-{campaign.pk}")
    return render(
        request,
        "campaigns/campaign.html",
        {
            "campaign": campaign,
            "period": period,
            "table": table,
            "totals": shown(performance.campaign_totals(campaign, period)) if period else None,
            "negatives": Keyword.objects.filter(campaign=campaign, level=KeywordLevel.CAMPAIGN).order_by("text"),
        },
    )


def _shown(organization: Organization, period: performance.Period | None) -> Callable[[Summary | None], Summary | None]:
    """A function hiding the figures the organization's reports of ``period`` do not know (services.unknowns)."""
    unknown = unknowns.of_period(organization, period) if period else frozenset()
    return lambda summary: None if summary is None else unknowns.without_unknown(summary, unknown)


@require_http_methods(["GET", "POST"])
@organization_view
def ad_group_detail(request: HttpRequest, membership: Membership, ad_group_id: int) -> HttpResponse:
    ad_group = get_object_or_404(
        AdGroup.objects.select_related("campaign"), pk=ad_group_id, campaign__organization=membership.organization
    )
    platform = ad_group.campaign.platform
    ads = list(ad_group.ads.order_by("pk"))
    submitted: dict = {}
    findings: list[Finding] = []
    if request.method == "POST":
        require_edit(membership)
        ad = next((ad for ad in ads if str(ad.pk) == request.POST.get("ad")), None)
        texts: _AdTexts = {
            "headlines": request.POST.getlist("headlines"),
            "descriptions": request.POST.getlist("descriptions"),
            "path1": request.POST.get("path1", ""),
            "path2": request.POST.get("path2", ""),
        }
        if ad is None or (len(texts["headlines"]), len(texts["descriptions"])) != (
            len(ad.headlines),
            len(ad.descriptions),
        ):
            return HttpResponseBadRequest(_("The form does not match an ad of this ad group; reload the page."))
        findings = edit_ad_text(ad.pk, platform=platform, **texts)
        if not findings:
            messages.success(request, _("Ad saved."))
            return redirect("campaigns:ad_group", ad_group.pk)
        submitted = {ad.pk: texts}
    organization = membership.organization
    period = performance.latest_period(organization)
    shown = _shown(organization, period)
    totals = performance.keyword_totals(ad_group, period) if period else {}

    def decorate(keywords: list[Keyword]) -> None:
        for keyword in keywords:
            keyword.totals = shown(totals.get(keyword.pk))

    table = tables.bind(request, KEYWORDS, ad_group.keywords.all(), organization, decorate)
    if request.method == "GET" and table.wants_csv:
        return table.csv_response(currency=organization.currency, basename=f"{organization.slug}-{ad_group.pk}")
    return render(
        request,
        "campaigns/ad_group.html",
        {
            "ad_group": ad_group,
            "campaign": ad_group.campaign,
            "period": period,
            "table": table,
            "totals": (
                shown(performance.ad_group_totals(ad_group.campaign, period).get(ad_group.pk)) if period else None
            ),
            "ads": [_ad_fields(ad, platform, submitted.get(ad.pk)) for ad in ads],
            "findings": [_describe(finding) for finding in findings],
            **counter_context(platform),
        },
        status=400 if findings else 200,
    )


def _ad_fields(ad: Ad, platform: str, submitted: dict | None) -> dict:
    """Each text of an ad with its width on the campaign's platform and the limit, for the inputs and counters."""
    texts = submitted or {
        "headlines": ad.headline_texts,
        "descriptions": ad.description_texts,
        "path1": ad.path1,
        "path2": ad.path2,
    }

    counted_as = ad_rules.as_platform(platform)

    def field(name: str, text: str, label: str) -> dict:
        return {
            "name": name,
            "text": text,
            "label": label,
            "limit": FIELD_LIMITS[name],
            "width": ad_rules.text_width(text, counted_as),
        }

    return {
        "ad": ad,
        "headlines": [
            field("headlines", text, _("Headline %(n)d") % {"n": i}) for i, text in enumerate(texts["headlines"], 1)
        ],
        "descriptions": [
            field("descriptions", text, _("Description %(n)d") % {"n": i})
            for i, text in enumerate(texts["descriptions"], 1)
        ],
        "paths": [field("path1", texts["path1"], _("Path 1")), field("path2", texts["path2"], _("Path 2"))],
    }


def _describe(finding: Finding) -> str:
    """ "Headline 4: headline is 34 wide; the limit is 30" (positions counted from 1, as the page shows them)."""
    names = {
        "headlines": _("Headline"),
        "descriptions": _("Description"),
        "path1": _("Path 1"),
        "path2": _("Path 2"),
        "final_url": _("Final URL"),
    }
    name = names.get(finding.field, finding.field)
    where = name if finding.index is None else f"{name} {finding.index + 1}"
    return f"{where}: {finding.detail}"
