"""Intent clusters: the new ad groups matching proposes for relevant search terms that no ad group covers.

Matching (``campaigns.services.matching``) saves each cluster as a pending ``ad_group`` suggestion with its terms,
clicks, cost and conversions; here a marketer's decision is applied: approving creates the ad group, with the
cluster's starter keywords in phrase match, in a campaign of the organization's; rejecting records the decision.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    AdGroup,
    Campaign,
    CampaignStatus,
    Keyword,
    KeywordLevel,
    MatchType,
    Organization,
    SearchTerm,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from campaigns.models.organizations import saved_user
from campaigns.models.structure import KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS
from campaigns.services.suggestions import SuggestionError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class ClusterRow:
    """A proposed ad group as the page lists it; ``campaign_id`` is the campaign that served most of its terms."""

    suggestion: Suggestion
    terms: list[str]
    clicks: int
    cost_micros: int
    conversions: float
    keywords: list[str]
    campaign_id: int | None


def pending_clusters(organization: Organization) -> list[ClusterRow]:
    """The organization's proposed ad groups waiting for a decision, most conversions first (two queries)."""
    suggestions = list(
        Suggestion.objects.filter(
            organization=organization, kind=SuggestionKind.AD_GROUP, status=SuggestionStatus.PENDING
        ).order_by("pk")
    )
    term_ids = {i for s in suggestions for i in s.evidence.get("term_ids", []) if isinstance(i, int)}
    campaign_of = dict(
        SearchTerm.objects.filter(organization=organization, pk__in=term_ids).values_list("pk", "campaign_id")
    )
    rows = []
    for suggestion in suggestions:
        evidence = suggestion.evidence
        served = Counter(campaign_of[i] for i in evidence.get("term_ids", []) if i in campaign_of)
        rows.append(
            ClusterRow(
                suggestion=suggestion,
                terms=list(evidence.get("terms", [])),
                clicks=int(evidence.get("clicks", 0)),
                cost_micros=int(evidence.get("cost_micros", 0)),
                conversions=float(evidence.get("conversions", 0.0)),
                keywords=list(evidence.get("starter_keywords", [])),
                campaign_id=served.most_common(1)[0][0] if served else None,
            )
        )
    return sorted(rows, key=lambda r: (-r.conversions, -r.clicks, -r.cost_micros, r.suggestion.text))


def _keyword_text(text: str) -> str | None:
    words = text.split()
    cleaned = " ".join(words)
    if not words or len(words) > KEYWORD_MAX_WORDS or len(cleaned) > KEYWORD_MAX_CHARS:
        return None
    return cleaned


@transaction.atomic
def create_ad_group(suggestion_id: int, *, campaign_id: int, user: User | AnonymousUser | None) -> AdGroup:
    """Approve a proposed ad group: create it in the campaign with the cluster's starter keywords (phrase match).

    Raises:
        SuggestionError: the suggestion was already decided, the campaign is not the organization's (or is
            removed), or the campaign already has an ad group of that name; nothing is written.
    """
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id, kind=SuggestionKind.AD_GROUP)
    if suggestion.status != SuggestionStatus.PENDING:
        raise SuggestionError(_("This proposal was already decided."))
    campaign = (
        Campaign.objects.filter(pk=campaign_id, organization_id=suggestion.organization_id)
        .exclude(status=CampaignStatus.REMOVED)
        .first()
    )
    if campaign is None:
        raise SuggestionError(_("Choose one of your campaigns for the new ad group."))
    name = " ".join(suggestion.text.split())[:255]
    if AdGroup.objects.filter(campaign=campaign, name__iexact=name).exists():
        raise SuggestionError(
            _("The campaign “%(campaign)s” already has an ad group named “%(name)s”.")
            % {"campaign": campaign.name, "name": name}
        )
    ad_group = AdGroup.objects.create(campaign=campaign, name=name)
    texts = dict.fromkeys(
        t.lower() for t in map(_keyword_text, suggestion.evidence.get("starter_keywords", [])) if t is not None
    )
    Keyword.objects.bulk_create(
        Keyword(
            organization_id=suggestion.organization_id,
            level=KeywordLevel.AD_GROUP,
            campaign=campaign,
            ad_group=ad_group,
            text=text,
            match_type=MatchType.PHRASE,
        )
        for text in texts
    )
    suggestion.status = SuggestionStatus.APPROVED
    suggestion.campaign = campaign
    suggestion.ad_group = ad_group
    suggestion.decided_by = saved_user(user)
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "campaign", "ad_group", "decided_by", "decided_at"])
    return ad_group
