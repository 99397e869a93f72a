"""Reading the embedded form's HTML as a browser would (issue 7): the controls of its form and what
submitting it unchanged would post, the title, the error summary and the inline error messages, which
ids exist, and the response headers the form depends on (``frame-ancestors``, the session cookie).

Parsing uses only the standard library's ``html.parser``; no browser is involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

VOID = {"input", "br", "img", "link", "meta", "hr", "source", "col", "area", "base", "wbr", "embed", "param", "track"}


@dataclass
class Control:
    """One form control: an input, a textarea or a button."""

    tag: str
    name: str
    type: str
    value: str
    checked: bool
    id: str | None
    classes: tuple[str, ...] = ()
    within: tuple[str, ...] = ()  # the ids of the elements around it, outermost first


@dataclass
class Page:
    """What the HTML of one page holds."""

    title: str = ""
    h1: str = ""
    controls: list[Control] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)
    summary_links: list[tuple[str, str]] = field(default_factory=list)
    inline_errors: dict[str, str] = field(default_factory=dict)
    text: str = ""

    # ---- reading controls ---------------------------------------------------------------------------

    def named(self, name: str) -> list[Control]:
        """Every control with this name."""
        return [c for c in self.controls if c.name == name]

    def value(self, name: str) -> str:
        """The value shown in the one text input or textarea called ``name``."""
        found = [c for c in self.named(name) if c.tag == "textarea" or c.type in ("text", "hidden")]
        assert len(found) == 1, f"expected one text control called {name!r}, found {len(found)}"
        return found[0].value

    def checked(self, name: str) -> list[str]:
        """The values of the checked radios or checkboxes called ``name``."""
        return [c.value for c in self.named(name) if c.type in ("radio", "checkbox") and c.checked]

    def options(self, name: str) -> list[str]:
        """The values of every radio or checkbox called ``name``."""
        return [c.value for c in self.named(name) if c.type in ("radio", "checkbox")]

    def hidden(self, name: str) -> list[str]:
        """The values of the hidden inputs called ``name``."""
        return [c.value for c in self.named(name) if c.type == "hidden"]

    @property
    def rendered(self) -> list[str]:
        """The question ids the page says it rendered."""
        return self.hidden("rendered")

    def form_data(self, button: tuple[str, str] | None = ("action", "continue")) -> list[tuple[str, str]]:
        """What submitting the form unchanged posts: hidden, text and checked controls, and ``button``."""
        data: list[tuple[str, str]] = []
        for control in self.controls:
            if control.tag == "button" or control.type in ("submit", "button"):
                continue
            if control.type in ("radio", "checkbox") and not control.checked:
                continue
            data.append((control.name, control.value))
        if button is not None:
            data.append(button)
        return data


def with_answers(data: Iterable[tuple[str, str]], answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``data`` with every field named in ``answers`` replaced (a list value posts the name repeatedly;
    ``None`` removes the field, as an unticked checkbox does)."""
    kept = [(name, value) for name, value in data if name not in answers]
    for name, value in answers.items():
        if value is None:
            continue
        for one in value if isinstance(value, (list, tuple)) else [value]:
            kept.append((name, one))
    return kept


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._capture: list[list[Any]] = []  # [kind, key, text parts, depth]
        self._textarea: Control | None = None
        self._in_summary = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.page.ids.add(attributes["id"])
        classes = tuple(attributes.get("class", "").split())
        if tag == "input":
            self.page.controls.append(
                Control(
                    "input",
                    attributes.get("name", ""),
                    attributes.get("type", "text"),
                    attributes.get("value", ""),
                    "checked" in attributes,
                    attributes.get("id"),
                    classes,
                    self._within(),
                )
            )
        elif tag == "button":
            self.page.controls.append(
                Control("button", attributes.get("name", ""), "submit", attributes.get("value", ""), False, attributes.get("id"))
            )
        elif tag == "textarea":
            self._textarea = Control(
                "textarea", attributes.get("name", ""), "textarea", "", False, attributes.get("id"), classes, self._within()
            )
            self.page.controls.append(self._textarea)
        if tag in VOID:
            return
        if tag == "div" and "govuk-error-summary" in classes:
            self._in_summary = 1
        elif self._in_summary:
            self._in_summary += 1
        self._stack.append((tag, attributes))
        for capture in self._capture:
            capture[3] += 1
        if tag == "title":
            self._capture.append(["title", None, [], 1])
        elif tag == "h1":
            self._capture.append(["h1", None, [], 1])
        elif tag == "a":
            self._capture.append(["a", attributes.get("href", ""), [], 1])
        elif "govuk-error-message" in classes:
            self._capture.append(["error", attributes.get("id", ""), [], 1])

    def _within(self) -> tuple[str, ...]:
        return tuple(attributes["id"] for _, attributes in self._stack if attributes.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]  # as browsers do
            self._textarea = None
        if self._stack:
            self._stack.pop()
        if self._in_summary:
            self._in_summary -= 1
        finished = []
        for capture in self._capture:
            capture[3] -= 1
            if capture[3] == 0:
                finished.append(capture)
        for capture in finished:
            self._capture.remove(capture)
            kind, key, parts = capture[0], capture[1], capture[2]
            text = " ".join("".join(parts).split())
            if kind == "title":
                self.page.title = text
            elif kind == "h1":
                self.page.h1 = text
            elif kind == "a":
                self.page.links.append((key, text))
                if self._in_summary:
                    self.page.summary_links.append((key, text))
            elif kind == "error":
                self.page.inline_errors[key] = text

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
            return
        self._text.append(data)
        for capture in self._capture:
            capture[2].append(data)

    def close(self) -> None:
        super().close()
        self.page.text = " ".join(" ".join(self._text).split())


def parse(html: str) -> Page:
    """The page as a browser reads it."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


# ---- headers ----------------------------------------------------------------------------------------


def frame_ancestors(response: Any) -> list[str]:
    """The sources of the response's CSP ``frame-ancestors`` directive."""
    policy = response.headers.get("Content-Security-Policy", "")
    for directive in policy.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name == "frame-ancestors":
            return value.split()
    raise AssertionError(f"no frame-ancestors in {policy!r}")


def session_cookie(response: Any, name: str = "sharewise_session") -> str:
    """The ``Set-Cookie`` header that sets the session cookie."""
    found = [header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}=")]
    assert len(found) == 1, f"expected one Set-Cookie for {name}, got {response.headers.getlist('Set-Cookie')}"
    return found[0]


def cookie_flags(header: str) -> dict[str, str]:
    """The attributes of a ``Set-Cookie`` header, by lower-case name (``secure``, ``samesite``…)."""
    parts = [part.strip() for part in header.split(";")][1:]
    return {name.lower(): value for name, _, value in (part.partition("=") for part in parts)}
