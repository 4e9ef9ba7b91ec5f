"""Totals and rates of one campaign, its ad groups and their keywords over the account's latest period of data."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum
from django.db.models.functions import Coalesce

from campaigns.models import AdGroup, Campaign, DailyMetric, MetricLevel, Organization, in_span
from ml.arithmetic import Summary, summarize

Period = tuple[date, date]
# The sums behind every total of the account's arithmetic (ml.arithmetic.summarize takes exactly these).
METRIC_SUMS = {
    "impressions": Sum("impressions", default=0),
    "clicks": Sum("clicks", default=0),
    "cost_micros": Sum("cost_micros", default=0),
    "conversions": Sum("conversions", default=0.0),
    "conversion_value_micros": Sum("conversion_value_micros", default=0),
}


def latest_period(organization: Organization, days: int = 30) -> Period | None:
    """The last ``days`` days that end on the organization's newest campaign data (as the dashboard's); when that
    data is a period (a report without days), the period whole, however long."""
    newest = (
        DailyMetric.objects.filter(organization=organization, level=MetricLevel.CAMPAIGN)
        .annotate(last=Coalesce("date_to", "date"))
        .order_by("-last", "date")
        .values_list("date", "last")
        .first()
    )
    if newest is None:
        return None
    first, end = newest
    return min(first, end - timedelta(days=days - 1)), end


def _summary(row: dict) -> Summary:
    return summarize(**{name: row[name] for name in METRIC_SUMS})


def campaign_totals(campaign: Campaign, period: Period) -> Summary:
    rows = DailyMetric.objects.filter(in_span(*period), campaign=campaign, level=MetricLevel.CAMPAIGN)
    return _summary(rows.aggregate(**METRIC_SUMS))


def ad_group_totals(campaign: Campaign, period: Period) -> dict[int, Summary]:
    """Per ad group: its own ad-group rows where the reports have them, else the sum of its keywords' rows."""
    rows = (
        DailyMetric.objects.filter(
            in_span(*period), campaign=campaign, level__in=(MetricLevel.AD_GROUP, MetricLevel.KEYWORD)
        )
        .values("ad_group_id", "level")
        .annotate(**METRIC_SUMS)
        .order_by()
    )
    by_level: dict[str, dict[int, Summary]] = {MetricLevel.AD_GROUP: {}, MetricLevel.KEYWORD: {}}
    for row in rows:
        by_level[row["level"]][row["ad_group_id"]] = _summary(row)
    return by_level[MetricLevel.KEYWORD] | by_level[MetricLevel.AD_GROUP]


def keyword_totals(ad_group: AdGroup, period: Period) -> dict[int, Summary]:
    rows = (
        DailyMetric.objects.filter(in_span(*period), ad_group=ad_group, level=MetricLevel.KEYWORD)
        .values("keyword_id")
        .annotate(**METRIC_SUMS)
        .order_by()
    )
    return {row["keyword_id"]: _summary(row) for row in rows}


def campaigns_totals(organization: Organization, period: Period) -> dict[int, Summary]:
    """Per campaign of the organization: its own campaign rows."""
    rows = (
        DailyMetric.objects.filter(in_span(*period), organization=organization, level=MetricLevel.CAMPAIGN)
        .values("campaign_id")
        .annotate(**METRIC_SUMS)
        .order_by()
    )
    return {row["campaign_id"]: _summary(row) for row in rows}
