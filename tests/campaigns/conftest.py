"""Fixtures of the campaigns tests: the ad platforms' network edge, replaced."""

from tests.campaigns.google_ads_edge import google_ads_edge  # noqa: F401 (a fixture)
