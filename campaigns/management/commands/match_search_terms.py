from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from campaigns.management.organizations import organization_from_option
from campaigns.services.matching import match_search_terms


class Command(BaseCommand):
    help = "Match an organization's search terms to its ad groups and refresh negative / new-ad-group suggestions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_option(options["org"])
        result = match_search_terms(organization)
        threshold = "uncalibrated" if result.threshold is None else f"{result.threshold:.3f}"
        self.stdout.write(
            f"{result.terms} search terms matched ({result.in_scope} in scope, threshold {threshold}): "
            f"{result.negatives} negative and {result.clusters} new-ad-group suggestions"
        )
        if result.not_search or result.excluded:
            self.stdout.write(
                f"Left out: {result.not_search} terms of non-search campaigns (Performance Max, "
                "Display ...: ad-group matching and negatives apply to search campaigns only), "
                f"{result.excluded} terms already excluded as negatives."
            )
