from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.exporters import google_ads_api
from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.management.organizations import organization_from_option
from campaigns.models import Organization
from campaigns.services.credentials import CredentialError
from campaigns.services.google_ads_sending import SendError, send_google_ads


class Command(BaseCommand):
    help = "Export an organization's account: Google Ads Editor CSV, Microsoft bulk file or Google Ads API payloads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument("--format", choices=["google-editor", "microsoft-bulk", "google-ads"])
        parser.add_argument("-o", "--output", help="the file to write")
        parser.add_argument("--campaign", type=int, action="append", help="only these campaign ids (repeatable)")
        parser.add_argument("--customer-id", default="0", help="Google Ads customer id for the payloads' names")
        parser.add_argument(
            "--send",
            action="store_true",
            help="send the Google Ads API request with the stored "
            "credentials instead of writing a file: a dry run (validate_only) unless --for-real",
        )
        parser.add_argument("--for-real", action="store_true", help="with --send: apply the changes on Google")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_option(options["org"])
        campaigns = options["campaign"]
        if options["send"]:
            return self.send(organization, campaigns, for_real=bool(options["for_real"]))
        if options["for_real"] or not options["format"] or not options["output"]:
            raise CommandError("give --format and -o to write a file, or --send [--for-real] to send to Google Ads")
        if options["format"] == "google-editor":
            content, account = export_google_editor(organization, campaigns)
        elif options["format"] == "microsoft-bulk":
            content, account = export_microsoft_bulk(organization, campaigns)
        else:
            request, account = google_ads_api.build_request(organization, str(options["customer_id"]), campaigns)
            content = json.dumps(google_ads_api.as_json(request), ensure_ascii=False, indent=2).encode()
        Path(str(options["output"])).write_bytes(content)
        for problem in account.problems:
            self.stderr.write(f"left out: {problem.item}: {problem.rule}: {problem.detail}")
        self.stdout.write(
            f"Wrote {options['output']}: {len(account.campaigns)} campaigns, {len(account.problems)} items left out."
        )

    def send(self, organization: Organization, campaigns: list[int] | None, *, for_real: bool) -> None:
        try:
            result = send_google_ads(organization, validate_only=not for_real, campaign_ids=campaigns)
        except SendError as exc:
            raise CommandError("; ".join([str(exc), *exc.platform_errors])) from None
        except CredentialError as exc:
            raise CommandError(str(exc)) from None
        for problem in result.problems:
            self.stderr.write(f"left out: {problem['item']}: {problem['rule']}: {problem['detail']}")
        what = "applied" if result.sent and not result.validate_only else "dry run"
        self.stdout.write(
            f"Google Ads ({what}): {result.operations} operations, {len(result.results)} results, "
            f"{len(result.problems)} items left out: {result.detail}."
        )
