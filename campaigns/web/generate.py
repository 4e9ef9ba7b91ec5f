"""Generate: product text → a job with a progress bar (htmx polling) → the suggestions to edit, approve or reject."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import (
    Ad,
    AdGroup,
    Campaign,
    CampaignStatus,
    GenerationJob,
    Membership,
    Suggestion,
    SuggestionStatus,
)
from campaigns.services.ad_labels import dropped_data, field_label, strength_data
from campaigns.services.ad_previews import previews
from campaigns.services.generating import GENERATED_KINDS, SOURCE
from campaigns.services.generation_jobs import MAX_PRODUCT_TEXT, GenerationJobError, cancel_job, create_job
from campaigns.services.suggestions import (
    AD_TEXT_FIELDS,
    SuggestionError,
    clean_ad_text,
    create_ad_from_suggestions,
    decide,
    edit_text,
)
from campaigns.web.context import organization_view, require_edit
from campaigns.web.counters import counter_context


class GenerateForm(forms.Form):
    product_text = forms.CharField(
        label=gettext_lazy("What do you sell?"),
        max_length=MAX_PRODUCT_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )
    selling_points = forms.CharField(
        label=gettext_lazy("Selling points (one per line)"),
        help_text=gettext_lazy('What sets it apart, as you would say it: "free delivery over 39 €", "50 kg bags".'),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )
    brand_terms = forms.CharField(
        label=gettext_lazy("Brand and product names (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
    )
    ad_group = forms.TypedChoiceField(label=gettext_lazy("Ad group"), coerce=int, required=False, empty_value=None)


def _campaign(membership: Membership, campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign, pk=campaign_id, organization=membership.organization)


def _pending(campaign: Campaign):
    return (
        Suggestion.objects.filter(
            campaign=campaign, status=SuggestionStatus.PENDING, kind__in=GENERATED_KINDS, source__startswith=SOURCE
        )
        .select_related("ad_group", "campaign")
        .order_by("ad_group__name", "kind", "pk")
    )


def _ad_cards(campaign: Campaign, job: GenerationJob | None) -> list[dict[str, Any]]:
    """A preview card per ad group with pending generated text or in the latest job, with its ad strength now and
    with the suggestions approved."""
    ids = set(_pending(campaign).values_list("ad_group_id", flat=True))
    ids.update(job.result.get("done_ad_groups", []) if job else [])
    return [
        {"preview": preview, "approved": strength_data(preview.approved), "proposed": strength_data(preview.proposed)}
        for preview in previews(campaign, ids)
    ]


def _live_ads(ad_group_ids: set[int]) -> set[int]:
    """The ad groups among ``ad_group_ids`` that have an ad (not removed) for approved text to join."""
    ads = Ad.objects.filter(ad_group_id__in=ad_group_ids).exclude(status=CampaignStatus.REMOVED)
    return set(ads.values_list("ad_group_id", flat=True))


def _new_ads(campaign: Campaign, suggestions: list[Suggestion]) -> list[dict[str, Any]]:
    """The ad groups whose pending headlines and descriptions have no ad to join: approving them creates the ad,
    which needs a final URL (another ad's of the campaign is offered)."""
    groups = {s.ad_group.pk: s.ad_group for s in suggestions if s.kind in AD_TEXT_FIELDS and s.ad_group is not None}
    without = set(groups) - _live_ads(set(groups))
    if not without:
        return []
    url = (
        Ad.objects.filter(ad_group__campaign=campaign)
        .exclude(status=CampaignStatus.REMOVED)
        .order_by("pk")
        .values_list("final_url", flat=True)
        .first()
    )
    return [{"ad_group": groups[pk], "final_url": url or ""} for pk in sorted(without, key=lambda pk: groups[pk].name)]


def _approve_into_new_ads(
    request: HttpRequest, membership: Membership, campaign: Campaign, ids: list[int]
) -> tuple[set[int], int]:
    """The checked headlines and descriptions of ad groups with no ad: each such ad group's first ad, made of them
    (or the reason it was not made). Returns the suggestions handled here, approved or not, and how many were
    approved."""
    rows = list(_pending(campaign).filter(pk__in=ids, kind__in=list(AD_TEXT_FIELDS)).values_list("pk", "ad_group_id"))
    groups = {group_id for _pk, group_id in rows if group_id}
    handled: set[int] = set()
    done = 0
    for group_id in sorted(groups - _live_ads(groups)):
        chosen = [pk for pk, row_group in rows if row_group == group_id]
        handled.update(chosen)
        try:
            ad, approved = create_ad_from_suggestions(
                membership.organization,
                group_id,
                chosen,
                final_url=request.POST.get(f"final_url-{group_id}", "").strip(),
                own_headlines=request.POST.get(f"headlines-{group_id}", "").splitlines(),
                own_descriptions=request.POST.get(f"descriptions-{group_id}", "").splitlines(),
                user=request.user,
            )
        except SuggestionError as exc:
            messages.warning(request, str(exc))
            continue
        messages.success(
            request,
            _(
                "New ad for %(name)s with %(count)d headlines and descriptions, paused: check it, then enable it "
                "on the platform after the export."
            )
            % {"name": ad.ad_group.name, "count": len(ad.headlines) + len(ad.descriptions)},
        )
        done += len(approved)
    return handled, done


def _dropped(campaign: Campaign, job: GenerationJob | None) -> list[dict[str, Any]]:
    """The latest job's lines not suggested, with the ad group's name, the kind and the reason in words."""
    if job is None or not job.dropped:
        return []
    names = dict(AdGroup.objects.filter(campaign=campaign).values_list("pk", "name"))
    return [
        {
            **dropped_data(entry),
            "ad_group_name": names.get(entry.get("ad_group"), ""),
            "field_label": field_label(entry.get("field", "")),
        }
        for entry in job.dropped
    ]


@require_http_methods(["GET", "POST"])
@organization_view
def generate(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    campaign = _campaign(membership, campaign_id)
    groups = list(campaign.ad_groups.order_by("name").values_list("pk", "name"))
    form = GenerateForm(request.POST or None)
    ad_group_field = form.fields["ad_group"]
    assert isinstance(ad_group_field, forms.TypedChoiceField)
    ad_group_field.choices = [("", _("All ad groups")), *groups]
    status = 200
    if request.method == "POST":
        require_edit(membership)
        if form.is_valid():
            try:
                create_job(
                    membership.organization,
                    campaign.pk,
                    ad_group_id=form.cleaned_data["ad_group"],
                    product_text=form.cleaned_data["product_text"],
                    selling_points=form.cleaned_data["selling_points"].splitlines(),
                    brand_terms=form.cleaned_data["brand_terms"].splitlines(),
                    user=request.user,
                )
                return redirect("campaigns:generate", campaign_id=campaign.pk)
            except GenerationJobError as exc:
                message = str(exc)
                field = {"Selling": "selling_points", "Brand": "brand_terms"}.get(message.split(" ", 1)[0])
                form.add_error(field or "product_text", message)
        status = 400
    job = GenerationJob.objects.filter(campaign=campaign).first()
    suggestions = list(_pending(campaign))
    return render(
        request,
        "campaigns/generate.html",
        {
            "campaign": campaign,
            "form": form,
            "job": job,
            "suggestions": suggestions,
            "new_ads": _new_ads(campaign, suggestions),
            "ad_cards": _ad_cards(campaign, job),
            "dropped": _dropped(campaign, job),
            **counter_context(campaign.platform),
        },
        status=status,
    )


@require_POST
@organization_view
def cancel(request: HttpRequest, membership: Membership, job_id: int) -> HttpResponse:
    require_edit(membership)
    job = get_object_or_404(GenerationJob, pk=job_id, organization=membership.organization)
    try:
        cancel_job(job)
        messages.success(request, _("Generation cancelled."))
    except GenerationJobError as exc:
        messages.warning(request, str(exc))
    return redirect("campaigns:generate", campaign_id=job.campaign_id)


@require_POST
@organization_view
def decide_many(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    """Approve or reject the checked suggestions; approved keywords and ad text land in the account."""
    require_edit(membership)
    campaign = _campaign(membership, campaign_id)
    decision = request.POST.get("decision")
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return redirect("campaigns:generate", campaign_id=campaign.pk)
    handled, done = _approve_into_new_ads(request, membership, campaign, ids) if decision == "approve" else (set(), 0)
    for suggestion_id in _pending(campaign).filter(pk__in=ids).exclude(pk__in=handled).values_list("pk", flat=True):
        try:
            decide(suggestion_id, approve=decision == "approve", user=request.user)
            done += 1
        except SuggestionError as exc:
            messages.warning(request, str(exc))
    text = (
        ngettext("%(count)d suggestion approved.", "%(count)d suggestions approved.", done)
        if decision == "approve"
        else ngettext("%(count)d suggestion rejected.", "%(count)d suggestions rejected.", done)
    )
    messages.success(request, text % {"count": done})
    return redirect("campaigns:generate", campaign_id=campaign.pk)


def _suggestion(membership: Membership, suggestion_id: int) -> Suggestion:
    return get_object_or_404(
        Suggestion, pk=suggestion_id, organization=membership.organization, kind__in=list(AD_TEXT_FIELDS)
    )


@require_POST
@organization_view
def edit(request: HttpRequest, membership: Membership, suggestion_id: int) -> HttpResponse:
    """Save an edited headline or description (htmx): the row again, or the reason it was refused (400)."""
    require_edit(membership)
    suggestion = _suggestion(membership, suggestion_id)
    text = request.POST.get(f"text-{suggestion.pk}", "")
    try:
        suggestion = edit_text(suggestion.pk, text)
    except SuggestionError as exc:
        return render(
            request,
            "campaigns/_suggestion_row.html",
            {"suggestion": suggestion, "text": text, "error": str(exc)},
            status=400,
        )
    return render(
        request, "campaigns/_suggestion_row.html", {"suggestion": suggestion, "text": suggestion.text, "saved": True}
    )


@require_POST
@organization_view
def validate(request: HttpRequest, membership: Membership, suggestion_id: int) -> HttpResponse:
    """The shared validator's verdict on the text as it is being typed (htmx); it changes nothing."""
    suggestion = _suggestion(membership, suggestion_id)
    try:
        clean_ad_text(
            suggestion.kind, request.POST.get(f"text-{suggestion.pk}", ""), membership.organization.blocked_terms
        )
        error = ""
    except SuggestionError as exc:
        error = str(exc)
    return render(request, "campaigns/_text_feedback.html", {"suggestion": suggestion, "error": error})
