"""Bearer authentication: every API call names its host system by API key; 401 without a key or with a
wrong one. The host is then ``g.host`` and every query is scoped to it."""

from __future__ import annotations

from flask import g, request

from sharewise.adapters.bridge.errors import ApiError
from sharewise.adapters.bridge.state import bridge
from sharewise.core.hosts import Host

#: The OpenAPI security requirement of every API operation.
BEARER = [{"bearer": []}]


def require_host() -> None:
    """``before_request`` for API blueprints: authenticate the caller as a host."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401, "authenticate with 'Authorization: Bearer <API key>'", headers={"WWW-Authenticate": 'Bearer realm="sharewise"'}
        )
    host = bridge().hosts.authenticate(key.strip())
    if host is None:
        raise ApiError(
            401, "the API key is not valid", headers={"WWW-Authenticate": 'Bearer realm="sharewise", error="invalid_token"'}
        )
    g.host = host


def current_host() -> Host:
    """The authenticated host of this request."""
    return g.host
