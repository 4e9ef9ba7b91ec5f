"""What the tool proposes for the marketer's approval: keywords, ad text, negatives, new ad groups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from campaigns.models.metrics import SearchTerm
from campaigns.models.organizations import Organization
from campaigns.models.structure import AdGroup, Campaign, KeywordLevel, MatchType, NegativeKeywordList


class SuggestionKind(models.TextChoices):
    KEYWORD = "keyword", gettext_lazy("Keyword")
    HEADLINE = "headline", gettext_lazy("Headline")
    DESCRIPTION = "description", gettext_lazy("Description")
    NEGATIVE = "negative", gettext_lazy("Negative keyword")
    AD_GROUP = "ad_group", gettext_lazy("New ad group")


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    APPROVED = "approved", gettext_lazy("Approved")
    REJECTED = "rejected", gettext_lazy("Rejected")


class Suggestion(models.Model):
    """One proposal, with the evidence behind it in ``evidence`` (JSON) and what produced it in ``source``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=12, choices=SuggestionKind.choices)
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    ad_group = models.ForeignKey(AdGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    shared_list = models.ForeignKey(
        NegativeKeywordList, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=12, choices=KeywordLevel.choices, blank=True, default="")
    text = models.CharField(max_length=255)
    match_type = models.CharField(max_length=6, choices=MatchType.choices, blank=True, default="")
    evidence = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=100, help_text="what produced it: matcher/embedder or model/prompt version")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        "campaigns.GenerationJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["organization", "kind", "status"], name="suggestion_org_kind_status")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SuggestionKind.values), name="suggestion_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"),
            models.CheckConstraint(
                condition=~Q(kind=SuggestionKind.NEGATIVE) | ~Q(match_type=MatchType.BROAD),
                name="suggestion_negative_not_broad",  # Microsoft Advertising accepts no broad negatives
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


class SearchTermMatch(models.Model):
    """The ad group whose intent a search term expresses (None: out of scope), from the embedding matcher."""

    search_term = models.OneToOneField(SearchTerm, on_delete=models.CASCADE, related_name="match")
    ad_group = models.ForeignKey(AdGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    nearest_ad_group = models.ForeignKey(AdGroup, on_delete=models.CASCADE, related_name="+")
    keyword_text = models.CharField(max_length=255, blank=True, default="")
    score = models.FloatField()
    threshold = models.FloatField()
    source = models.CharField(max_length=100)
    matched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.search_term_id} -> {self.ad_group_id} ({self.score:.2f})"

    @property
    def in_scope(self) -> bool:
        return self.ad_group_id is not None
