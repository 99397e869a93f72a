"""The embedded side of a launch: the URL's first use starts a session bound to the host and the case;
any later use is refused. The page is minimal here; the full form is the embedded UI's job."""

from __future__ import annotations

import html
import secrets

from flask import Blueprint, Response, redirect, session

from sharewise.adapters.bridge.state import bridge
from sharewise.core import launch
from sharewise.core.hosts import HostNotFound
from sharewise.core.prefill import prefilled_answers

blp = Blueprint("embed", __name__, url_prefix="/embed")


def _page(title: str, body: str, status: int = 200, frame_ancestors: str = "'none'") -> Response:
    document = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    response = Response(document, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; frame-ancestors {frame_ancestors}; base-uri 'none'; form-action 'self'"
    )
    return response


def _ancestors(host_name: str) -> str:
    try:
        origins = bridge().hosts.get(host_name).origins
    except HostNotFound:
        return "'none'"
    return " ".join(origins) or "'none'"


@blp.route("/launch/<code>")
def open_launch(code: str) -> Response:
    """Redeem the code (once) and start the session; a used, expired or unknown code is refused."""
    try:
        opened = launch.redeem(bridge().store, code, now=bridge().clock())
    except launch.LaunchRefused as refused:
        return _page("This link cannot be used", f"<p>{html.escape(str(refused).capitalize())}.</p>", status=410)
    session.clear()
    session["launch"] = opened.key  # only the key: the case context stays on the server
    session["id"] = secrets.token_hex(16)
    return redirect("/embed/form", code=303)


@blp.route("/form")
def form_page() -> Response:
    """The form opened by the launch (a minimal page: the form's title and what was pre-filled)."""
    key = session.get("launch")
    try:
        launched = launch.resume(bridge().store, key) if isinstance(key, str) else None
    except launch.LaunchRefused:
        launched = None
    if launched is None:
        return _page("Your session has ended", "<p>Open the form again from your case system.</p>", status=401)
    form = bridge().engine.form(launched.form_id)
    prefill = prefilled_answers(form, launched.context)
    items = "".join(
        f"<li><span class='label'>{html.escape(form.questions[key].label)}</span>: "
        f"<span class='value' data-question='{html.escape(key)}'>{html.escape(str(value))}</span></li>"
        for key, value in prefill.items()
    )
    case_ref = launched.context.get("case_ref")
    case = f"<p>Case {html.escape(str(case_ref))}</p>" if case_ref else ""
    return _page(form.title, f"{case}<ul class='prefill'>{items}</ul>", frame_ancestors=_ancestors(launched.host))
