"""Reading the ad platforms' report files (polars, streamed in chunks, validated before anything is written)."""

from campaigns.reports.errors import ReportError
from campaigns.reports.reader import ReportReader

__all__ = ["ReportError", "ReportReader"]
