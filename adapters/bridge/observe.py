"""The bridge's metrics: every request counted and timed by route template, submissions and findings
counted where they happen (the API and the embedded form both submit through ``MeteredRecorder``),
and ``GET /metrics`` behind a bearer token. The rule ids of a check's or a submission's findings are
kept on ``g.rules`` for the request's log line (adapters/bridge/security.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, Response, abort, g, has_request_context, request

from sharewise.adapters.bridge.errors import error_response
from sharewise.adapters.bridge.state import bridge
from sharewise.adapters.observability.metrics import CREATED, REFUSED, REPLAYED, Metrics, access
from sharewise.core.findings import Finding
from sharewise.core.submission import AmendmentRefused, IdempotencyConflict, Recorder, SubmissionRefused, Submitted


def findings_seen(findings: Iterable[Finding | Mapping[str, Any]], source: str, metrics: Metrics | None = None) -> None:
    """Count findings (``Finding`` objects or their dicts) and keep their rule ids for the log line."""
    pairs = [(f.rule, f.severity) if isinstance(f, Finding) else (str(f["rule"]), str(f["severity"])) for f in findings]
    (metrics or bridge().metrics).count_findings(pairs, source)
    if has_request_context():
        g.rules = sorted({*g.get("rules", ()), *(rule for rule, _ in pairs)})


class MeteredRecorder(Recorder):
    """A ``Recorder`` that counts each submission once by result (``created``, ``replayed``, ``refused``)
    and the findings of what it checked."""

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    def submit(self, form_id: str, answers: Any, **options: Any) -> Submitted:
        """``Recorder.submit``, counted."""
        return self._counted(
            options.get("host") or "local", lambda: super(MeteredRecorder, self).submit(form_id, answers, **options)
        )

    def amend(self, record_id: str, answers: Any, **options: Any) -> Submitted:
        """``Recorder.amend``, counted as one submission."""
        return self._counted(
            options.get("host") or "-", lambda: super(MeteredRecorder, self).amend(record_id, answers, **options)
        )

    def _counted(self, host: str, call: Callable[[], Submitted]) -> Submitted:
        try:
            submitted = call()
        except SubmissionRefused as refused:
            self.metrics.submissions.labels(host, REFUSED).inc()
            findings_seen(refused.evaluation.findings, "submission", self.metrics)
            raise
        except (IdempotencyConflict, AmendmentRefused):
            self.metrics.submissions.labels(host, REFUSED).inc()
            raise
        record = submitted.record
        self.metrics.submissions.labels(record.host, REPLAYED if submitted.replayed else CREATED).inc()
        if submitted.replayed:
            if has_request_context():
                g.rules = sorted({str(f["rule"]) for f in record.findings})
        else:
            findings_seen(record.findings, "submission", self.metrics)
        return submitted


def install(app: Flask, metrics: Metrics) -> None:
    """Count every request, and serve ``/metrics``."""

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.request(route, request.method, response.status_code, elapsed)
        return response

    @app.get("/metrics")
    def scrape() -> Response:
        """Prometheus metrics: with ``SHAREWISE_METRICS_TOKEN`` set, for ``Authorization: Bearer <token>``
        only; without one, only in development (404 otherwise)."""
        settings = bridge().settings
        allowed = access(request.headers.get("Authorization"), settings.metrics_token, development=settings.development)
        if allowed == 404:
            abort(404)
        if allowed == 401:
            challenge = {"WWW-Authenticate": 'Bearer realm="sharewise-metrics"'}
            return error_response(401, "authenticate with 'Authorization: Bearer <metrics token>'", headers=challenge)
        body, media_type = metrics.render(request.headers.get("Accept"))
        return Response(body, content_type=media_type)
