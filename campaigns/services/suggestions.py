"""Deciding on suggestions: approving one applies it to the account (in the tool), once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from campaigns.models import (
    Ad,
    CampaignStatus,
    Keyword,
    KeywordLevel,
    NegativeKeywordList,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from campaigns.models.organizations import saved_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

SHARED_LIST_NAME = "Negativas del optimizador"
AD_TEXT_FIELDS: dict[str, tuple[str, int]] = {
    SuggestionKind.HEADLINE: ("headlines", 15),
    SuggestionKind.DESCRIPTION: ("descriptions", 4),
}


class SuggestionError(ValueError):
    """A decision that cannot be taken, with the reason for the marketer."""


@transaction.atomic
def decide(suggestion_id: int, *, approve: bool, user: User | AnonymousUser | None) -> Suggestion:
    """Approve (and apply) or reject a pending suggestion; a second decision is refused, never applied twice."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id)
    if suggestion.status != SuggestionStatus.PENDING:
        raise SuggestionError(f"this suggestion was already {suggestion.get_status_display().lower()}")
    if approve:
        _apply(suggestion)
    suggestion.status = SuggestionStatus.APPROVED if approve else SuggestionStatus.REJECTED
    suggestion.decided_by = saved_user(user)
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
    elif suggestion.kind in AD_TEXT_FIELDS:
        _add_ad_text(suggestion)
    # New ad groups are applied by their own flow (ad group creation); approving them records the decision.


def clean_ad_text(kind: str, text: str, blocked_terms: Sequence[str] = ()) -> str:
    """A headline or description as the marketer edited it, if both platforms' rules (the shared validator) and
    the organization's blocked terms pass.

    Raises:
        SuggestionError: with every broken rule, e.g. "headline is 41 wide; the limit is 30".
    """
    from ml.ad_rules import Rules, check_text

    text = " ".join(text.split())
    field_name, _most = AD_TEXT_FIELDS[kind]
    problems = check_text(text, field_name, None, Rules(blocked_terms=tuple(blocked_terms)))
    if problems:
        raise SuggestionError("; ".join(problem.detail for problem in problems))
    return text


@transaction.atomic
def edit_text(suggestion_id: int, text: str) -> Suggestion:
    """Change a pending headline or description; text the shared validator refuses changes nothing."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id)
    if suggestion.status != SuggestionStatus.PENDING:
        raise SuggestionError("only pending suggestions can be edited")
    if suggestion.kind not in AD_TEXT_FIELDS:
        raise SuggestionError("only headlines and descriptions are edited here")
    suggestion.text = clean_ad_text(suggestion.kind, text, suggestion.organization.blocked_terms)
    suggestion.save(update_fields=["text"])
    return suggestion


def _add_ad_text(suggestion: Suggestion) -> None:
    """Add an approved headline or description to the first ad of its ad group with room for it (live ads first),
    so the exports carry it; text an ad already has is not added twice."""
    from ml.ad_rules import normalise_for_duplicates

    field_name, most = AD_TEXT_FIELDS[suggestion.kind]
    text = clean_ad_text(suggestion.kind, suggestion.text, suggestion.organization.blocked_terms)
    ads = sorted(
        Ad.objects.select_for_update()
        .filter(ad_group_id=suggestion.ad_group_id)
        .exclude(status=CampaignStatus.REMOVED),
        key=lambda ad: (ad.status != CampaignStatus.ENABLED, ad.pk),
    )
    if not ads:
        raise SuggestionError("this ad group has no ad to add the text to; create an ad first")
    key = normalise_for_duplicates(text)
    if any(normalise_for_duplicates(item["text"]) == key for ad in ads for item in getattr(ad, field_name)):
        return
    ad = next((ad for ad in ads if len(getattr(ad, field_name)) < most), None)
    if ad is None:
        raise SuggestionError(f"every ad of this ad group already has {most} {field_name}")
    setattr(ad, field_name, [*getattr(ad, field_name), {"text": text, "pin": None}])
    ad.save(update_fields=[field_name])


def _add_keyword(suggestion: Suggestion, *, negative: bool) -> Keyword:
    fields = {
        "organization_id": suggestion.organization_id,
        "text": " ".join(suggestion.text.split()),
        "match_type": suggestion.match_type or "exact",
        "negative": negative,
    }
    level = suggestion.level or KeywordLevel.AD_GROUP
    if level == KeywordLevel.SHARED_LIST:
        shared, _ = NegativeKeywordList.objects.get_or_create(
            organization_id=suggestion.organization_id, name=SHARED_LIST_NAME
        )
        shared.campaigns.add(*suggestion.evidence.get("campaign_ids", []))
        fields |= {"level": level, "shared_list": shared}
    elif level == KeywordLevel.CAMPAIGN:
        fields |= {"level": level, "campaign_id": suggestion.campaign_id}
    else:
        ad_group = suggestion.ad_group
        assert ad_group is not None, "an ad-group level suggestion names its ad group"
        fields |= {"level": KeywordLevel.AD_GROUP, "ad_group": ad_group, "campaign_id": ad_group.campaign_id}
    existing = Keyword.objects.filter(
        **{k: v for k, v in fields.items() if k != "text"}, text__iexact=fields["text"]
    ).first()
    return existing or Keyword.objects.create(**fields)
