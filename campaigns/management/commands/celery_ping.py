from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.models import Organization
from campaigns.services.demo import DEMO_SLUG
from campaigns.tasks import ping, summarize_organization


class Command(BaseCommand):
    help = "Send tasks through the broker to a running worker and print what comes back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        timeout = options["timeout"]
        try:
            self.stdout.write(f"ping -> {ping.delay('hello').get(timeout=timeout)}")
            organization = Organization.objects.filter(slug=DEMO_SLUG).first() or Organization.objects.first()
            if organization:
                summary = summarize_organization.delay(organization.pk).get(timeout=timeout)
                self.stdout.write(
                    f"summary of {summary['organization']}: {summary.get('clicks')} clicks, "
                    f"{summary.get('conversions')} conversions, cost {summary.get('cost_micros')} micros "
                    f"({summary.get('date_from')} to {summary.get('date_to')})"
                )
        except Exception as exc:  # a timeout or a broker error: say so plainly
            raise CommandError(
                f"no answer from a worker within {timeout} s ({type(exc).__name__}: {exc}); is `make run` running?"
            ) from None
