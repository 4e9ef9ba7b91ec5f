"""Deciding on suggestions: approving one applies it to the account (in the tool), once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    Ad,
    AdGroup,
    CampaignStatus,
    Keyword,
    KeywordLevel,
    NegativeKeywordList,
    Organization,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from campaigns.models.organizations import saved_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

NEW_AD_HEADLINES, NEW_AD_DESCRIPTIONS = 3, 2  # the fewest a responsive search ad has (the Ad model's checks)
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
        decided: dict[str, str] = {
            SuggestionStatus.APPROVED: _("this suggestion was already approved"),
            SuggestionStatus.REJECTED: _("this suggestion was already rejected"),
        }
        raise SuggestionError(decided.get(suggestion.status, _("this suggestion was already decided")))
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
            raise SuggestionError(_("a keyword suggestion needs an ad group"))
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
    from campaigns.exporters.validation import say
    from ml.ad_rules import Rules, check_text

    text = " ".join(text.split())
    field_name, _most = AD_TEXT_FIELDS[kind]
    problems = check_text(text, field_name, None, Rules(blocked_terms=tuple(blocked_terms)))
    if problems:
        raise SuggestionError("; ".join(say(problem) for problem in problems))
    return text


@transaction.atomic
def edit_text(suggestion_id: int, text: str) -> Suggestion:
    """Change a pending headline or description; text the shared validator refuses changes nothing."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id)
    if suggestion.status != SuggestionStatus.PENDING:
        raise SuggestionError(_("only pending suggestions can be edited"))
    if suggestion.kind not in AD_TEXT_FIELDS:
        raise SuggestionError(_("only headlines and descriptions are edited here"))
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
        raise SuggestionError(_("this ad group has no ad to add the text to; create an ad first"))
    key = normalise_for_duplicates(text)
    if any(normalise_for_duplicates(item["text"]) == key for ad in ads for item in getattr(ad, field_name)):
        return
    ad = next((ad for ad in ads if len(getattr(ad, field_name)) < most), None)
    if ad is None:
        full = (
            _("every ad of this ad group already has %(most)d headlines")
            if suggestion.kind == SuggestionKind.HEADLINE
            else _("every ad of this ad group already has %(most)d descriptions")
        )
        raise SuggestionError(full % {"most": most})
    setattr(ad, field_name, [*getattr(ad, field_name), {"text": text, "pin": None}])
    ad.save(update_fields=[field_name])


@transaction.atomic
def create_ad_from_suggestions(
    organization: Organization,
    ad_group_id: int,
    suggestion_ids: Sequence[int],
    *,
    final_url: str,
    own_headlines: Sequence[str] = (),
    own_descriptions: Sequence[str] = (),
    user: User | AnonymousUser | None,
) -> tuple[Ad, list[int]]:
    """An ad group's first responsive search ad, from its pending headlines and descriptions among
    ``suggestion_ids`` (in the order suggested), then the marketer's own lines where the model wrote too few (at
    least 3 headlines and 2 descriptions in all; at most 15 and 4), and ``final_url``, created paused (a draft the
    marketer enables on the platform once checked); those suggestions are approved, by ``user``, as approving any
    ad text is. Returns the ad and the approved suggestions' ids.

    Raises:
        AdGroup.DoesNotExist: the ad group is not ``organization``'s.
        SuggestionError: the ad group already has an ad, too few lines are chosen, or the shared validator
            refuses the ad (texts, final URL); nothing is created then.
    """
    from campaigns.exporters.validation import ad_findings
    from ml.ad_rules import normalise_for_duplicates

    group = (
        AdGroup.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=ad_group_id, campaign__organization=organization)
    )
    if Ad.objects.filter(ad_group=group).exclude(status=CampaignStatus.REMOVED).exists():
        raise SuggestionError(_("%(name)s already has an ad: its approved text joins that ad.") % {"name": group.name})
    chosen: dict[str, list[Suggestion]] = {kind: [] for kind in AD_TEXT_FIELDS}
    seen: set[str] = set()
    for suggestion in (
        Suggestion.objects.select_for_update()
        .filter(
            organization=organization,
            ad_group=group,
            pk__in=list(suggestion_ids),
            status=SuggestionStatus.PENDING,
            kind__in=list(AD_TEXT_FIELDS),
        )
        .order_by("pk")
    ):
        key = normalise_for_duplicates(suggestion.text)
        if key not in seen and len(chosen[suggestion.kind]) < AD_TEXT_FIELDS[suggestion.kind][1]:
            seen.add(key)
            chosen[suggestion.kind].append(suggestion)
    texts = {kind: [" ".join(s.text.split()) for s in chosen[kind]] for kind in AD_TEXT_FIELDS}
    for kind, own in ((SuggestionKind.HEADLINE, own_headlines), (SuggestionKind.DESCRIPTION, own_descriptions)):
        for line in (" ".join(line.split()) for line in own):
            if line and normalise_for_duplicates(line) not in seen:
                seen.add(normalise_for_duplicates(line))
                texts[kind].append(line)
        if len(texts[kind]) > AD_TEXT_FIELDS[kind][1]:
            too_many = (
                _("An ad has at most %(most)d headlines; %(count)d are given.")
                if kind == SuggestionKind.HEADLINE
                else _("An ad has at most %(most)d descriptions; %(count)d are given.")
            )
            raise SuggestionError(too_many % {"most": AD_TEXT_FIELDS[kind][1], "count": len(texts[kind])})
    headlines, descriptions = texts[SuggestionKind.HEADLINE], texts[SuggestionKind.DESCRIPTION]
    if len(headlines) < NEW_AD_HEADLINES or len(descriptions) < NEW_AD_DESCRIPTIONS:
        raise SuggestionError(
            _(
                "%(name)s has no ad yet: its ad needs at least %(headlines)d headlines and %(descriptions)d "
                "descriptions, selected or written below (%(chosen_headlines)d and %(chosen_descriptions)d are given)."
            )
            % {
                "name": group.name,
                "headlines": NEW_AD_HEADLINES,
                "descriptions": NEW_AD_DESCRIPTIONS,
                "chosen_headlines": len(headlines),
                "chosen_descriptions": len(descriptions),
            }
        )
    if not final_url:
        raise SuggestionError(
            _("%(name)s has no ad yet: give the final URL (the page its ad leads to) to create its ad.")
            % {"name": group.name}
        )
    ad = Ad(
        ad_group=group,
        headlines=[{"text": text, "pin": None} for text in headlines],
        descriptions=[{"text": text, "pin": None} for text in descriptions],
        final_url=final_url,
        status=CampaignStatus.PAUSED,
    )
    findings = ad_findings(
        ad.headlines, ad.descriptions, "", "", final_url, group.campaign.platform, organization.blocked_terms
    )
    if findings:
        raise SuggestionError("; ".join(finding.detail for finding in findings))
    ad.save()
    approved = [suggestion.pk for kind in AD_TEXT_FIELDS for suggestion in chosen[kind]]
    for suggestion_id in approved:  # the text is in the ad: each decision records who approved it, and when
        decide(suggestion_id, approve=True, user=user)
    return ad, approved


def _add_keyword(suggestion: Suggestion, *, negative: bool) -> Keyword:
    fields = {
        "organization_id": suggestion.organization_id,
        "text": " ".join(suggestion.text.split()),
        "match_type": suggestion.match_type or "exact",
        "negative": negative,
    }
    level = suggestion.level or KeywordLevel.AD_GROUP
    if level == KeywordLevel.SHARED_LIST:
        shared, _created = NegativeKeywordList.objects.get_or_create(
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
