"""Performance data imported from the platforms' reports."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from campaigns.models.organizations import Organization
from campaigns.models.structure import Ad, AdGroup, Campaign, Keyword, Platform


class MetricLevel(models.TextChoices):
    CAMPAIGN = "campaign", gettext_lazy("Campaign")
    AD_GROUP = "ad_group", gettext_lazy("Ad group")
    KEYWORD = "keyword", gettext_lazy("Keyword")
    AD = "ad", gettext_lazy("Ad")


class ReportKind(models.TextChoices):
    SEARCH_TERMS = "search_terms", gettext_lazy("Search terms report")
    CAMPAIGN = "campaign", gettext_lazy("Campaign performance report")
    AD_GROUP = "ad_group", gettext_lazy("Ad group performance report")
    KEYWORD = "keyword", gettext_lazy("Keyword performance report")


class ReportImport(models.Model):
    """One report file that landed, whole: the record of what it replaced."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="imports")
    platform = models.CharField(max_length=12, choices=Platform.choices)
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    date_from = models.DateField()
    date_to = models.DateField()
    # False for a report downloaded without a Day segment: its rows are one period, date_from to date_to.
    segmented_by_day = models.BooleanField(default=True)
    # The file's own "Total: ..." lines, by label: {"Other search terms": {"cost_micros": ..., ...}}
    totals = models.JSONField(default=dict, blank=True)
    # Figures the file has no column for ("conversions", "conversion_value"): unknown, though stored as 0.
    unknown_columns = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    # not columns: the Imports page sets them (campaigns.services.import_history)
    in_use: bool
    replaced_by: ReportImport | None

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_from}–{self.date_to} ({self.rows} rows)"


def in_span(start: date, end: date) -> Q:
    """Rows of days in [start, end] and period rows wholly inside it.

    An import keeps the rows of one campaign and level from overlapping in time (a new file replaces every row it
    overlaps), so summing what this selects never counts a day twice, whether it came daily or in a period.
    """
    return Q(date__gte=start) & (Q(date_to__isnull=True, date__lte=end) | Q(date_to__lte=end))


DAYS_ONLY = Q(date_to__isnull=True)  # per-day series (charts, the bandit's history) never see period rows


def overlapping(start: date, end: date) -> Q:
    """Rows, daily or period, that share at least one day with [start, end]: what a new import replaces."""
    return Q(date__lte=end) & (Q(date_to__isnull=True, date__gte=start) | Q(date_to__gte=start))


class _Counters(models.Model):
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    cost_micros = models.BigIntegerField(default=0)
    # Conversions can be fractional (data-driven attribution); they are counts, not money.
    conversions = models.FloatField(default=0.0)
    conversion_value_micros = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    @classmethod
    def counter_constraints(cls, prefix: str) -> list[models.CheckConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(
                    impressions__gte=0,
                    clicks__gte=0,
                    cost_micros__gte=0,
                    conversions__gte=0,
                    conversion_value_micros__gte=0,
                ),
                name=f"{prefix}_counters_non_negative",
            )
        ]


class DailyMetric(_Counters):
    """One day of one campaign, ad group, keyword or ad (``level`` says which); with ``date_to``, one period
    (``date`` to ``date_to``) from a report downloaded without a Day segment."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="daily_metrics")
    date = models.DateField()
    date_to = models.DateField(null=True, blank=True, help_text="last day of a period row; empty for one day")
    level = models.CharField(max_length=10, choices=MetricLevel.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="daily_metrics")
    ad_group = models.ForeignKey(AdGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="daily_metrics")
    keyword = models.ForeignKey(Keyword, null=True, blank=True, on_delete=models.CASCADE, related_name="daily_metrics")
    ad = models.ForeignKey(Ad, null=True, blank=True, on_delete=models.CASCADE, related_name="daily_metrics")
    report_import = models.ForeignKey(ReportImport, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["date"]
        indexes = [models.Index(fields=["organization", "level", "date"], name="dailymetric_org_level_date")]
        constraints = [
            *_Counters.counter_constraints("dailymetric"),
            models.CheckConstraint(
                condition=(
                    Q(level=MetricLevel.CAMPAIGN, ad_group=None, keyword=None, ad=None)
                    | Q(level=MetricLevel.AD_GROUP, ad_group__isnull=False, keyword=None, ad=None)
                    | Q(level=MetricLevel.KEYWORD, ad_group__isnull=False, keyword__isnull=False, ad=None)
                    | Q(level=MetricLevel.AD, ad_group__isnull=False, keyword=None, ad__isnull=False)
                ),
                name="dailymetric_level_matches_parent",
            ),
            models.UniqueConstraint(
                fields=["campaign", "date"], condition=Q(level=MetricLevel.CAMPAIGN), name="dailymetric_unique_campaign"
            ),
            models.UniqueConstraint(
                fields=["ad_group", "date"], condition=Q(level=MetricLevel.AD_GROUP), name="dailymetric_unique_ad_group"
            ),
            models.UniqueConstraint(
                fields=["keyword", "date"], condition=Q(level=MetricLevel.KEYWORD), name="dailymetric_unique_keyword"
            ),
            models.UniqueConstraint(
                fields=["ad", "date"], condition=Q(level=MetricLevel.AD), name="dailymetric_unique_ad"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.campaign_id} {self.date}"


class SearchTerm(models.Model):
    """A query people typed that triggered an ad in an ad group; metrics per day in SearchTermDaily."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="search_terms")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="search_terms")
    # Empty for a Performance Max term: those campaigns have no ad groups, so their terms belong to the campaign.
    # No index of its own: the unique (ad_group, text) index starts with it.
    ad_group = models.ForeignKey(
        AdGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="search_terms", db_index=False
    )
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["text"]
        constraints = [
            models.UniqueConstraint(fields=["ad_group", "text"], name="searchterm_unique_in_ad_group"),
            models.UniqueConstraint(
                fields=["campaign", "text"], condition=Q(ad_group__isnull=True), name="searchterm_unique_in_campaign"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def campaign_level(self) -> bool:
        """A Performance Max term: no ad group, so no keyword can be added beside it nor routed to it."""
        return self.ad_group_id is None


class SearchTermDaily(_Counters):
    """One day of a search term, as triggered by one keyword with one match type."""

    # The search-term rows are the one table of millions of rows, written only by the importer, whose ids all
    # come from joins with their parents in the same transaction; deletes go through Django, which cascades and
    # nulls them itself. So no foreign key here is a database constraint: checking four per row (PostgreSQL
    # queues each check until the commit) cost more than the rest of a million-row import together. And only
    # the report import has an index of its own: the unique row key starts with search_term, the (campaign,
    # date) index with campaign, and keyword's index (below) holds only the rows that have one.
    search_term = models.ForeignKey(
        SearchTerm, on_delete=models.CASCADE, related_name="daily", db_index=False, db_constraint=False
    )
    # Denormalised so that replacing a date range of a campaign is one indexed delete.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    date = models.DateField()
    date_to = models.DateField(null=True, blank=True, help_text="last day of a period row; empty for one day")
    keyword = models.ForeignKey(
        Keyword, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False, db_constraint=False
    )
    keyword_text = models.CharField(max_length=255, blank=True, default="")
    # The search term's match type: exact, exact_cv (close variant), phrase, phrase_cv, broad, pmax, ai_max ...
    match_type = models.CharField(max_length=24, blank=True, default="")
    keyword_match_type = models.CharField(max_length=6, blank=True, default="")
    # "Excluded" in the report: the term is already a negative and is never proposed as one again.
    excluded = models.BooleanField(default=False)
    report_import = models.ForeignKey(
        ReportImport, null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["campaign", "date"], name="searchtermdaily_campaign_date"),
            models.Index(fields=["keyword"], condition=Q(keyword__isnull=False), name="searchtermdaily_keyword"),
        ]
        constraints = [
            *_Counters.counter_constraints("searchtermdaily"),
            models.UniqueConstraint(
                fields=["search_term", "date", "keyword_text", "keyword_match_type", "match_type"],
                name="searchtermdaily_unique_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.search_term_id} {self.date}"
