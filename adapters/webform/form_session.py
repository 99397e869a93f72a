"""The practitioner's session with an embedded form: which launch (host, form, case) and which draft it is
bound to, its CSRF token, and a signed page token that lets the answers on an open page be saved even when
the session cookie has expired (the practitioner then reopens the form from the host and carries on).

The cookie holds only opaque keys and the token; the case context and the answers stay on the server.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from sharewise.adapters.bridge.state import bridge
from sharewise.core import launch
from sharewise.core.launch import Launch

#: How long an open page can still save its answers after the session cookie is gone.
PAGE_TOKEN_SECONDS = 24 * 60 * 60
_SALT = "sharewise.webform.page"


@dataclass(frozen=True)
class FormSession:
    """A live session: the launch it came from, its draft, and its CSRF token."""

    launch: Launch
    draft_id: str
    csrf: str

    @property
    def context(self) -> dict[str, Any]:
        """The case context as records keep it (the host's theme is display only, not part of the case)."""
        return {key: value for key, value in self.launch.context.items() if key != "theme"}

    def page_token(self) -> str:
        """A signed token bound to this launch and draft, put in every form on the page."""
        return _serializer().dumps({"launch": self.launch.key, "draft": self.draft_id})

    def csrf_ok(self, posted: Any) -> bool:
        """Whether a POST carries this session's CSRF token."""
        token = posted.get("csrf_token", "")
        return isinstance(token, str) and hmac.compare_digest(token.encode(), self.csrf.encode())


def start(opened: Launch, draft_id: str) -> FormSession:
    """Begin a session for a redeemed launch (any earlier session in this browser is replaced)."""
    session.clear()
    session.permanent = True
    session["launch"] = opened.key
    session["draft"] = draft_id
    session["csrf"] = secrets.token_urlsafe(32)
    return FormSession(opened, draft_id, session["csrf"])


def current() -> FormSession | None:
    """The live session, or ``None`` when there is none or its launch is no longer valid."""
    key, draft_id, csrf = session.get("launch"), session.get("draft"), session.get("csrf")
    if not (isinstance(key, str) and isinstance(draft_id, str) and isinstance(csrf, str)):
        return None
    try:
        opened = launch.resume(bridge().store, key)
    except launch.LaunchRefused:
        return None
    g.tenant = opened.host  # the request log names the host, as for API calls
    return FormSession(opened, draft_id, csrf)


def from_page_token(token: Any) -> tuple[Launch, str] | None:
    """The launch and draft a page token was issued for, if it is genuine and recent enough."""
    if not isinstance(token, str):
        return None
    try:
        data = _serializer().loads(token, max_age=PAGE_TOKEN_SECONDS)
        opened = launch.resume(bridge().store, data["launch"])
    except (BadSignature, KeyError, TypeError, launch.LaunchRefused):
        return None
    return opened, data["draft"]


def remember(name: str, value: Any) -> None:
    """Keep a small, non-personal value in the session (a flag, a record id)."""
    session[name] = value


def take(name: str) -> Any:
    """Read and forget a value kept with ``remember``."""
    return session.pop(name, None)


def signing_keys() -> list[str]:
    """The keys tokens are checked with, as Flask checks the session cookie: the earlier secret keys
    (``SHAREWISE_SECRET_KEY_FALLBACKS``) and, last, the current one, which alone signs."""
    return [*(current_app.config.get("SECRET_KEY_FALLBACKS") or ()), current_app.secret_key]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=_SALT)
