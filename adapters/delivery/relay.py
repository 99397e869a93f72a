"""The relay: claims due outbox rows, delivers each (webhook or file drop), records the outcome —
delivered (with a "delivered" audit entry), retried with backoff, or dead-lettered.

Run in-process by ``sharewise serve``, or as ``sharewise worker`` processes (several on PostgreSQL).
Each attempt is counted (``sharewise_deliveries_total``) and logged with the record id, the host's
name and the webhook's host name — never the webhook URL, which may carry a token.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from sharewise.adapters.delivery.filedrop import drop
from sharewise.adapters.delivery.webhook import Attempt, post, signed_headers
from sharewise.adapters.exports.formats import MEDIA_TYPES, FormLookup, render
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.adapters.observability.metrics import DEAD_LETTERED, DELIVERED, FAILED, GONE, Metrics
from sharewise.core import outbox
from sharewise.core.engine import Engine
from sharewise.core.hosts import Host, HostNotFound, HostRegistry
from sharewise.core.record import Record
from sharewise.core.store import Store, audit
from sharewise.core.store.store import RecordNotFound
from sharewise.core.submission import utcnow

log = logging.getLogger("sharewise.relay")


def payload(record: Record, format_name: str, forms: FormLookup) -> bytes:
    """The body delivered for a record (compact JSON, or the host's chosen format)."""
    if format_name == "json":
        return json.dumps(record_to_json(record), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return render(record, format_name, forms)


def webhook_host(url: str | None) -> str | None:
    """The host name of a webhook URL, for logs (the URL itself may hold a token in its path or query)."""
    try:
        return urlsplit(url or "").hostname
    except ValueError:
        return None


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
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.hosts = HostRegistry(store)
        self.forms = FormLookup(engine)
        self.client = client or httpx.Client()
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.lease = lease
        self.metrics = metrics

    def run_once(self, limit: int = 20) -> int:
        """Claim and attempt up to ``limit`` due deliveries; return how many were attempted."""
        claimed = outbox.claim(self.store, owner=self.owner, now=self.clock(), limit=limit, lease=self.lease)
        for delivery in claimed:
            if not outbox.still_held(self.store, delivery, owner=self.owner, now=self.clock()):
                continue  # the lease ran out while earlier rows were slow: another relay may have it now
            try:
                self._attempt(delivery)
            except Exception as exc:  # one bad row must never hold up the others
                state = outbox.failed(
                    self.store, delivery, owner=self.owner, status=None, error=f"{type(exc).__name__}", now=self.clock()
                )
                outcome = DEAD_LETTERED if state == outbox.DEAD else FAILED
                self._outcome(delivery, outcome, "delivery attempt failed unexpectedly", error=type(exc).__name__)
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
            self._outcome(delivery, DEAD_LETTERED, "cannot deliver: dead-lettered", error=type(exc).__name__)
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
            self._outcome(delivery, DELIVERED, f"delivered to host {host.name}", host=host, status=result.status)
        elif result.gone:
            with self.store.writing() as connection:
                outbox.dead_letter(connection, delivery, owner=self.owner, status=result.status, error=result.error or "gone")
                self.hosts.disable_webhook(connection, host.name, now)
            self._outcome(
                delivery, GONE, f"webhook of host {host.name} answered 410 Gone: disabled", host=host, status=result.status
            )
        else:
            state = outbox.failed(
                self.store,
                delivery,
                owner=self.owner,
                status=result.status,
                error=result.error or "failed",
                now=now,
                retry_after=result.retry_after,
            )
            dead = state == outbox.DEAD
            message = f"delivery to host {host.name} failed" + (": dead-lettered after the last attempt" if dead else "")
            self._outcome(
                delivery, DEAD_LETTERED if dead else FAILED, message, host=host, status=result.status, error=result.error
            )

    def _outcome(
        self,
        delivery: outbox.Delivery,
        outcome: str,
        message: str,
        *,
        host: Host | None = None,
        status: int | None = None,
        error: str | None = None,
    ) -> None:
        """Count an attempt and log it: record id, host name, target, the webhook's host name (never its URL)."""
        if self.metrics is not None:
            self.metrics.deliveries.labels(delivery.host, delivery.target, outcome).inc()
        extra: dict[str, Any] = {
            "record_id": delivery.record_id,
            "host": delivery.host,
            "target": delivery.target,
            "attempt": delivery.attempts + 1,
            "outcome": outcome,
            "status": status,
            "error": error,
        }
        if host is not None and delivery.target == "webhook":
            extra["webhook_host"] = webhook_host(host.webhook_url)
        log.log(logging.INFO if outcome == DELIVERED else logging.WARNING, message, extra=extra)

    def _send(self, delivery: outbox.Delivery, record: Record, host: Host, now: dt.datetime) -> Attempt:
        body = payload(record, host.webhook_format, self.forms)
        if delivery.target == "drop":
            try:
                drop(host.drop_dir or "", record.id, body, host.webhook_format)
            except OSError as exc:
                return Attempt(False, None, f"file drop failed: {exc.strerror or type(exc).__name__}")
            return Attempt(True, None)
        headers = signed_headers(host.signing_secrets(now), delivery.webhook_id, body, MEDIA_TYPES[host.webhook_format], now)
        return post(self.client, host.webhook_url or "", body, headers, now)
