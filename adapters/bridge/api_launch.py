"""``POST /api/v1/launch``: a host opens a form in the context of a case and gets a single-use URL."""

from __future__ import annotations

from typing import Any

from flask import request

from sharewise.adapters.bridge.api_schemas import LaunchRequest, LaunchResponse
from sharewise.adapters.bridge.auth import BEARER, current_host, require_host
from sharewise.adapters.bridge.parsing import Blueprint
from sharewise.adapters.bridge.state import bridge
from sharewise.core import launch

blp = Blueprint("launch", __name__, url_prefix="/api/v1/launch", description="Opening a form in the context of a case.")
blp.before_request(require_host)


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@blp.arguments(LaunchRequest)
@blp.response(201, LaunchResponse)
def launch_form(data: dict[str, Any]) -> dict[str, Any]:
    """A URL holding an opaque, single-use code (no personal data) that opens the form for minutes."""
    host = current_host()
    state = bridge()
    state.limiter.check(host.name, "launch")
    state.engine.form(data["form_id"])
    code, expires = launch.issue(
        state.store,
        host=host.name,
        form_id=data["form_id"],
        context={**data["context"], **({"theme": data["theme"]} if data.get("theme") else {})},
        now=bridge().clock(),
        ttl=state.settings.launch_ttl,
    )
    state.metrics.launches.labels(host.name).inc()
    base = state.settings.public_url or request.host_url.rstrip("/")
    return {"url": f"{base}/embed/launch/{code}", "expires_at": expires.isoformat(timespec="seconds")}
