from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campaigns.services.credentials import CredentialError, rotate_credentials_key


class Command(BaseCommand):
    help = (
        "Re-encrypt every platform credential under the first key of CREDENTIALS_KEYS "
        "(after putting a new key first; drop the old key afterwards)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = rotate_credentials_key()
        except CredentialError as exc:
            raise CommandError(f"{exc}; nothing was changed") from None
        current = settings.CREDENTIALS_KEYS[0][0]
        self.stdout.write(f"Re-encrypted {count} credential(s) under key {current!r}.")
