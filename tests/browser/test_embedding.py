"""Embedding is limited to the host's registered origins, in a real browser (issue 7, "Embedding"): the demo host
is registered for http://127.0.0.1:<port>; the same demo page opened as http://localhost:<port> is another
origin. There chromium refuses to show the form (CSP ``frame-ancestors``), and the form's own ``postMessage``
check holds even where that header is not enforced: a frame whose parent is not a registered origin sends the
parent nothing, while the registered origin hears "ready"."""

from __future__ import annotations

import time
from typing import Any

import pytest
from forms_md_tables import CORE_FORM

pytestmark = pytest.mark.browser

#: Runs first in every document of the page: keeps every message the top page receives, whoever sent it.
RECORD_MESSAGES = """
if (window === window.top) {
  window.__messages = [];
  window.addEventListener("message", (event) => {
    const data = event.data || {};
    window.__messages.push({origin: event.origin, source: data.source || null, type: data.type || null});
  });
}
"""


def messages(demo: Any) -> list[dict[str, Any]]:
    """Every message from sharewise that reached the host page."""
    return [m for m in demo.page.evaluate("window.__messages") if m["source"] == "sharewise"]


def unregistered_url(server: Any) -> str:
    return f"http://localhost:{server.port}/"


def wait_until(page: Any, condition: Any, seconds: float, what: str) -> None:
    """Poll ``condition`` while Playwright keeps handling the browser's events."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        page.wait_for_timeout(50)


def test_an_unregistered_origin_cannot_frame_the_form(sharewise: Any, open_demo: Any) -> None:
    demo = open_demo(sharewise, unregistered_url(sharewise), init_script=RECORD_MESSAGES)
    served: list[str] = []  # the CSP of each form page the server sent

    def note_policy(response: Any) -> None:
        if "/embed/section/" in response.url:
            served.append(response.headers.get("content-security-policy", ""))

    demo.page.on("response", note_policy)
    demo.page.locator(f"button[data-form='{CORE_FORM}']").click()
    frame = demo.frame
    wait_until(demo.page, lambda: bool(served) and frame.url.startswith("chrome-error:"), 10, "chromium to refuse the form")

    policy = served[0]
    assert f"frame-ancestors {sharewise.url}" in policy, f"the form's CSP does not name the registered origin: {policy!r}"
    assert frame.locator("form").count() == 0, "the form is shown inside a page of an unregistered origin"
    demo.visit_host("demo-host-refused")
    demo.page.wait_for_timeout(500)  # a blocked frame runs no script; give any message time to arrive all the same
    assert messages(demo) == [], f"an unregistered host page received messages: {messages(demo)}"
    assert demo.events() == [], f"the demo host lists events from a frame it could not show: {demo.events()}"


def without_frame_ancestors(route: Any) -> None:
    """Fetch the real response and pass it on without ``frame-ancestors`` (as a browser ignoring it would)."""
    response = route.fetch(max_redirects=0)
    headers = dict(response.headers)
    policy = headers.pop("content-security-policy", "")
    headers["content-security-policy"] = "; ".join(p for p in policy.split("; ") if not p.startswith("frame-ancestors"))
    route.fulfill(response=response, headers=headers)


@pytest.mark.parametrize(("origin", "registered"), [("127.0.0.1", True), ("localhost", False)])
def test_messages_go_only_to_a_registered_parent(origin: str, registered: bool, sharewise: Any, open_demo: Any) -> None:
    base = f"http://{origin}:{sharewise.port}"
    demo = open_demo(sharewise, f"{base}/", init_script=RECORD_MESSAGES)
    demo.form = sharewise.form(CORE_FORM)
    demo.page.locator(f"button[data-form='{CORE_FORM}']").click()
    frame = demo.frame
    first_page = f"{base}/embed/section/request"
    wait_until(demo.page, lambda: frame.url in (first_page, "chrome-error://chromewebdata/"), 10, "the launch to end")
    assert (frame.url == first_page) is registered, f"framed at {origin}, the launch ended at {frame.url}"

    # the first page again, now without frame-ancestors: only the form's own check is left
    demo.page.evaluate("window.__messages.length = 0")
    demo.page.route("**/embed/section/**", without_frame_ancestors)
    frame.goto(first_page)
    assert frame.evaluate("document.documentElement.classList.contains('js-enabled')"), "the form's script did not run"
    demo.visit()
    if registered:
        wait_until(demo.page, lambda: any(m["type"] == "ready" for m in messages(demo)), 5, "'ready' at the registered origin")
        assert {m["origin"] for m in messages(demo)} == {sharewise.url}, messages(demo)
    else:
        demo.page.wait_for_timeout(1000)  # the form posts on load; give any message time to arrive
        assert messages(demo) == [], f"the form sent messages to an unregistered parent: {messages(demo)}"
        assert demo.events() == [], f"the demo host lists events from the form: {demo.events()}"
