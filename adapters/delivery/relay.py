"""The relay: claims due outbox rows, delivers each (webhook or file drop), records the outcome —
delivered (with a "delivered" audit entry), retried with backoff, or dead-lettered.

Run in-process by ``sharewise serve``, or as ``sharewise worker`` processes (several on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
from collections.abc import Callable

import httpx

from sharewise.adapters.delivery.filedrop import drop
from sharewise.adapters.delivery.webhook import Attempt, post, signed_headers
from sharewise.adapters.exports.formats import MEDIA_TYPES, FormLookup, render
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.core import outbox
from sharewise.core.engine import Engine
from sharewise.core.hosts import Host, HostNotFound, HostRegistry
from sharewise.core.record import Record
from sharewise.core.store import Store, audit
from sharewise.core.store.store import RecordNotFound

log = logging.getLogger("sharewise.relay")


def utcnow() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)


def payload(record: Record, format_name: str, forms: FormLookup) -> bytes:
    """The body delivered for a record (compact JSON, or the host's chosen format)."""
    if format_name == "json":
        return json.dumps(record_to_json(record), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return render(record, format_name, forms)


class Relay:
    """Delivers what the outbox holds."""

    def __init__(
        self,
        store: Store,
        engine: Engine,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        owner: str | None = None,
        lease: dt.timedelta = outbox.LEASE,
    ) -> None:
        self.store = store
        self.hosts = HostRegistry(store)
        self.forms = FormLookup(engine)
        self.client = client or httpx.Client()
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.lease = lease

    def run_once(self, limit: int = 20) -> int:
        """Claim and attempt up to ``limit`` due deliveries; return how many were attempted."""
        claimed = outbox.claim(self.store, owner=self.owner, now=self.clock(), limit=limit, lease=self.lease)
        for delivery in claimed:
            if not outbox.still_held(self.store, delivery, owner=self.owner, now=self.clock()):
                continue  # the lease ran out while earlier rows were slow: another relay may have it now
            try:
                self._attempt(delivery)
            except Exception as exc:  # one bad row must never hold up the others
                outbox.failed(
                    self.store, delivery, owner=self.owner, status=None, error=f"{type(exc).__name__}", now=self.clock()
                )
                log.warning("delivery attempt failed unexpectedly: %s", type(exc).__name__)
        return len(claimed)

    def run_until(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Keep delivering until ``stop`` is set; sleep ``interval`` seconds when nothing is due."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception as exc:  # keep the relay alive: a database blip must not stop deliveries for good
                log.warning("relay pass failed: %s", type(exc).__name__)
                busy = 0
            if not busy:
                stop.wait(interval)

    def _attempt(self, delivery: outbox.Delivery) -> None:
        now = self.clock()
        try:
            record = self.store.get(delivery.record_id)
            host = self.hosts.get(delivery.host)
        except (RecordNotFound, HostNotFound) as exc:
            with self.store.writing() as connection:
                outbox.dead_letter(connection, delivery, owner=self.owner, status=None, error=f"cannot deliver: {exc}")
            return
        if delivery.target == "webhook" and host.webhook_disabled_at is not None:
            outbox.release(self.store, delivery, owner=self.owner)
            return
        result = self._send(delivery, record, host, now)
        if result.ok:
            with self.store.writing() as connection:
                if outbox.succeeded(connection, delivery, owner=self.owner, status=result.status, now=now):
                    detail = {
                        "host": host.name,
                        "target": delivery.target,
                        "webhook_id": delivery.webhook_id,
                        "attempt": delivery.attempts + 1,
                    }
                    audit.append(connection, "delivered", record_id=record.id, actor=f"relay:{host.name}", detail=detail, at=now)
            log.info("delivered to host %s (%s)", host.name, delivery.target)
        elif result.gone:
            with self.store.writing() as connection:
                outbox.dead_letter(connection, delivery, owner=self.owner, status=result.status, error=result.error or "gone")
                self.hosts.disable_webhook(connection, host.name, now)
            log.warning("webhook of host %s answered 410 Gone: disabled", host.name)
        else:
            outbox.failed(
                self.store,
                delivery,
                owner=self.owner,
                status=result.status,
                error=result.error or "failed",
                now=now,
                retry_after=result.retry_after,
            )
            log.warning("delivery to host %s (%s) failed: %s", host.name, delivery.target, result.status or "no answer")

    def _send(self, delivery: outbox.Delivery, record: Record, host: Host, now: dt.datetime) -> Attempt:
        body = payload(record, host.webhook_format, self.forms)
        if delivery.target == "drop":
            try:
                drop(host.drop_dir or "", record.id, body, host.webhook_format)
            except OSError as exc:
                return Attempt(False, None, f"file drop failed: {exc.strerror or type(exc).__name__}")
            return Attempt(True, None)
        headers = signed_headers(host.webhook_secret, delivery.webhook_id, body, MEDIA_TYPES[host.webhook_format], now)
        return post(self.client, host.webhook_url or "", body, headers, now)
