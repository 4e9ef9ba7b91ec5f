from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.models import Campaign
from campaigns.services.generating import generate_for_campaign


class Command(BaseCommand):
    help = "Generate keyword, headline and description suggestions for a campaign's ad groups (local LLM)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, required=True, help="campaign id")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"no campaign with id {options['campaign']}")
        summary = generate_for_campaign(campaign)
        self.stdout.write(
            f"{campaign.name}: {summary.ad_groups} ad groups, {summary.keywords} keywords, "
            f"{summary.headlines} headlines and {summary.descriptions} descriptions suggested"
        )
        for name, reason in summary.refused.items():
            self.stdout.write(f"Refused for {name}: {reason}")
