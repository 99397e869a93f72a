"""Headers on every response, a request id, and one log line per request that never holds personal
data or secrets (no bodies, no query strings, no path values — only the route's template; for checks
and submissions, the rule ids of the findings)."""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

log = logging.getLogger("sharewise.http")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
#: A caller's X-Request-Id is kept only if it looks like an id (a proxy's or a host's correlation id);
#: anything else is replaced, so free text never reaches the logs through it.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def request_id() -> str:
    """The caller's X-Request-Id when it is a plain id of at most 64 characters, else a fresh one."""
    given = request.headers.get("X-Request-Id", "").strip()
    return given if REQUEST_ID.fullmatch(given) else secrets.token_hex(8)


def install(app: Flask) -> None:
    """Register the request id, the headers and the access log."""

    @app.before_request
    def _start() -> None:
        g.request_id = request_id()
        g.started = time.perf_counter()
        _limit_body(app.config["SHAREWISE_MAX_BODY_BYTES"])

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", API_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Request-Id"] = g.get("request_id", "")
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        host = getattr(g.get("host"), "name", None) or g.get("tenant", "-")  # tenant: an embedded form's host
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "request_id": g.get("request_id"),
                "host": host,
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed, 1),
                "rules": g.get("rules"),
            },
        )
        return response


def _limit_body(limit: int) -> None:
    """413 for a body over ``limit`` — also a chunked one, which has no Content-Length and which werkzeug
    would otherwise cut short silently (``MAX_CONTENT_LENGTH`` is set one byte higher, so reading one
    byte too many shows the body was too large)."""
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
        return
    if request.method in ("POST", "PUT", "PATCH") and len(request.get_data(cache=True)) > limit:
        raise RequestEntityTooLarge()
