from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from campaigns.management.organizations import organization_from_option
from campaigns.services import rebalancing
from campaigns.templatetags.campaign_money import money


class Command(BaseCommand):
    help = "Propose (and with --apply, apply) today's budget plan of an organization; --dry-run writes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization id or slug")
        parser.add_argument("--date", help="plan date, YYYY-MM-DD (default: today)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="show the plan and roll it back")
        mode.add_argument("--apply", action="store_true", help="apply the plan now (under the invariants)")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_option(options["org"])
        try:
            plan_date = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD") from None
        with transaction.atomic():
            plan = rebalancing.propose(organization, plan_date)
            self._print(plan)
            if options["apply"]:
                try:
                    plan = rebalancing.apply(plan.pk)
                except rebalancing.RebalanceError as exc:  # show-only mode or a kill switch: nothing is saved
                    raise CommandError(f"Not applied: {exc}") from None
                self.stdout.write(f"Applied: {plan.changes.count()} changes recorded in the audit.")
            if options["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was saved.")

    def _print(self, plan) -> None:
        rows = [
            (
                item.campaign.name,
                money(item.before_micros),
                money(item.after_micros),
                f"{(item.after_micros / item.before_micros - 1) * 100:+.1f}%" if item.before_micros else "",
                "; ".join(item.reasons),
            )
            for item in plan.items.select_related("campaign")
        ]
        headers = ("campaign", "today", "plan", "change", "why")
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(4)]
        self.stdout.write(f"Budget plan for {plan.organization.name} on {plan.plan_date} ({plan.get_mode_display()})")
        for row in [headers, *rows]:
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
            )
        for note in plan.notes:
            self.stdout.write(f"Note: {note}")
        total = sum(item.after_micros for item in plan.items.all())
        self.stdout.write(f"Total {money(total)} of {money(plan.total_micros)} approved")
