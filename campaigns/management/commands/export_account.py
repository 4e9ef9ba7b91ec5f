from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from campaigns.exporters import google_ads_api
from campaigns.exporters.google_editor import export_google_editor
from campaigns.exporters.microsoft_bulk import export_microsoft_bulk
from campaigns.management.organizations import organization_from_option


class Command(BaseCommand):
    help = "Export an organization's account: Google Ads Editor CSV, Microsoft bulk file or Google Ads API payloads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument("--format", required=True, choices=["google-editor", "microsoft-bulk", "google-ads"])
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--campaign", type=int, action="append", help="only these campaign ids (repeatable)")
        parser.add_argument("--customer-id", default="0", help="Google Ads customer id for the payloads' names")

    def handle(self, *args: object, **options: object) -> None:
        organization = organization_from_option(options["org"])
        campaigns = options["campaign"]
        if options["format"] == "google-editor":
            content, account = export_google_editor(organization, campaigns)  # type: ignore[arg-type]
        elif options["format"] == "microsoft-bulk":
            content, account = export_microsoft_bulk(organization, campaigns)  # type: ignore[arg-type]
        else:
            request, account = google_ads_api.build_request(organization, str(options["customer_id"]),
                                                            campaigns)  # type: ignore[arg-type]
            content = json.dumps(google_ads_api.as_json(request), ensure_ascii=False, indent=2).encode()
        Path(str(options["output"])).write_bytes(content)
        for problem in account.problems:
            self.stderr.write(f"left out: {problem.item}: {problem.rule}: {problem.detail}")
        self.stdout.write(f"Wrote {options['output']}: {len(account.campaigns)} campaigns, "
                          f"{len(account.problems)} items left out.")
