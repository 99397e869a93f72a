"""Helpers for the delivery tests: a hand-moved clock, the host's receiving endpoint, Standard Webhooks
verification, and views of the outbox. (Importable from the tests: conftest.py puts this directory on
``sys.path``.)"""

from __future__ import annotations

import collections
import datetime as dt
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import standardwebhooks.webhooks
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from standardwebhooks import Webhook
from werkzeug import Request, Response

from sharewise.adapters.delivery.relay import Relay
from sharewise.core import outbox
from sharewise.core.store.schema import outbox as outbox_table
from sharewise.core.store.store import Store

CORE = "information-sharing-decision"
HOST = "case-system"
HOOK_PATH = "/hook"


class Clock:
    """A clock the tests move by hand (time travel instead of sleeping). Starts at the real time, so a
    receiver checking webhook timestamps against its own clock accepts the first deliveries."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta | None = None, **parts: float) -> dt.datetime:
        self.now += delta if delta is not None else dt.timedelta(**parts)
        return self.now

    def to(self, when: dt.datetime) -> dt.datetime:
        """Move forward to ``when`` (never back)."""
        self.now = max(self.now, when)
        return self.now


@dataclass(frozen=True)
class Received:
    """One request the host received, with the test clock's reading when it arrived."""

    body: bytes
    headers: dict[str, str]
    at: dt.datetime
    path: str

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """The host's webhook endpoint on pytest-httpserver: records every request; answers as ``respond``
    says (204 by default)."""

    def __init__(self, server: HTTPServer, clock: Callable[[], dt.datetime], path: str = HOOK_PATH) -> None:
        self.server = server
        self.clock = clock
        self.path = path
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.respond: Callable[[Received], Response] = lambda _: Response(status=204)
        server.expect_request(path, method="POST").respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for(self.path)

    def _handle(self, request: Request) -> Response:
        headers = {key.lower(): value for key, value in request.headers.items()}
        received = Received(request.get_data(), headers, self.clock(), request.path)
        with self.lock:
            self.received.append(received)
        return self.respond(received)

    def answer(self, status: int, headers: dict[str, str] | None = None, body: str = "") -> None:
        """Answer every request with this status from now on."""
        self.respond = lambda _: Response(body, status=status, headers=headers or {})

    def by_webhook_id(self) -> collections.Counter[str]:
        with self.lock:
            return collections.Counter(r.webhook_id for r in self.received)

    def by_record(self) -> dict[str, list[Received]]:
        """JSON deliveries grouped by the record id in the body."""
        grouped: dict[str, list[Received]] = collections.defaultdict(list)
        with self.lock:
            for received in self.received:
                grouped[received.json()["id"]].append(received)
        return dict(grouped)


class _Frozen(dt.datetime):
    moment: dt.datetime

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> Any:  # type: ignore[override]
        return cls.moment.astimezone(tz) if tz else cls.moment


def verify(secret: str, received: Received, *, at: dt.datetime | None = None) -> None:
    """Verify a delivery's Standard Webhooks signature with ``standardwebhooks.Webhook(secret).verify``,
    as a receiver whose clock reads ``at`` would (default: the test clock when the request arrived; the
    package checks the timestamp is within 5 minutes of that). Raises ``WebhookVerificationError``."""
    frozen = type("Frozen", (_Frozen,), {"moment": at or received.at})
    with mock.patch.object(standardwebhooks.webhooks, "datetime", frozen):
        Webhook(secret).verify(received.body, received.headers, json_parse=False)


def rows(store: Store, host: str | None = None) -> list[outbox.Delivery]:
    """Every outbox row, oldest first."""
    return sorted(outbox.listing(store, host=host, limit=10_000), key=lambda d: d.id)


def leases(store: Store) -> dict[int, tuple[str | None, dt.datetime | None]]:
    """``{row id: (lease owner, lease until)}``."""
    query = select(outbox_table.c.id, outbox_table.c.lease_owner, outbox_table.c.lease_until)
    with store.reading() as connection:
        return {row.id: (row.lease_owner, row.lease_until) for row in connection.execute(query)}


def deliver_until_settled(relay: Relay, clock: Clock, store: Store, *, passes: int = 200) -> int:
    """Run the relay, moving the clock to each next attempt, until no row is pending (bounded).
    Returns how many passes it took."""
    pending: list[outbox.Delivery] = []
    for done in range(1, passes + 1):
        relay.run_once()
        pending = [d for d in rows(store) if d.state == outbox.PENDING]
        if not pending:
            return done
        clock.to(min(d.next_attempt_at for d in pending) + dt.timedelta(seconds=1))
    raise AssertionError(f"still pending after {passes} relay passes: {pending}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def delivered_entries(store: Store, record_id: str | None = None) -> list[Any]:
    """The "delivered" audit entries (of one record, or all)."""
    return [entry for entry in store.audit_entries(record_id=record_id) if entry.action == "delivered"]
