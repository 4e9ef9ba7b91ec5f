"""Each ad group's responsive search ad as Google would show it, and its ad strength now and with the suggestions.

"Approved" is what the ad group's ad holds (its own text and every approved suggestion, which
``campaigns.services.suggestions`` adds to it); "proposed" adds the pending generated headlines, descriptions and
keywords, as if every one were approved (up to the ad's 15 headlines and 4 descriptions). The preview shows the
proposed ad with the new lines first: the display URL (the ad's final URL domain and its paths), the first three
headlines joined by " | " and the first two descriptions. Queries do not grow with the number of ad groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from campaigns.models import Ad, AdGroup, Campaign, CampaignStatus, Suggestion, SuggestionKind, SuggestionStatus
from campaigns.services.generating import GENERATED_KINDS, SOURCE
from ml.ad_rules import DESCRIPTIONS_MAX, HEADLINES_MAX
from ml.ad_strength import AdStrength, ad_strength

TITLE_HEADLINES = 3  # Google shows up to three headlines, joined by " | "
SHOWN_DESCRIPTIONS = 2


@dataclass(frozen=True)
class AdPreview:
    """One ad group's ad, as it will look and how strong it is."""

    ad_group_id: int
    ad_group_name: str
    display_url: str
    title: str
    descriptions: list[str]
    approved: AdStrength
    proposed: AdStrength
    pending_headlines: list[str] = field(default_factory=list)
    pending_descriptions: list[str] = field(default_factory=list)

    @property
    def has_pending(self) -> bool:
        return bool(self.pending_headlines or self.pending_descriptions)


def main_ad(ads: Iterable[Ad]) -> Ad | None:
    """The ad approved text goes to: live ads first, the oldest first (as ``suggestions._add_ad_text`` picks)."""
    live = [ad for ad in ads if ad.status != CampaignStatus.REMOVED]
    return min(live, key=lambda ad: (ad.status != CampaignStatus.ENABLED, ad.pk), default=None)


def display_url(final_url: str, path1: str = "", path2: str = "") -> str:
    """The green line of a search ad: the final URL's domain, then the display paths ("example.com/tejas/arabe")."""
    host = (urlsplit(final_url).hostname or "").lower()
    if not host:
        return ""
    return "/".join(part for part in (host, path1, path2) if part)


def _fallback_url(campaign: Campaign) -> str:
    """Without an ad of its own, an ad group shows the domain of another ad of the campaign, if any."""
    ad = (
        Ad.objects.filter(ad_group__campaign=campaign)
        .exclude(status=CampaignStatus.REMOVED)
        .order_by("pk")
        .only("final_url")
        .first()
    )
    return display_url(ad.final_url) if ad else ""


def _pending(campaign: Campaign, ad_group_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    rows = (
        Suggestion.objects.filter(
            campaign=campaign,
            ad_group_id__in=ad_group_ids,
            kind__in=GENERATED_KINDS,
            status=SuggestionStatus.PENDING,
            source__startswith=SOURCE,
        )
        .order_by("pk")
        .values_list("ad_group_id", "kind", "text")
    )
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for group_id, kind, text in rows:
        out[group_id][kind].append(text)
    return out


def previews(campaign: Campaign, ad_group_ids: Iterable[int]) -> list[AdPreview]:
    """The previews of the campaign's ad groups among ``ad_group_ids`` (others are ignored), by ad group name."""
    groups = list(
        AdGroup.objects.filter(campaign=campaign, pk__in=set(ad_group_ids))
        .prefetch_related("ads", "keywords")
        .order_by("name", "pk")
    )
    pending = _pending(campaign, [group.pk for group in groups])
    fallback: str | None = None
    out = []
    for group in groups:
        ad = main_ad(group.ads.all())
        if ad is None and fallback is None:
            fallback = _fallback_url(campaign)
        out.append(_preview(group, ad, pending[group.pk], fallback or ""))
    return out


def _preview(group: AdGroup, ad: Ad | None, pending: dict[str, list[str]], fallback_url: str) -> AdPreview:
    headlines = ad.headline_texts if ad else []
    descriptions = ad.description_texts if ad else []
    keywords = [keyword.text for keyword in group.keywords.all() if not keyword.negative]
    new_headlines = pending.get(SuggestionKind.HEADLINE, [])
    new_descriptions = pending.get(SuggestionKind.DESCRIPTION, [])
    shown_headlines = [*new_headlines, *headlines]
    shown_descriptions = [*new_descriptions, *descriptions]
    return AdPreview(
        ad_group_id=group.pk,
        ad_group_name=group.name,
        display_url=display_url(ad.final_url, ad.path1, ad.path2) if ad else fallback_url,
        title=" | ".join(shown_headlines[:TITLE_HEADLINES]),
        descriptions=shown_descriptions[:SHOWN_DESCRIPTIONS],
        approved=ad_strength(headlines, descriptions, keywords),
        proposed=ad_strength(
            [*headlines, *new_headlines][:HEADLINES_MAX],
            [*descriptions, *new_descriptions][:DESCRIPTIONS_MAX],
            [*keywords, *pending.get(SuggestionKind.KEYWORD, [])],
        ),
        pending_headlines=new_headlines,
        pending_descriptions=new_descriptions,
    )
