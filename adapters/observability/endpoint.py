"""``/metrics`` for a process without a web server (``sharewise worker --metrics-port``): a small WSGI
app on a background thread, with the bridge's access rule (``Authorization: Bearer`` and the token)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sharewise.adapters.observability.metrics import Metrics, access

_STATUS = {200: "200 OK", 401: "401 Unauthorized", 404: "404 Not Found", 405: "405 Method Not Allowed"}


class _QuietHandler(WSGIRequestHandler):
    """No per-request line on stderr (it would not be JSON)."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def wsgi_app(metrics: Metrics, token: str | None, *, development: bool) -> Callable[..., Iterable[bytes]]:
    """``GET /metrics`` only; everything else 404."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status = (
            404
            if environ.get("PATH_INFO") != "/metrics"
            else access(environ.get("HTTP_AUTHORIZATION"), token, development=development)
        )
        if status == 200 and environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            status = 405
        headers = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
        if status != 200:
            if status == 401:
                headers.append(("WWW-Authenticate", 'Bearer realm="sharewise-metrics"'))
            start_response(_STATUS[status], [*headers, ("Content-Type", "text/plain; charset=utf-8")])
            return [_STATUS[status].encode("ascii") + b"\n"]
        body, media_type = metrics.render(environ.get("HTTP_ACCEPT"))
        start_response("200 OK", [*headers, ("Content-Type", media_type)])
        return [body]

    return app


def serve(metrics: Metrics, *, bind: str, port: int, token: str | None, development: bool) -> WSGIServer:
    """Serve ``/metrics`` on ``bind:port`` in a daemon thread; ``server.shutdown()`` stops it."""
    server = make_server(bind, port, wsgi_app(metrics, token, development=development), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="sharewise-metrics", daemon=True).start()
    return server
