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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select, update

from sharewise.core.errors import InvalidInput, SharewiseError
from sharewise.core.store.schema import hosts
from sharewise.core.store.store import Store

_BY_KEY_HASH = select(hosts).where(hosts.c.api_key_hash == bindparam("digest"))
NAME = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
KEY_PREFIX = "sw_"
WEBHOOK_FORMATS = ("json", "xml", "fhir-json", "fhir-xml")
#: How long a rotated-out webhook secret still signs deliveries, unless the rotation says otherwise.
DEFAULT_SECRET_OVERLAP = dt.timedelta(hours=24)
#: The longest overlap a rotation may ask for.
MAX_SECRET_OVERLAP = dt.timedelta(days=30)


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
    previous_webhook_secret: str | None = None
    previous_secret_until: dt.datetime | None = None

    def signing_secrets(self, now: dt.datetime) -> tuple[str, ...]:
        """The secrets a delivery made at ``now`` is signed with: the current one, and the previous one
        while a rotation's overlap lasts."""
        if self.previous_webhook_secret and self.previous_secret_until is not None and now < self.previous_secret_until:
            return (self.webhook_secret, self.previous_webhook_secret)
        return (self.webhook_secret,)

    def to_dict(self) -> dict[str, Any]:
        """As JSON. The webhook secrets are never included; ``signing_overlap_until`` says until when the
        previous one still signs deliveries (``None`` without an overlap; past once it has ended)."""
        return {
            "name": self.name,
            "origins": list(self.origins),
            "webhook_url": self.webhook_url,
            "webhook_format": self.webhook_format,
            "webhook_disabled": self.webhook_disabled_at is not None,
            "drop_dir": self.drop_dir,
            "created_at": self.created_at.isoformat(),
            "signing_overlap_until": self.previous_secret_until.isoformat() if self.previous_secret_until else None,
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
    """The stored form of an API key or a launch code (sha256: both are 256-bit random, so no slow hash
    is needed)."""
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


class RecentKeys:
    """Hosts authenticated in the last few seconds, by API key hash: a server then reads the database
    once per key every ``seconds`` rather than on every request. Changing a host through any
    ``HostRegistry`` of this process forgets them all at once; a change made by another process (the
    command line beside a server) takes effect there within ``seconds``."""

    LIMIT = 1000  # more keys than any deployment's hosts: past it, start again

    def __init__(self) -> None:
        self._hosts: dict[tuple[str, str], tuple[Host, float]] = {}

    def get(self, url: str, digest: str, seconds: float) -> Host | None:
        """The host of this key hash, if authenticated less than ``seconds`` ago."""
        found = self._hosts.get((url, digest))
        return found[0] if found is not None and time.monotonic() - found[1] < seconds else None

    def keep(self, url: str, digest: str, host: Host) -> None:
        """Remember a successful authentication."""
        if len(self._hosts) >= self.LIMIT:
            self._hosts.clear()
        self._hosts[(url, digest)] = (host, time.monotonic())

    def forget(self) -> None:
        """Forget every authentication (a host was changed)."""
        self._hosts.clear()


#: One per process, shared by every ``HostRegistry`` in it.
RECENT_KEYS = RecentKeys()


class HostRegistry:
    """Adding, finding and authenticating host systems.

    ``key_cache_seconds`` (the bridge: ``SHAREWISE_AUTH_CACHE_SECONDS``) lets ``authenticate`` answer
    from ``RECENT_KEYS``; 0, the default, reads the database every time.
    """

    def __init__(self, store: Store, *, key_cache_seconds: float = 0) -> None:
        self.store = store
        self.key_cache_seconds = key_cache_seconds

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
        RECENT_KEYS.forget()
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
        RECENT_KEYS.forget()

    def rotate_webhook_secret(self, name: str, *, now: dt.datetime, overlap: dt.timedelta = DEFAULT_SECRET_OVERLAP) -> str:
        """Issue a new webhook secret and return it. Every delivery from now on is signed with it and, until
        ``now + overlap``, with the secret it replaces too, so a host that still checks the old one accepts
        them while it switches (a zero overlap: the old secret stops at once — for a secret that leaked).
        Only the secret replaced now overlaps: one still overlapping from an earlier rotation stops."""
        if not dt.timedelta(0) <= overlap <= MAX_SECRET_OVERLAP:
            raise InvalidInput(f"the overlap must be between 0 and {MAX_SECRET_OVERLAP.days * 24} hours")
        secret = new_webhook_secret()
        keep = overlap > dt.timedelta(0)
        with self.store.writing() as connection:
            self._get(connection, name)
            connection.execute(  # the secret replaced is read by the UPDATE itself: two rotations at once lose none
                update(hosts)
                .where(hosts.c.name == name)
                .values(
                    webhook_secret=secret,
                    previous_webhook_secret=hosts.c.webhook_secret if keep else None,
                    previous_secret_until=now + overlap if keep else None,
                )
            )
        RECENT_KEYS.forget()
        return secret

    def enable_webhook(self, name: str) -> None:
        """Re-enable a webhook that answered 410 Gone."""
        with self.store.writing() as connection:
            self._get(connection, name)
            connection.execute(update(hosts).where(hosts.c.name == name).values(webhook_disabled_at=None))
        RECENT_KEYS.forget()

    def disable_webhook(self, connection: Any, name: str, now: dt.datetime) -> None:
        """Stop delivering to a host's webhook (it answered 410 Gone)."""
        connection.execute(update(hosts).where(hosts.c.name == name).values(webhook_disabled_at=now))
        RECENT_KEYS.forget()

    def list(self) -> list[Host]:
        """Every host, by name."""
        with self.store.reading() as connection:
            return [_host(row) for row in connection.execute(select(hosts).order_by(hosts.c.name))]

    def get(self, name: str) -> Host:
        """One host by name."""
        with self.store.reading_one() as connection:
            return self._get(connection, name)

    def authenticate(self, api_key: str) -> Host | None:
        """The host this API key belongs to, or ``None``."""
        if not api_key.startswith(KEY_PREFIX):
            return None
        digest = key_hash(api_key)
        if self.key_cache_seconds > 0 and (recent := RECENT_KEYS.get(self.store.url, digest, self.key_cache_seconds)):
            return recent
        with self.store.reading_one() as connection:
            row = connection.execute(_BY_KEY_HASH, {"digest": digest}).first()
        if row is None or not hmac.compare_digest(row.api_key_hash, digest):
            return None
        host = _host(row)
        if self.key_cache_seconds > 0:
            RECENT_KEYS.keep(self.store.url, digest, host)
        return host

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
        previous_webhook_secret=row.previous_webhook_secret,
        previous_secret_until=row.previous_secret_until,
    )
