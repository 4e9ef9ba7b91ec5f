from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.management.organizations import organization_from_option
from campaigns.models import CredentialPlatform
from campaigns.services.credentials import CredentialError, store_credentials


class Command(BaseCommand):
    help = "Store an organization's ad-platform credentials, encrypted, from a JSON object of strings ('-': stdin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization id or slug")
        parser.add_argument("--platform", required=True, choices=CredentialPlatform.values)
        parser.add_argument(
            "--from-json",
            required=True,
            metavar="FILE",
            help='a file holding {"name": "value", ...}, or - for standard input',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_from_option(options["org"])
        source = str(options["from_json"])
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {source}: {exc.strerror}") from None
        try:
            secrets = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{source} is not JSON: {exc}") from None
        try:
            row = store_credentials(organization, str(options["platform"]), secrets)
        except CredentialError as exc:
            raise CommandError(str(exc)) from None
        # Names only: the values never reach the terminal or the logs.
        self.stdout.write(
            f"Stored {row.platform} credentials of {organization.slug} under key {row.key_id!r} "
            f"({', '.join(sorted(secrets))})."
        )
