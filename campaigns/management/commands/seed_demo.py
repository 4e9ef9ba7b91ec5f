from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from campaigns.services.demo import DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create or reset the demo organization (idempotent: the same data for the same seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = seed_demo(seed=options["seed"], days=options["days"])
        counts = {
            "campaigns": organization.campaigns.count(),
            "search terms": organization.search_terms.count(),
            "daily metric rows": organization.daily_metrics.count(),
        }
        self.stdout.write(
            f"Demo organization {organization.name!r} ready: "
            + ", ".join(f"{value} {name}" for name, value in counts.items())
        )
        username, password, _ = DEMO_USERS[0]
        self.stdout.write(f"Sign in as {username} / {password}")
