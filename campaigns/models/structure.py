"""Account structure: campaigns, ad groups, keywords (and negatives), responsive search ads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual, Range
from django.utils.translation import gettext_lazy, pgettext_lazy

from campaigns.models.expressions import JSONArrayLength
from campaigns.models.organizations import Organization

if TYPE_CHECKING:
    from ml.arithmetic import Summary

KEYWORD_MAX_CHARS = 80
KEYWORD_MAX_WORDS = 10
PATH_MAX_CHARS = 15
# Words separated by single spaces, no leading/trailing space, at most KEYWORD_MAX_WORDS of them.
KEYWORD_WORDS_REGEX = rf"^[^ ]+( [^ ]+){{0,{KEYWORD_MAX_WORDS - 1}}}$"


class Platform(models.TextChoices):
    GOOGLE = "google", "Google Ads"
    MICROSOFT = "microsoft", "Microsoft Advertising"


class CampaignStatus(models.TextChoices):
    ENABLED = "enabled", gettext_lazy("Enabled")
    PAUSED = "paused", gettext_lazy("Paused")
    REMOVED = "removed", gettext_lazy("Removed")


class CampaignType(models.TextChoices):
    SEARCH = "search", pgettext_lazy("campaign type", "Search")
    PERFORMANCE_MAX = "performance_max", "Performance Max"
    DISPLAY = "display", pgettext_lazy("campaign type", "Display")
    VIDEO = "video", pgettext_lazy("campaign type", "Video")
    DEMAND_GEN = "demand_gen", "Demand Gen"
    SHOPPING = "shopping", pgettext_lazy("campaign type", "Shopping")
    SMART = "smart", pgettext_lazy("campaign type", "Smart")
    OTHER = "other", pgettext_lazy("campaign type", "Other")


class BudgetType(models.TextChoices):
    DAILY = "daily", gettext_lazy("Daily")
    CAMPAIGN_TOTAL = "campaign_total", gettext_lazy("Campaign total")


class MatchType(models.TextChoices):
    EXACT = "exact", gettext_lazy("Exact")
    PHRASE = "phrase", gettext_lazy("Phrase")
    BROAD = "broad", gettext_lazy("Broad")


class KeywordLevel(models.TextChoices):
    AD_GROUP = "ad_group", gettext_lazy("Ad group")
    CAMPAIGN = "campaign", gettext_lazy("Campaign")
    SHARED_LIST = "shared_list", gettext_lazy("Shared negative list")


class Campaign(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="campaigns")
    platform = models.CharField(max_length=12, choices=Platform.choices)
    external_id = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ENABLED)
    language = models.CharField(max_length=2, default="es", help_text="ISO 639-1 code of the ads' language")
    currency = models.CharField(max_length=3, default="EUR")
    campaign_type = models.CharField(max_length=16, choices=CampaignType.choices, default=CampaignType.SEARCH)
    daily_budget_micros = models.BigIntegerField(default=0)
    # A "Campaign total" budget is spent over the campaign's life, never per day: it is kept here, and the daily
    # budget stays 0 ("unknown"), so that no rule reads it as a daily amount.
    budget_type = models.CharField(max_length=16, choices=BudgetType.choices, default=BudgetType.DAILY)
    total_budget_micros = models.BigIntegerField(null=True, blank=True)
    # The name of a budget that several campaigns share on the platform (Google's shared library, Microsoft's
    # shared budgets); empty for the campaign's own budget. A shared budget is never one campaign's to move.
    shared_budget_name = models.CharField(max_length=255, blank=True, default="")
    monthly_cap_micros = models.BigIntegerField(null=True, blank=True)
    floor_micros = models.BigIntegerField(default=0, help_text="lowest automated budget (exploration, minimum)")
    ceiling_micros = models.BigIntegerField(null=True, blank=True, help_text="highest automated budget")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    totals: Summary | None  # not a column: the campaign list sets it for its template

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "platform", "name"], name="campaign_unique_name"),
            models.UniqueConstraint(
                fields=["organization", "platform", "external_id"],
                condition=~Q(external_id=""),
                name="campaign_unique_external_id",
            ),
            models.CheckConstraint(condition=Q(platform__in=Platform.values), name="campaign_platform_valid"),
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"),
            models.CheckConstraint(condition=Q(daily_budget_micros__gte=0), name="campaign_budget_non_negative"),
            models.CheckConstraint(
                condition=Q(monthly_cap_micros__isnull=True) | Q(monthly_cap_micros__gte=0),
                name="campaign_cap_non_negative",
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="campaign_currency_iso"),
            models.CheckConstraint(
                condition=Q(floor_micros__gte=0)
                & (Q(ceiling_micros__isnull=True) | Q(ceiling_micros__gte=F("floor_micros"))),
                name="campaign_floor_ceiling",
            ),
            models.CheckConstraint(condition=Q(language__regex=r"^[a-z]{2}$"), name="campaign_language_iso"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_is_shared(self) -> bool:
        return bool(self.shared_budget_name)


class AdGroup(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ad_groups")
    external_id = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ENABLED)
    max_cpc_micros = models.BigIntegerField(null=True, blank=True)

    # not columns: the campaign page sets them for its template
    totals: Summary | None
    keyword_count: int

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="adgroup_unique_name"),
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="adgroup_status_valid"),
            models.CheckConstraint(
                condition=Q(max_cpc_micros__isnull=True) | Q(max_cpc_micros__gte=0), name="adgroup_cpc_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class NegativeKeywordList(models.Model):
    """A shared negative keyword list (Google "shared set", Microsoft "negative keyword list")."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="negative_lists")
    name = models.CharField(max_length=255)
    campaigns = models.ManyToManyField(Campaign, blank=True, related_name="negative_lists")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="negativelist_unique_name")]

    def __str__(self) -> str:
        return self.name


class Keyword(models.Model):
    """A keyword or a negative keyword, at ad group, campaign or shared-list level."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="keywords")
    level = models.CharField(max_length=12, choices=KeywordLevel.choices, default=KeywordLevel.AD_GROUP)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="keywords")
    ad_group = models.ForeignKey(AdGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="keywords")
    shared_list = models.ForeignKey(
        NegativeKeywordList, null=True, blank=True, on_delete=models.CASCADE, related_name="keywords"
    )
    external_id = models.CharField(max_length=64, blank=True, default="")
    text = models.CharField(max_length=KEYWORD_MAX_CHARS)
    match_type = models.CharField(max_length=6, choices=MatchType.choices)
    negative = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ENABLED)
    max_cpc_micros = models.BigIntegerField(null=True, blank=True)

    totals: Summary | None  # not a column: the ad group page sets it for its template

    class Meta:
        ordering = ["text"]
        constraints = [
            models.CheckConstraint(condition=Q(match_type__in=MatchType.values), name="keyword_match_type_valid"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), KEYWORD_MAX_CHARS), name="keyword_text_max_chars"
            ),
            models.CheckConstraint(condition=Q(text__regex=KEYWORD_WORDS_REGEX), name="keyword_text_max_words"),
            models.CheckConstraint(
                condition=(
                    Q(level=KeywordLevel.AD_GROUP, ad_group__isnull=False, campaign__isnull=False, shared_list=None)
                    | Q(level=KeywordLevel.CAMPAIGN, ad_group=None, campaign__isnull=False, shared_list=None)
                    | Q(level=KeywordLevel.SHARED_LIST, ad_group=None, campaign=None, shared_list__isnull=False)
                ),
                name="keyword_level_matches_parent",
            ),
            # Only ad groups hold positive keywords; campaigns and shared lists hold negatives.
            models.CheckConstraint(
                condition=Q(level=KeywordLevel.AD_GROUP) | Q(negative=True), name="keyword_positive_in_ad_group"
            ),
            models.UniqueConstraint(
                Lower("text"),
                "match_type",
                "negative",
                "ad_group",
                condition=Q(level=KeywordLevel.AD_GROUP),
                name="keyword_unique_in_ad_group",
            ),
            models.UniqueConstraint(
                Lower("text"),
                "match_type",
                "campaign",
                condition=Q(level=KeywordLevel.CAMPAIGN),
                name="keyword_unique_in_campaign",
            ),
            models.UniqueConstraint(
                Lower("text"),
                "match_type",
                "shared_list",
                condition=Q(level=KeywordLevel.SHARED_LIST),
                name="keyword_unique_in_shared_list",
            ),
        ]

    def __str__(self) -> str:
        text = {"exact": f"[{self.text}]", "phrase": f'"{self.text}"'}.get(self.match_type, self.text)
        return f"-{text}" if self.negative else text

    def save(self, *args, **kwargs) -> None:
        # Platforms treat runs of spaces as one; storing the normal form keeps the uniqueness rules honest.
        self.text = " ".join(self.text.split())
        super().save(*args, **kwargs)


class Ad(models.Model):
    """A responsive search ad.

    ``headlines`` is a list of ``{"text": str, "pin": 1|2|3|None}``; ``descriptions`` a list of
    ``{"text": str, "pin": 1|2|None}``. Counts are checked by the database; texts by the shared validator.
    """

    ad_group = models.ForeignKey(AdGroup, on_delete=models.CASCADE, related_name="ads")
    external_id = models.CharField(max_length=64, blank=True, default="")
    headlines = models.JSONField(default=list)
    descriptions = models.JSONField(default=list)
    path1 = models.CharField(max_length=PATH_MAX_CHARS, blank=True, default="")
    path2 = models.CharField(max_length=PATH_MAX_CHARS, blank=True, default="")
    final_url = models.URLField(max_length=2048)
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ENABLED)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Range(JSONArrayLength("headlines"), (3, 15)), name="ad_headlines_3_15"),
            models.CheckConstraint(
                condition=Range(JSONArrayLength("descriptions"), (2, 4)), name="ad_descriptions_2_4"
            ),
            models.CheckConstraint(condition=LessThanOrEqual(Length("path1"), PATH_MAX_CHARS), name="ad_path1_max"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("path2"), PATH_MAX_CHARS), name="ad_path2_max"),
            # A second path needs a first one, as on both platforms.
            models.CheckConstraint(condition=Q(path2="") | ~Q(path1=""), name="ad_path2_needs_path1"),
            models.CheckConstraint(condition=~Q(final_url=""), name="ad_final_url_required"),
        ]

    def __str__(self) -> str:
        first = self.headlines[0]["text"] if self.headlines else "(no headline)"
        return f"RSA: {first}"

    @property
    def headline_texts(self) -> list[str]:
        return [item["text"] for item in self.headlines]

    @property
    def description_texts(self) -> list[str]:
        return [item["text"] for item in self.descriptions]
