"""Launch codes: a host starts a form in the context of a case; the URL it gets carries an opaque,
single-use code (no personal data) that expires in minutes. The first use starts a session bound to
that host and context; any later use is refused."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from sharewise.core.errors import SharewiseError
from sharewise.core.hosts import key_hash
from sharewise.core.store.schema import launch_codes
from sharewise.core.store.store import Store

DEFAULT_TTL = dt.timedelta(minutes=5)
#: The used launch a session was started from, by its stored key (read on every page of the form).
_SESSION_LAUNCH = select(launch_codes).where(launch_codes.c.code_hash == bindparam("key"), launch_codes.c.used_at.is_not(None))


class LaunchRefused(SharewiseError):
    """The code is unknown, already used, or expired."""


@dataclass(frozen=True)
class Launch:
    """What a launch code opens: a form, for a host, in a case context."""

    host: str
    form_id: str
    context: Mapping[str, Any]
    key: str


def issue(
    store: Store, *, host: str, form_id: str, context: Mapping[str, Any], now: dt.datetime, ttl: dt.timedelta = DEFAULT_TTL
) -> tuple[str, dt.datetime]:
    """A new launch code and when it expires (only its hash is stored; expired codes are removed)."""
    code = secrets.token_urlsafe(32)
    expires = now + ttl
    with store.writing() as connection:
        connection.execute(delete(launch_codes).where(launch_codes.c.expires_at < now - dt.timedelta(days=1)))
        connection.execute(
            launch_codes.insert(),
            [
                {
                    "code_hash": key_hash(code),
                    "host": host,
                    "form_id": form_id,
                    "context": dict(context),
                    "created_at": now,
                    "expires_at": expires,
                }
            ],
        )
    return code, expires


def redeem(store: Store, code: str, *, now: dt.datetime) -> Launch:
    """Use a code once: return what it launches, or raise ``LaunchRefused``."""
    digest = key_hash(code)
    with store.writing() as connection:
        used = connection.execute(
            update(launch_codes)
            .where(launch_codes.c.code_hash == digest, launch_codes.c.used_at.is_(None), launch_codes.c.expires_at > now)
            .values(used_at=now)
        ).rowcount
        row = connection.execute(select(launch_codes).where(launch_codes.c.code_hash == digest)).first()
    if row is None:
        raise LaunchRefused("this link is not valid: ask your case system to open the form again")
    if not used:
        reason = "has already been used" if row.used_at is not None else "has expired"
        raise LaunchRefused(f"this link {reason}: ask your case system to open the form again")
    return Launch(row.host, row.form_id, row.context, digest)


def resume(store: Store, key: str) -> Launch:
    """The launch a session was started from (by its stored key, never the code itself). The context
    stays on the server: a session cookie holds only this key."""
    with store.reading_one() as connection:
        row = connection.execute(_SESSION_LAUNCH, {"key": key}).first()
    if row is None:
        raise LaunchRefused("this session is no longer valid: open the form again from your case system")
    return Launch(row.host, row.form_id, row.context, key)
