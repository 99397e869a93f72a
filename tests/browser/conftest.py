"""Fixtures for the real-browser tests (issue 7): Debian chromium driven by Playwright against sharewise served
over real HTTP, through the demo host at ``/`` and its iframe.

- ``browser``: one headless chromium for the session (never downloaded: ``/usr/bin/chromium`` or a skip —
  a failure when ``SHAREWISE_REQUIRE_BROWSER=1``).
- ``start_sharewise(plugins=())``: a development-mode app with the demo host, the delivery relay and its own
  SQLite database, served on 127.0.0.1 (one per test: drafts resume by case and practitioner, so tests
  must not share a database); ``sharewise`` is the default one.
- ``demo`` / ``open_demo(server)``: a fresh browser context on the demo host, driven through ``Demo``. Every
  page it visits is screenshotted (``build/screenshots/`` or ``SHAREWISE_SCREENSHOTS``, named
  ``<test>-NN-<page>.png``: the whole host page, or the iframe with the form's page in it) and checked with
  axe-core — no serious or critical violation — in its own document (the form's pages inside the iframe).
  axe-core runs once per page shape per session (``PAGE_SHAPE``): the same page showing the same questions,
  follow-ups, errors and warnings again differs only in the words typed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from sharewise.adapters.bridge import create_app
from sharewise.adapters.webform.fields import typed_value
from sharewise.core.formdef import FormDefinition

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
CORE_EXAMPLE = REPO / "forms" / "information-sharing-decision" / "examples" / "gp-shares-child-at-risk.json"
#: axe-core impacts that fail a test.
BLOCKING_IMPACTS = ("serious", "critical")
#: How long the demo host may take to show a record delivered by the relay to its webhook.
DELIVERY_TIMEOUT_MS = 15_000


@pytest.fixture
def core_answers() -> dict[str, Any]:
    """The core form's worked example: a complete, valid answer set (a fresh copy)."""
    return json.loads(CORE_EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def consent_answers() -> dict[str, Any]:
    """A complete, valid ``consent-record`` (it has no worked example): consent given in writing by a parent
    five days ago, to be reviewed in six months."""
    today = dt.date.today()
    return {
        "subject_roles": ["child"],
        "given_by": "parent_with_pr",
        "scope_agencies": ["children_social_care", "health_gp"],
        "scope_purposes": "To coordinate early help support for the family.",
        "explicit": True,
        "method": "written",
        "given_on": (today - dt.timedelta(days=5)).isoformat(),
        "review_on": (today + dt.timedelta(days=180)).isoformat(),
        "recorded_by": "Sam Patel, social worker",
    }


# ---- the browser -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium (skipped when it is missing, unless SHAREWISE_REQUIRE_BROWSER=1)."""
    if not CHROMIUM.is_file():
        problem = f"{CHROMIUM} is missing (apt-get install chromium); the browser tests never download a browser"
        if os.environ.get("SHAREWISE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SHAREWISE_REQUIRE_BROWSER=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# ---- sharewise over real HTTP -----------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (hundreds per test would bury a failure's own output)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Sharewise:
    """sharewise served on 127.0.0.1 with the demo host on, in a thread of this process."""

    def __init__(self, database: Path, plugins: tuple[str, ...]) -> None:
        with socket.socket() as probe:  # the demo host registers its origin, so the port is chosen first
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.deployment = ",".join(plugins) or "national"
        self.app = create_app(
            {
                "environment": "development",
                "database_url": f"sqlite:///{database}",
                "relay": True,
                "demo_origins": (self.url,),
                "plugins": plugins,
                "public_url": None,
                "rate_limit_per_minute": 10_000,
            }
        )
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True, request_handler=_QuietHandler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, name="browser-test-server", daemon=True
        )
        self.thread.start()

    @property
    def engine(self) -> Any:
        """The app's engine (the forms as this deployment has them, plugins included)."""
        return self.app.extensions["sharewise"].engine

    def form(self, form_id: str) -> FormDefinition:
        """A form's definition as this deployment has it."""
        return self.engine.form(form_id)

    def errors_in(self, form_id: str, answers: Mapping[str, Any]) -> list[str]:
        """The engine's errors on ``answers`` (an empty list for a valid answer set)."""
        evaluation = self.engine.evaluate(form_id, dict(answers))
        return [f"{f.rule} on {f.field}: {f.message}" for f in evaluation.by_severity("error")]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        relay = self.app.extensions.get("sharewise-relay")
        if relay is not None:
            thread, stop = relay
            stop.set()
            thread.join(timeout=10)
        self.app.extensions["sharewise"].store.close()


@pytest.fixture
def start_sharewise(tmp_path: Path) -> Iterator[Callable[..., Sharewise]]:
    """``start_sharewise(plugins=("liverpool",))``: serve a fresh sharewise (stopped after the test)."""
    started: list[Sharewise] = []

    def start(plugins: tuple[str, ...] = ()) -> Sharewise:
        server = Sharewise(tmp_path / f"sharewise-{len(started)}.db", plugins)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sharewise(start_sharewise: Callable[..., Sharewise]) -> Sharewise:
    """sharewise with the national forms only."""
    return start_sharewise()


# ---- screenshots and axe ----------------------------------------------------------------------------------


class Screenshots:
    """Numbered screenshots of one test: ``<test-name>-NN-<page slug>.png``."""

    def __init__(self, folder: Path, test_name: str) -> None:
        self.folder = folder
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
        self.count = 0

    def take(self, target: Any, slug: str) -> Path:
        """Screenshot a whole page (``Page``) or one element (``Locator``), however tall."""
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02d}-{slug}.png"
        if hasattr(target, "goto"):
            target.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path


@pytest.fixture(scope="session")
def screenshot_folder() -> Path:
    """Where screenshots go: SHAREWISE_SCREENSHOTS, else build/screenshots/ in the repository."""
    folder = Path(os.environ.get("SHAREWISE_SCREENSHOTS") or REPO / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshots(screenshot_folder: Path, request: pytest.FixtureRequest) -> Screenshots:
    """This test's screenshots."""
    return Screenshots(screenshot_folder, request.node.name)


#: What makes two visits the same page for axe: the form, the path, the questions shown, the follow-ups
#: revealed, the error summary, notices and banners, the warnings to acknowledge, and what the host lists.
PAGE_SHAPE = """() => {
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  return JSON.stringify([
    document.body.dataset.formId || null, location.pathname, document.title.startsWith("Error: "),
    all("input[name=rendered]").map(i => i.value), all("[class*=__conditional]:not([class*=--hidden])").map(e => e.id),
    all(".govuk-error-summary a").map(a => a.getAttribute("href")), all("#sw-notice, .govuk-notification-banner").length,
    all("input[name=acknowledge]").length, all(".sw-finding").length,
    all("#demo-received li[data-record], #demo-events li").length > 0,
    !!document.getElementById("sharewise-frame"),
  ]);
}"""


class Accessibility:
    """axe-core on each page state once per session: a page with the same shape (``PAGE_SHAPE``) as one
    already checked differs only in the words typed, so it is not checked again."""

    def __init__(self) -> None:
        self.checked: set[tuple[str, str]] = set()

    def check(self, document: Any, where: str, deployment: str) -> None:
        shape = (deployment, document.evaluate(PAGE_SHAPE))
        if shape not in self.checked:
            assert_accessible(document, where)
            self.checked.add(shape)


@pytest.fixture(scope="session")
def accessibility() -> Accessibility:
    """The session's record of the page shapes axe-core has passed."""
    return Accessibility()


def assert_accessible(document: Any, where: str) -> None:
    """axe-core on one document (a Page or a Frame, not its subframes): no serious or critical violation."""
    results = Axe().run(document, options={"resultTypes": ["violations"], "iframes": False})
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    lines = []
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {' '.join(node['target'])}: {node['html'][:200]}" for node in violation["nodes"][:10])
    assert not blocking, f"axe-core found {len(blocking)} serious or critical violation(s) on {where}:\n" + "\n".join(lines)


# ---- the demo host and the form in its iframe --------------------------------------------------------------


PAGE_NAMES = {"/embed/check": "check-your-answers", "/embed/done": "decision-recorded", "/embed/saved": "answers-saved"}
STATE_SUFFIXES = (
    (".govuk-notification-banner", "-welcome-back"),
    ("#sw-notice", "-more-questions"),
    (".govuk-error-summary", "-error"),
)


def frame_slug(frame: Any) -> str:
    """A short name for the page an iframe shows, for screenshot file names."""
    path = urlparse(frame.url).path
    if path.startswith("/embed/section/"):
        slug = path.rsplit("/", 1)[-1]
    else:
        slug = PAGE_NAMES.get(path, path.strip("/").replace("/", "-"))
    for selector, suffix in STATE_SUFFIXES:
        if frame.locator(selector).count():
            slug += suffix
    return re.sub(r"[^A-Za-z0-9_-]+", "-", slug) or "blank"


class Demo:
    """The demo host page in a browser, and the sharewise form in its iframe."""

    def __init__(self, page: Any, server: Sharewise, shots: Screenshots, accessibility: Accessibility) -> None:
        self.page = page
        self.server = server
        self.shots = shots
        self.accessibility = accessibility
        self.form: FormDefinition | None = None

    # -- the host page

    def open(self, url: str | None = None) -> None:
        """Open the pretend case screen (checked and screenshotted)."""
        self.page.goto(url or f"{self.server.url}/")
        expect(self.page.locator("h1"), "the demo host shows the pretend case").to_have_text("Case 123 — child aged 7")
        self.visit_host("demo-host")

    def visit_host(self, slug: str) -> None:
        """Screenshot the whole host page and check its own document with axe."""
        self.shots.take(self.page, slug)
        self.accessibility.check(self.page, f"the demo host page ({slug})", self.server.deployment)

    def launch(self, form_id: str) -> Any:
        """Press the demo host's button for ``form_id``; return the iframe's frame once the form shows."""
        self.form = self.server.form(form_id)
        self.page.locator(f"button[data-form='{form_id}']").click()
        return self.wait_for_form()

    def wait_for_form(self) -> Any:
        frame = self.frame
        frame.wait_for_url(re.compile(r"/embed/(section/|check)"), timeout=10_000)
        frame.wait_for_load_state("load")
        self.visit()
        return frame

    @property
    def frame(self) -> Any:
        """The iframe's frame (the same object across its navigations)."""
        handle = self.page.wait_for_selector("#sharewise-frame", state="attached", timeout=10_000)
        frame = handle.content_frame()
        assert frame is not None, "the demo host shows no sharewise iframe"
        return frame

    def events(self) -> list[str]:
        """The postMessage events the demo host lists (its latest few, newest first)."""
        return self.page.locator("#demo-events li").evaluate_all("items => items.map(item => item.dataset.event)")

    # -- the form in the iframe

    def visit(self) -> None:
        """Screenshot the iframe showing the form's current page, and check the form's document with axe."""
        frame = self.frame
        frame.wait_for_load_state("load")
        slug = frame_slug(frame)
        self.shots.take(self.page.locator("#sharewise-frame"), slug)
        self.accessibility.check(frame, f"the form page {frame.url} ({slug})", self.server.deployment)

    def section_id(self) -> str | None:
        """The id of the section page the iframe shows (``None`` on any other page)."""
        path = urlparse(self.frame.url).path
        return path.rsplit("/", 1)[-1] if path.startswith("/embed/section/") else None

    def error_summary(self) -> list[tuple[str, str]]:
        """The error summary's links as (href, text); empty when the page has none."""
        return self.frame.locator(".govuk-error-summary a").evaluate_all(
            "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])"
        )

    def fill_page(self, answers: Mapping[str, Any]) -> None:
        """Answer each question the page shows that ``answers`` answers, as a mouse-and-keyboard user would."""
        assert self.form is not None
        frame = self.frame
        rendered = frame.locator("input[name=rendered]").evaluate_all("inputs => inputs.map(input => input.value)")
        for question_id in rendered:
            if question_id in answers and answers[question_id] is not None:
                question = self.form.questions[question_id]
                self.answer(question, typed_value(question, answers[question_id]))

    def answer(self, question: Any, typed: Any) -> None:
        """Put one answer in its controls (labels are clicked: GOV.UK inputs are visually hidden)."""
        frame = self.frame
        if question.type in ("yes_no", "choice"):
            control = frame.locator(f"input[name='{question.id}'][value='{typed}']").get_attribute("id")
            frame.locator(f"label[for='{control}']").click()
        elif question.type == "multi":
            boxes = frame.locator(f"input[name='{question.id}']").evaluate_all(
                "boxes => boxes.map(box => [box.value, box.checked, box.id])"
            )
            for value, checked, control in boxes:
                if checked != (value in typed):
                    frame.locator(f"label[for='{control}']").click()
        elif question.type in ("date", "datetime"):
            for part, value in typed.items():
                frame.locator(f"#{question.id}-{part}").fill(value)
        else:
            frame.locator(f"#{question.id}").fill(typed)

    def press(self, button: str) -> None:
        """Press a button of the form's page and wait for the next page (checked and screenshotted)."""
        frame = self.frame
        with frame.expect_navigation(timeout=15_000):
            frame.get_by_role("button", name=button, exact=True).click()
        self.visit()

    def complete(self, answers: Mapping[str, Any], *, on_page: Callable[[str], None] | None = None) -> list[str]:
        """Fill each page from ``answers`` and continue — back to an earlier page when later answers open a
        question there — until "check your answers" has nothing left to fix (following its error links);
        return the pages filled in."""
        filled: list[str] = []
        for _ in range(60):
            section = self.section_id()
            if section is not None:
                if on_page is not None:
                    on_page(section)
                repeats = sum(1 for earlier in filled[-4:] if earlier == section)
                assert repeats < 3, f"page {section!r} keeps coming back; pages so far: {filled}"
                filled.append(section)
                self.fill_page(answers)
                self.press("Save and continue")
                # the same page again with errors: refused; an earlier page with errors: sent back to answer
                # what later answers opened there (it says so), then on
                if self.section_id() == section and self.error_summary():
                    raise AssertionError(f"page {section!r} refused the answers: {self.error_summary()}")
                if self.section_id() is not None and self.error_summary():
                    expect(self.frame.locator("#sw-notice")).to_contain_text("Your answers on a later page")
            elif urlparse(self.frame.url).path == "/embed/check":
                links = self.error_summary()
                if not links:
                    return filled
                with self.frame.expect_navigation(timeout=15_000):
                    self.frame.locator(".govuk-error-summary a").first.click()
                self.visit()
            else:
                raise AssertionError(f"unexpected page while completing the form: {self.frame.url}")
        raise AssertionError(f"the form was not complete after 60 pages: {filled}")

    def submit(self) -> str:
        """On "check your answers": acknowledge every warning, submit, and return the record id shown."""
        frame = self.frame
        assert urlparse(frame.url).path == "/embed/check", f"not on check your answers: {frame.url}"
        unticked = frame.locator("input[name=acknowledge]:not(:checked)").evaluate_all("boxes => boxes.map(box => box.id)")
        for control in unticked:
            frame.locator(f"label[for='{control}']").click()
        with frame.expect_navigation(timeout=15_000):
            frame.locator("#sw-submit").click()
        self.visit()
        expect(frame.locator("h1"), f"the confirmation after submitting (at {frame.url})").to_have_text("Decision recorded")
        record_id = frame.locator("#sw-record-id").inner_text().strip()
        assert record_id, "the confirmation shows no record id"
        return record_id

    def expect_delivered(self, record_id: str) -> None:
        """The demo host lists ``record_id`` as received through its webhook (within the delivery timeout)."""
        item = self.page.locator(f"#demo-received li[data-record='{record_id}']")
        expect(item, f"record {record_id} in the demo host's received panel").to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
        self.visit_host("demo-host-received")


@pytest.fixture
def open_demo(browser: Any, screenshots: Screenshots, accessibility: Accessibility) -> Iterator[Callable[..., Demo]]:
    """``open_demo(server, url=None, init_script=None)``: the demo host of ``server`` (at ``url``, by default
    its registered origin) in a fresh browser context, ``init_script`` run in each of its documents first."""
    contexts: list[Any] = []

    def open_(server: Sharewise, url: str | None = None, *, init_script: str | None = None) -> Demo:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if init_script is not None:
            page.add_init_script(init_script)
        demo = Demo(page, server, screenshots, accessibility)
        demo.open(url)
        return demo

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def demo(open_demo: Callable[..., Demo], sharewise: Sharewise) -> Demo:
    """The demo host of the default sharewise, open in a fresh browser context."""
    return open_demo(sharewise)
