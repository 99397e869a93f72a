"""Helpers of the security tests: the embedded form driven as a browser would drive it, and shared
constants. The fixtures are in conftest.py."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sharewise.adapters.webform.fields import UK_TIME
from sharewise.adapters.webform.pages import FormPages
from sharewise.core.drafts import Draft, Drafts
from sharewise.core.formdef import Question

CORE = "information-sharing-decision"
#: A record id that exists nowhere.
NO_RECORD = "00000000-0000-4000-8000-000000000000"
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
PAGE_TOKEN = re.compile(r'name="page_token" value="([^"]*)"')
RENDERED = re.compile(r'name="rendered" value="([^"]*)"')


def path_of(url: str) -> str:
    """The path of a URL (launch URLs are absolute)."""
    return urlsplit(url).path


def form_fields(question: Question, answer: Any) -> dict[str, Any]:
    """What the page posts for ``answer`` to ``question`` (the inverse of reading a page)."""
    if answer is None:
        return {}
    if question.type == "yes_no":
        return {question.id: "yes" if answer else "no"}
    if question.type == "multi":
        return {question.id: list(answer)}
    if question.type == "date":
        day = dt.date.fromisoformat(answer)
        return {f"{question.id}-day": str(day.day), f"{question.id}-month": str(day.month), f"{question.id}-year": str(day.year)}
    if question.type == "datetime":
        moment = dt.datetime.fromisoformat(answer).astimezone(UK_TIME)
        parts = {"day": moment.day, "month": moment.month, "year": moment.year, "hour": moment.hour, "minute": moment.minute}
        return {f"{question.id}-{part}": str(value) for part, value in parts.items()}
    return {question.id: str(answer)}


@dataclass
class EmbedSession:
    """One practitioner's browser on the embedded form: its own client (cookie jar) and the launch it came from."""

    app: Flask
    client: FlaskClient
    launch_path: str
    opened: TestResponse
    csrf: str = ""
    page_token: str = ""
    pages: list[TestResponse] = field(default_factory=list)

    @property
    def code(self) -> str:
        """The launch code (the last part of the launch URL)."""
        return self.launch_path.rsplit("/", 1)[1]

    @property
    def form(self) -> FormPages:
        return FormPages(self.app.extensions["sharewise"].engine.forms.get(CORE))

    def get(self, path: str, **options: Any) -> TestResponse:
        """GET a page, remembering its CSRF and page tokens."""
        response = self.client.get(path, **options)
        self._remember(response)
        return response

    def post(self, path: str, data: Any = None, **options: Any) -> TestResponse:
        response = self.client.post(path, data=data, **options)
        self._remember(response)
        return response

    def _remember(self, response: TestResponse) -> None:
        self.pages.append(response)
        if response.mimetype == "text/html":
            text = response.get_data(as_text=True)
            if found := CSRF.search(text):
                self.csrf = html.unescape(found[1])
            if found := PAGE_TOKEN.search(text):
                self.page_token = html.unescape(found[1])

    def section_fields(self, section_id: str, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of one section's page for ``answers`` (every question of the section listed as rendered)."""
        section = self.form.section(section_id)
        assert section is not None, section_id
        data: dict[str, Any] = {"csrf_token": self.csrf, "page_token": self.page_token, "action": "continue"}
        data["rendered"] = [q.id for q in section.questions]
        for question in section.questions:
            data.update(form_fields(question, answers.get(question.id)))
        return data

    def fill(self, answers: Mapping[str, Any]) -> list[TestResponse]:
        """Fill every section with ``answers`` through the pages (GET then POST each, as a browser would)."""
        posted = []
        for section in self.form.form.sections:
            page = self.get(f"/embed/section/{section.id}")
            if page.status_code != 200:
                continue  # the section does not apply to these answers
            posted.append(self.post(f"/embed/section/{section.id}", self.section_fields(section.id, answers)))
        return posted

    def forge(self, **values: Any) -> None:
        """Rewrite this browser's session cookie (signed with the app's secret key, as only an insider could)."""
        with self.client.session_transaction() as session:
            session.update(values)

    @property
    def cookie(self) -> str:
        """The value of this browser's session cookie."""
        found = self.client.get_cookie("sharewise_session")
        return found.value if found is not None else ""

    def submit(self, acknowledged: list[str] | None = None) -> TestResponse:
        """Open "check your answers" and submit."""
        self.get("/embed/check")
        return self.post("/embed/check", {"csrf_token": self.csrf, "acknowledge": acknowledged or []})


#: The demo host's origin in these tests (``sharewise serve`` uses its own address).
DEMO_ORIGINS = ("http://demo.example",)


def drafts_of(app: Flask, host: str) -> list[Draft]:
    """The unexpired drafts a host's practitioners have saved (read from the store, as an operator would)."""
    state = app.extensions["sharewise"]
    return Drafts(state.engine, state.store, clock=state.clock).list(host=host)


def launch_rows(app: Flask) -> list[dict[str, Any]]:
    """Every row of the launch-code table, as stored."""
    from sqlalchemy import select

    from sharewise.core.store.schema import launch_codes

    with app.extensions["sharewise"].store.reading() as connection:
        return [dict(row._mapping) for row in connection.execute(select(launch_codes))]


def is_error_shape(response: TestResponse) -> bool:
    """Whether a response is a JSON error in the one shape ``{code, status, message, errors}``."""
    if response.mimetype != "application/json":
        return False
    body = response.get_json(silent=True)
    return isinstance(body, dict) and {"code", "status"} <= set(body) <= ERROR_KEYS and body["code"] == response.status_code


ERROR_KEYS = {"code", "status", "message", "errors"}


def text_of(response: TestResponse) -> str:
    """A response's body and headers as text (to look for data that must not be there)."""
    return response.get_data(as_text=True) + "\n" + str(response.headers)
