"""Deciding on suggestions: approving one applies it to the account (in the tool), once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from campaigns.models import (
    Keyword,
    KeywordLevel,
    NegativeKeywordList,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)

SHARED_LIST_NAME = "Negativas del optimizador"


class SuggestionError(ValueError):
    """A decision that cannot be taken, with the reason for the marketer."""


@transaction.atomic
def decide(suggestion_id: int, *, approve: bool, user: object) -> Suggestion:
    """Approve (and apply) or reject a pending suggestion; a second decision is refused, never applied twice."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id)
    if suggestion.status != SuggestionStatus.PENDING:
        raise SuggestionError(f"this suggestion was already {suggestion.get_status_display().lower()}")
    if approve:
        _apply(suggestion)
    suggestion.status = SuggestionStatus.APPROVED if approve else SuggestionStatus.REJECTED
    suggestion.decided_by = user if getattr(user, "pk", None) else None
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    return suggestion


def _apply(suggestion: Suggestion) -> None:
    if suggestion.kind == SuggestionKind.NEGATIVE:
        _add_keyword(suggestion, negative=True)
    elif suggestion.kind == SuggestionKind.KEYWORD:
        if suggestion.ad_group_id is None:
            raise SuggestionError("a keyword suggestion needs an ad group")
        _add_keyword(suggestion, negative=False)
    # Ad text and new ad groups are applied by their own flows (generation, ad group creation); approving
    # them records the decision.


def _add_keyword(suggestion: Suggestion, *, negative: bool) -> Keyword:
    fields = {"organization_id": suggestion.organization_id, "text": " ".join(suggestion.text.split()),
              "match_type": suggestion.match_type or "exact", "negative": negative}
    level = suggestion.level or KeywordLevel.AD_GROUP
    if level == KeywordLevel.SHARED_LIST:
        shared, _ = NegativeKeywordList.objects.get_or_create(organization_id=suggestion.organization_id,
                                                              name=SHARED_LIST_NAME)
        shared.campaigns.add(*suggestion.evidence.get("campaign_ids", []))
        fields |= {"level": level, "shared_list": shared}
    elif level == KeywordLevel.CAMPAIGN:
        fields |= {"level": level, "campaign_id": suggestion.campaign_id}
    else:
        ad_group = suggestion.ad_group
        fields |= {"level": KeywordLevel.AD_GROUP, "ad_group": ad_group, "campaign_id": ad_group.campaign_id}
    existing = Keyword.objects.filter(**{k: v for k, v in fields.items() if k != "text"},
                                      text__iexact=fields["text"]).first()
    return existing or Keyword.objects.create(**fields)
