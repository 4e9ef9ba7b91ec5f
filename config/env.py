"""Strict readers for settings that come from the environment.

A malformed value stops start-up with ImproperlyConfigured naming the variable, instead of silently
falling back to a default that would, say, run production on a SQLite file.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from dj_database_url import DBConfig

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str:
    """The variable's value, or the default; a variable required (no default) and unset is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set in the environment")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value


def env_list(name: str, default: list[str] | None) -> list[str]:
    """A comma-separated list; with no default the variable is required."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set in the environment (a comma-separated list)")
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r} has an empty entry: give a comma-separated list")
    for item in items:
        if any(ch.isspace() for ch in item):
            raise ImproperlyConfigured(f"{name}={raw!r}: {item!r} contains whitespace")
    return items


def secret_key(default: str | None) -> str:
    """SECRET_KEY, or the contents of the file SECRET_KEY_FILE names (a mounted secret); never both."""
    value, path = os.environ.get("SECRET_KEY"), os.environ.get("SECRET_KEY_FILE")
    if value and path:
        raise ImproperlyConfigured("SECRET_KEY and SECRET_KEY_FILE are both set: set only one")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE={path!r} cannot be read: {exc.strerror}") from None
        if not value:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE={path!r} is empty")
        return value
    if value:
        return value
    if default is None:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment (or SECRET_KEY_FILE naming a file)")
    return default


_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def credentials_keys(name: str, default: str | None) -> list[tuple[str, bytes]]:
    """``key_id:base64-of-32-bytes`` entries, comma-separated: the first encrypts, all of them decrypt.

    Errors name the entry by position and key id, never by its key material.
    """
    raw = env_str(name, default)
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(raw.split(","), start=1):
        key_id, colon, encoded = entry.strip().partition(":")
        where = f"{name}: entry {position}"
        if not colon or not _KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(f"{where} is not KEY_ID:BASE64 (KEY_ID: 1-64 of A-Z a-z 0-9 _ . -)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ImproperlyConfigured(f"{where} ({key_id!r}) is not valid base64") from None
        if len(key) != 32:
            raise ImproperlyConfigured(f"{where} ({key_id!r}) is {len(key)} bytes; AES-256 needs 32")
        if key_id in {existing for existing, _ in keys}:
            raise ImproperlyConfigured(f"{where}: key id {key_id!r} appears twice")
        keys.append((key_id, key))
    return keys


def database_config(name: str, default: str) -> DBConfig:
    """Django's DATABASES entry from a URL; only SQLite and PostgreSQL are supported."""
    import dj_database_url

    url = env_str(name, default)
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}={_redact(url)!r}: unsupported scheme {scheme!r}; use postgres://USER:PASS@HOST:PORT/NAME "
            "or sqlite:///PATH"
        )
    try:
        config = dj_database_url.parse(url)
    except Exception as exc:  # dj_database_url raises ValueError and friends for bad ports, etc.
        raise ImproperlyConfigured(f"{name}={_redact(url)!r} is not a valid database URL: {exc}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={_redact(url)!r} names no database (add /NAME at the end)")
    return config


BROKER_SCHEMES = {"redis", "rediss", "amqp", "amqps", "pyamqp", "filesystem", "memory"}


def broker_url(name: str, default: str) -> str:
    url = env_str(name, default)
    scheme = urlsplit(url).scheme
    if scheme not in BROKER_SCHEMES:
        raise ImproperlyConfigured(
            f"{name}={_redact(url)!r}: unsupported scheme {scheme!r}; use one of {', '.join(sorted(BROKER_SCHEMES))}"
        )
    try:
        urlsplit(url).port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={_redact(url)!r} is not a valid URL: {exc}") from None
    return url


def worker_metrics_addr(name: str, default: str, *, refuse_all_interfaces: bool) -> str:
    """An IP address to bind to; with ``refuse_all_interfaces``, not the wildcard (0.0.0.0 or ::)."""
    value = env_str(name, default)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an IP address") from None
    if refuse_all_interfaces and address.is_unspecified:
        raise ImproperlyConfigured(
            f"{name}={value!r} would serve the worker's metrics, which have no token, on every interface: bind an "
            "internal address, or set WORKER_METRICS_ALL_INTERFACES=1 if only a private network reaches the port"
        )
    return value


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
