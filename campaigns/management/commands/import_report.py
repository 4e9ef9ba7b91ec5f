from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.management.organizations import organization_from_option
from campaigns.reports import ReportError
from campaigns.services.importing import import_report


class Command(BaseCommand):
    help = "Import a Google Ads or Microsoft Advertising report file (search terms, campaign, ad group, keyword)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the report file as downloaded (CSV, or Excel CSV in UTF-16)")
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument("--decimal", choices=[",", "."], help="decimal mark of the numbers (default: detected)")
        parser.add_argument("--platform", choices=["google", "microsoft"], help="default: detected from the header")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_option(options["org"])
        try:
            result = import_report(
                organization, options["path"], decimal=options["decimal"], platform=options["platform"]
            )
        except ReportError as exc:
            raise CommandError(f"{options['path']}: {exc} (nothing was imported)") from None
        except FileNotFoundError:
            raise CommandError(f"{options['path']}: no such file") from None
        self.stdout.write(
            f"Imported {result.rows} rows of a {result.platform} {result.kind.replace('_', ' ')} report, "
            f"{result.date_from} to {result.date_to}: {result.campaigns_created} campaigns, "
            f"{result.ad_groups_created} ad groups and {result.keywords_created} keywords created, "
            f"{result.rows_replaced} earlier rows replaced."
        )
