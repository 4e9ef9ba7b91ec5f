"""Editing a responsive search ad's text: the shared validator decides, and a refused edit changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from campaigns.exporters.validation import Finding, ad_findings
from campaigns.models import Ad


@transaction.atomic
def edit_ad_text(
    ad_id: int, *, headlines: Sequence[str], descriptions: Sequence[str], path1: str, path2: str, platform: str
) -> list[Finding]:
    """Replace the texts of an ad's existing assets (pins stay with their positions); return what was refused
    (the platform's rules and the organization's blocked terms)."""
    ad = Ad.objects.select_for_update(of=("self",)).select_related("ad_group__campaign__organization").get(pk=ad_id)
    new_headlines = [{**item, "text": text} for item, text in zip(ad.headlines, headlines, strict=True)]
    new_descriptions = [{**item, "text": text} for item, text in zip(ad.descriptions, descriptions, strict=True)]
    findings = ad_findings(
        new_headlines,
        new_descriptions,
        path1,
        path2,
        ad.final_url,
        platform,
        ad.ad_group.campaign.organization.blocked_terms,
    )
    if findings:
        return findings
    ad.headlines, ad.descriptions, ad.path1, ad.path2 = new_headlines, new_descriptions, path1, path2
    ad.save(update_fields=["headlines", "descriptions", "path1", "path2"])
    return []
