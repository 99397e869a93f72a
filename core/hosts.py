"""Host systems: the tenants of the bridge. Each has an API key (shown once, stored as a hash), a
webhook secret for signing deliveries (Standard Webhooks ``whsec_…``), the origins allowed to embed
its forms, and where its records go (a webhook, a drop directory, or neither: it pulls the feed)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update

from sharewise.core.errors import InvalidInput, SharewiseError
from sharewise.core.store.schema import hosts
from sharewise.core.store.store import Store

NAME = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
KEY_PREFIX = "sw_"
WEBHOOK_FORMATS = ("json", "xml", "fhir-json", "fhir-xml")


class HostNotFound(SharewiseError, LookupError):
    """No host system by that name."""


@dataclass(frozen=True)
class Host:
    """A host system, without its secrets' hashes."""

    name: str
    origins: tuple[str, ...]
    webhook_url: str | None
    webhook_format: str
    webhook_secret: str
    webhook_disabled_at: dt.datetime | None
    drop_dir: str | None
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """As JSON (the webhook secret is never included)."""
        return {
            "name": self.name,
            "origins": list(self.origins),
            "webhook_url": self.webhook_url,
            "webhook_format": self.webhook_format,
            "webhook_disabled": self.webhook_disabled_at is not None,
            "drop_dir": self.drop_dir,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Credentials:
    """What ``hosts add`` shows once: the API key and the webhook secret."""

    name: str
    api_key: str
    webhook_secret: str

    def to_dict(self) -> dict[str, str]:
        """``{"name", "api_key", "webhook_secret"}``."""
        return {"name": self.name, "api_key": self.api_key, "webhook_secret": self.webhook_secret}


def key_hash(api_key: str) -> str:
    """The stored form of an API key (sha256: keys are 256-bit random, so no slow hash is needed)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def new_api_key() -> str:
    """A fresh API key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _origin(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidInput(f"origin {text!r} must be a scheme and host such as https://cases.example.org")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _url(text: str | None, what: str) -> str | None:
    if text is None:
        return None
    try:
        parts = urlsplit(text.strip())
        port = parts.port  # raises ValueError for a port that is not a number
        hostname = parts.hostname or ""
        hostname.encode("idna")
    except (ValueError, UnicodeError):
        port, hostname, parts = None, "", urlsplit("")
    if parts.scheme not in ("https", "http") or not hostname or (port is not None and not 0 < port < 65536):
        raise InvalidInput(f"{what} {text!r} must be an http(s) URL with a valid host and port")
    return text.strip()


class HostRegistry:
    """Adding, finding and authenticating host systems."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        name: str,
        *,
        origins: Sequence[str],
        webhook_url: str | None = None,
        webhook_format: str = "json",
        drop_dir: str | None = None,
        now: dt.datetime,
    ) -> Credentials:
        """Register a host; return its API key and webhook secret (shown this once)."""
        if not NAME.match(name):
            raise InvalidInput(f"host name {name!r} must be 2–64 lower-case letters, digits or hyphens, starting with a letter")
        if not origins:
            raise InvalidInput("give at least one --origin: the web address the host's pages are served from")
        if webhook_format not in WEBHOOK_FORMATS:
            raise InvalidInput(f"webhook format must be one of {', '.join(WEBHOOK_FORMATS)}")
        credentials = Credentials(name, new_api_key(), new_webhook_secret())
        with self.store.writing() as connection:
            if connection.execute(select(hosts.c.name).where(hosts.c.name == name)).first() is not None:
                raise InvalidInput(f"a host called {name!r} already exists (use hosts rotate-key to issue a new key)")
            connection.execute(
                hosts.insert().values(
                    name=name,
                    origins=sorted({_origin(o) for o in origins}),
                    webhook_url=_url(webhook_url, "webhook"),
                    webhook_format=webhook_format,
                    webhook_secret=credentials.webhook_secret,
                    drop_dir=drop_dir,
                    api_key_hash=key_hash(credentials.api_key),
                    created_at=now,
                )
            )
        return credentials

    def rotate_key(self, name: str, *, now: dt.datetime) -> Credentials:
        """Issue a new API key (the old one stops working at once); the webhook secret is unchanged."""
        api_key = new_api_key()
        with self.store.writing() as connection:
            host = self._get(connection, name)
            connection.execute(
                update(hosts).where(hosts.c.name == name).values(api_key_hash=key_hash(api_key), key_rotated_at=now)
            )
        return Credentials(name, api_key, host.webhook_secret)

    def configure(self, name: str, *, origins: Sequence[str], webhook_url: str | None) -> None:
        """Change where a host's pages are served from and where its records are delivered."""
        if not origins:
            raise InvalidInput("give at least one origin: the web address the host's pages are served from")
        with self.store.writing() as connection:
            self._get(connection, name)
            connection.execute(
                update(hosts)
                .where(hosts.c.name == name)
                .values(origins=sorted({_origin(o) for o in origins}), webhook_url=_url(webhook_url, "webhook"))
            )

    def rotate_webhook_secret(self, name: str) -> str:
        """Issue a new webhook secret (every delivery from now on is signed with it) and return it. Deliveries
        the host refuses while it still checks the old secret are retried with backoff, so none is lost."""
        secret = new_webhook_secret()
        with self.store.writing() as connection:
            self._get(connection, name)
            connection.execute(update(hosts).where(hosts.c.name == name).values(webhook_secret=secret))
        return secret

    def enable_webhook(self, name: str) -> None:
        """Re-enable a webhook that answered 410 Gone."""
        with self.store.writing() as connection:
            self._get(connection, name)
            connection.execute(update(hosts).where(hosts.c.name == name).values(webhook_disabled_at=None))

    def disable_webhook(self, connection: Any, name: str, now: dt.datetime) -> None:
        """Stop delivering to a host's webhook (it answered 410 Gone)."""
        connection.execute(update(hosts).where(hosts.c.name == name).values(webhook_disabled_at=now))

    def list(self) -> list[Host]:
        """Every host, by name."""
        with self.store.reading() as connection:
            return [_host(row) for row in connection.execute(select(hosts).order_by(hosts.c.name))]

    def get(self, name: str) -> Host:
        """One host by name."""
        with self.store.reading() as connection:
            return self._get(connection, name)

    def authenticate(self, api_key: str) -> Host | None:
        """The host this API key belongs to, or ``None``."""
        if not api_key.startswith(KEY_PREFIX):
            return None
        digest = key_hash(api_key)
        with self.store.reading() as connection:
            row = connection.execute(select(hosts).where(hosts.c.api_key_hash == digest)).first()
        if row is None or not hmac.compare_digest(row.api_key_hash, digest):
            return None
        return _host(row)

    @staticmethod
    def _get(connection: Any, name: str) -> Host:
        row = connection.execute(select(hosts).where(hosts.c.name == name)).first()
        if row is None:
            raise HostNotFound(f"no host called {name!r}")
        return _host(row)


def _host(row: Any) -> Host:
    return Host(
        name=row.name,
        origins=tuple(row.origins),
        webhook_url=row.webhook_url,
        webhook_format=row.webhook_format,
        webhook_secret=row.webhook_secret,
        webhook_disabled_at=row.webhook_disabled_at,
        drop_dir=row.drop_dir,
        created_at=row.created_at,
    )
