"""Totals and rates of one campaign, its ad groups and their keywords over the account's latest period of data."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum

from campaigns.models import AdGroup, Campaign, DailyMetric, MetricLevel, Organization
from ml.arithmetic import Summary, summarize

Period = tuple[date, date]
# The sums behind every total of the account's arithmetic (ml.arithmetic.summarize takes exactly these).
METRIC_SUMS = {"impressions": Sum("impressions", default=0), "clicks": Sum("clicks", default=0),
         "cost_micros": Sum("cost_micros", default=0), "conversions": Sum("conversions", default=0.0),
         "conversion_value_micros": Sum("conversion_value_micros", default=0)}


def latest_period(organization: Organization, days: int = 30) -> Period | None:
    """The last ``days`` days that end on the organization's newest campaign data (as the dashboard's)."""
    end = (DailyMetric.objects.filter(organization=organization, level=MetricLevel.CAMPAIGN)
           .order_by("-date").values_list("date", flat=True).first())
    return None if end is None else (end - timedelta(days=days - 1), end)


def _summary(row: dict) -> Summary:
    return summarize(**{name: row[name] for name in METRIC_SUMS})


def campaign_totals(campaign: Campaign, period: Period) -> Summary:
    rows = DailyMetric.objects.filter(campaign=campaign, level=MetricLevel.CAMPAIGN, date__range=period)
    return _summary(rows.aggregate(**METRIC_SUMS))


def ad_group_totals(campaign: Campaign, period: Period) -> dict[int, Summary]:
    """Per ad group: its own ad-group rows where the reports have them, else the sum of its keywords' rows."""
    rows = (DailyMetric.objects.filter(campaign=campaign, level__in=(MetricLevel.AD_GROUP, MetricLevel.KEYWORD),
                                       date__range=period)
            .values("ad_group_id", "level").annotate(**METRIC_SUMS).order_by())
    by_level: dict[str, dict[int, Summary]] = {MetricLevel.AD_GROUP: {}, MetricLevel.KEYWORD: {}}
    for row in rows:
        by_level[row["level"]][row["ad_group_id"]] = _summary(row)
    return by_level[MetricLevel.KEYWORD] | by_level[MetricLevel.AD_GROUP]


def keyword_totals(ad_group: AdGroup, period: Period) -> dict[int, Summary]:
    rows = (DailyMetric.objects.filter(ad_group=ad_group, level=MetricLevel.KEYWORD, date__range=period)
            .values("keyword_id").annotate(**METRIC_SUMS).order_by())
    return {row["keyword_id"]: _summary(row) for row in rows}
