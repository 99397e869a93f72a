"""Prometheus metrics, all named ``sharewise_*`` (docs/operations.md, "Logs and metrics").

Each bridge app and each ``sharewise worker`` owns a ``Metrics`` with a registry of its own (never
prometheus_client's global one, so nothing else — no ``process_*``, no ``python_*`` — is exposed,
and tests can build as many apps as they like). Counters count in the process that saw the event;
the outbox gauges are read from the database at each scrape, so they are right whichever process
delivers.

Several processes (gunicorn workers): when ``PROMETHEUS_MULTIPROC_DIR`` names an empty directory
before the processes start, prometheus_client keeps the counters in files there and a scrape of any
one process adds up all of them (its multiprocess mode).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from sharewise.core import outbox
from sharewise.core.errors import SharewiseError
from sharewise.core.store import Store

log = logging.getLogger("sharewise.metrics")
PREFIX = "sharewise_"
#: Methods counted by name; anything else is counted as ``OTHER`` (a label must not grow without bound).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: ``sharewise_submissions_total`` results.
CREATED, REPLAYED, REFUSED = "created", "replayed", "refused"
#: ``sharewise_deliveries_total`` outcomes.
DELIVERED, FAILED, DEAD_LETTERED, GONE = "delivered", "failed", "dead_lettered", "gone"


def multiprocess_dir() -> str | None:
    """The directory of prometheus_client's multiprocess mode, if this process runs in it (it is chosen
    when prometheus_client is first imported, from ``PROMETHEUS_MULTIPROC_DIR``)."""
    if values.ValueClass is values.MutexValue:
        return None
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class OutboxCollector(Collector):
    """The outbox backlog, read from the database when scraped: pending rows, dead letters, the delivery
    lag, and whether the database answered at all."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.clock = clock

    def describe(self) -> Iterable[Metric]:
        """The families (without reading the database: registering must not query it)."""
        return list(self._families(up=1))

    def collect(self) -> Iterable[Metric]:
        """The backlog now; only ``sharewise_database_up 0`` when the database cannot be read."""
        try:
            backlog = outbox.backlog(self.store)
        except Exception as exc:  # a scrape must answer, and say the database is down
            log.warning("metrics: the outbox could not be read: %s", type(exc).__name__)
            yield GaugeMetricFamily(f"{PREFIX}database_up", _HELP["database_up"], value=0)
            return
        lag = max((self.clock() - backlog.oldest_pending).total_seconds(), 0.0) if backlog.oldest_pending else 0.0
        yield from self._families(up=1, pending=backlog.pending, dead=backlog.dead, lag=lag)

    @staticmethod
    def _families(up: int, pending: int = 0, dead: int = 0, lag: float = 0.0) -> Iterator[Metric]:
        yield GaugeMetricFamily(f"{PREFIX}database_up", _HELP["database_up"], value=up)
        yield GaugeMetricFamily(f"{PREFIX}outbox_pending", _HELP["outbox_pending"], value=pending)
        yield GaugeMetricFamily(f"{PREFIX}outbox_dead_letters", _HELP["outbox_dead_letters"], value=dead)
        yield GaugeMetricFamily(f"{PREFIX}delivery_lag_seconds", _HELP["delivery_lag_seconds"], value=lag)


_HELP = {
    "database_up": "1 when the database answered this scrape, 0 when it did not.",
    "outbox_pending": "Deliveries waiting in the outbox (not yet delivered, not dead-lettered).",
    "outbox_dead_letters": "Deliveries dead-lettered and not replayed (sharewise deliveries list --dead).",
    "delivery_lag_seconds": "Seconds since the oldest waiting delivery was enqueued (0 when none waits).",
}


class Metrics:
    """The metric objects of one bridge app or one worker, on a registry of its own."""

    def __init__(self, live: Iterable[Collector] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.live = list(live)
        self.multiprocess = multiprocess_dir()
        registry = self.registry
        self.http_requests = Counter(
            f"{PREFIX}http_requests", "HTTP requests answered.", ["route", "method", "status"], registry=registry
        )
        self.http_duration = Histogram(
            f"{PREFIX}http_request_duration_seconds", "Time to answer an HTTP request.", ["route", "method"], registry=registry
        )
        self.submissions = Counter(
            f"{PREFIX}submissions", "Submissions (decisions and amendments) by result.", ["host", "result"], registry=registry
        )
        self.findings = Counter(
            f"{PREFIX}findings",
            "Findings reported, by rule, severity and source.",
            ["rule", "severity", "source"],
            registry=registry,
        )
        self.launches = Counter(f"{PREFIX}launches", "Launch codes issued to hosts.", ["host"], registry=registry)
        self.deliveries = Counter(
            f"{PREFIX}deliveries", "Delivery attempts by outcome.", ["host", "target", "outcome"], registry=registry
        )
        if self.multiprocess is None:
            for collector in self.live:
                registry.register(collector)

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered HTTP request."""
        method = method if method in METHODS else "OTHER"
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_duration.labels(route, method).observe(seconds)

    def count_findings(self, findings: Iterable[tuple[str, str]], source: str) -> None:
        """Count findings, given as ``(rule, severity)``, of a check (``source="check"``) or a submission
        (``"submission"``)."""
        for rule, severity in findings:
            self.findings.labels(rule, severity, source).inc()

    def scrape_registry(self) -> CollectorRegistry:
        """What a scrape reads: this registry; in multiprocess mode every process's files instead (this
        one's included), with the live database gauges."""
        if self.multiprocess is None:
            return self.registry
        registry = CollectorRegistry(auto_describe=True)
        MultiProcessCollector(registry, path=self.multiprocess)
        for collector in self.live:
            registry.register(collector)
        return registry

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition (Prometheus text, or OpenMetrics when the scraper asks for it) and its media type."""
        encoder, media_type = choose_encoder(accept or "")
        return encoder(self.scrape_registry()), media_type


def token_matches(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header is ``Bearer <token>`` (compared in constant time)."""
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


class MetricsConfigurationError(SharewiseError):
    """``SHAREWISE_METRICS_TOKEN`` is too short to protect anything."""


def checked_token(token: str | None) -> str | None:
    """A metrics token as configured: ``None`` when empty; refused when shorter than 16 characters."""
    token = (token or "").strip()
    if not token:
        return None
    if len(token) < 16:
        raise MetricsConfigurationError("SHAREWISE_METRICS_TOKEN must be at least 16 characters (use a long random value)")
    return token


def metrics_token(environ: Mapping[str, str] = os.environ) -> str | None:
    """``SHAREWISE_METRICS_TOKEN``, checked."""
    return checked_token(environ.get("SHAREWISE_METRICS_TOKEN"))


def access(authorization: str | None, token: str | None, *, development: bool) -> int:
    """Who may scrape: 200 (serve), 401 (a token is configured and was not given), or 404 (no token is
    configured outside development: there is no /metrics)."""
    if token is None:
        return 200 if development else 404
    return 200 if token_matches(authorization, token) else 401
