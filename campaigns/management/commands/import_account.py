from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.management.organizations import organization_from_option
from campaigns.services.account_import import AccountImportError, import_account


class Command(BaseCommand):
    help = "Import an account from a Google Ads Editor CSV export or a Microsoft Advertising bulk file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--org", required=True, help="the organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_option(options["org"])
        try:
            result = import_account(organization, str(options["path"]))
        except AccountImportError as exc:
            raise CommandError(f"{options['path']}: {exc} (nothing was imported)") from None
        except FileNotFoundError:
            raise CommandError(f"{options['path']}: no such file") from None
        self.stdout.write(
            f"Imported a {result.platform} account: {result.campaigns} campaigns, {result.ad_groups} "
            f"ad groups, {result.keywords} keywords, {result.ads} ads, {result.shared_lists} negative "
            f"lists ({result.created} new items)."
        )
        if result.skipped:
            listed = ", ".join(f"{count} {entity}" for entity, count in result.skipped.items())
            self.stdout.write(f"Skipped rows of types this product does not model: {listed}.")
