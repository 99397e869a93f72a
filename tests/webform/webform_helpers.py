"""Helpers for the embedded form tests (issue 7): a practitioner's ``Browser`` on the form, the launch
context the tests use, and answers turned into the HTML fields of each page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from embed_pages import Page, parse, with_answers
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from sharewise.adapters.webform.fields import typed_value
from sharewise.core.drafts import Draft, Drafts
from sharewise.core.formdef import FormDefinition

CORE = "information-sharing-decision"
#: The core form's first page, filled in as for a request from children's social care (HTML field names).
REQUEST_PAGE = {
    "trigger": "request_received",
    "requesting_agency": "Duty team, children's social care",
    "processing_regime": "general",
    "proposed_recipients": ["children_social_care"],
    "recipient_details": "MASH duty team",
    "purpose": "To assess the risk to the child.",
}
CONTEXT: dict[str, Any] = {
    "case_ref": "CASE-7731",
    "subject": {"name": "Child Q", "age": 7},
    "practitioner": {
        "name": "Dr Ada Example",
        "role": "Named GP for safeguarding",
        "id": "prac-1001",
        "agency_type": "health_gp",
        "public_authority": True,
    },
}


class Browser:
    """A practitioner's browser on the embedded form: a test client that keeps its cookies."""

    def __init__(self, app: Flask, client: FlaskClient | None = None) -> None:
        self.app = app
        self.client = client or app.test_client()
        self.last: Page | None = None

    @property
    def state(self) -> Any:
        """The app's ``Bridge``."""
        return self.app.extensions["sharewise"]

    def launch(
        self,
        host: Any,
        context: Mapping[str, Any] | None = None,
        *,
        form_id: str = CORE,
        theme: Mapping[str, Any] | None = None,
    ) -> TestResponse:
        """Ask for a launch URL as ``host`` and open it in this browser; return the 303 it answers."""
        body: dict[str, Any] = {"form_id": form_id, "context": dict(CONTEXT if context is None else context)}
        if theme is not None:
            body["theme"] = dict(theme)
        created = self.client.post("/api/v1/launch", json=body, headers=host.auth)
        assert created.status_code == 201, created.get_data(as_text=True)
        opened = self.client.get(urlsplit(created.get_json()["url"]).path)
        assert opened.status_code == 303, f"the launch URL answered {opened.status_code}: {opened.get_data(as_text=True)[:300]}"
        return opened

    def get(self, path: str) -> TestResponse:
        """GET a path; the parsed page is kept in ``last``."""
        response = self.client.get(path)
        if response.mimetype == "text/html":
            self.last = parse(response.get_data(as_text=True))
        return response

    def page(self, section_id: str) -> Page:
        """Open a section page (asserting 200) and return it parsed."""
        response = self.get(f"/embed/section/{section_id}")
        assert response.status_code == 200, f"/embed/section/{section_id} answered {response.status_code}"
        assert self.last is not None
        return self.last

    def fill(
        self,
        section_id: str,
        answers: Mapping[str, Any] | None = None,
        *,
        action: str = "continue",
        query: str = "",
        page: Page | None = None,
    ) -> TestResponse:
        """Submit the page ``section_id`` as a browser would: what the page holds (hidden fields, what is
        filled in), with ``answers`` (HTML field names) changed, and the button ``action``."""
        shown = page or self.page(section_id)
        data = with_answers(shown.form_data(("action", action)), answers or {})
        response = self.client.post(f"/embed/section/{section_id}{query}", data=MultiDict(data))
        if response.mimetype == "text/html":
            self.last = parse(response.get_data(as_text=True))
        return response

    def post(self, path: str, data: Any) -> TestResponse:
        """POST form data (a list of pairs posts repeated names, in order)."""
        response = self.client.post(path, data=MultiDict(data) if isinstance(data, list) else data)
        if response.mimetype == "text/html":
            self.last = parse(response.get_data(as_text=True))
        return response

    def session_value(self, name: str) -> Any:
        """A value kept in this browser's (signed) session cookie."""
        with self.client.session_transaction() as session:
            return session.get(name)

    @property
    def draft_id(self) -> str:
        """The draft this browser's session is bound to."""
        draft_id = self.session_value("draft")
        assert isinstance(draft_id, str), "the browser has no form session"
        return draft_id

    def draft(self, host: Any | None = None) -> Draft:
        """The draft this browser's session is bound to, read through ``Drafts``."""
        drafts = Drafts(self.state.engine, self.state.store, clock=self.state.clock)
        return drafts.get(self.draft_id, host=None if host is None else host.name)

    def save_answers(self, answers: Mapping[str, Any], host: Any) -> Draft:
        """Put ``answers`` in this session's draft directly (through ``Drafts``, as the form would)."""
        drafts = Drafts(self.state.engine, self.state.store, clock=self.state.clock)
        draft = drafts.get(self.draft_id, host=host.name)
        return drafts.save(draft.form_id, dict(answers), draft_id=draft.id, host=host.name)


def question_fields(form: FormDefinition, question_id: str, answer: Any) -> dict[str, Any]:
    """One answer as the HTML fields that post it (a date as its parts, several options as a list)."""
    question = form.questions[question_id]
    typed = typed_value(question, answer)
    if question.type in ("date", "datetime"):
        return {f"{question_id}-{part}": value for part, value in typed.items()}
    return {question_id: typed}


def answers_as_fields(form: FormDefinition, answers: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Answers as the HTML fields of each section: ``{section_id: {field: value}}``."""
    by_section: dict[str, dict[str, Any]] = {}
    for question_id, answer in answers.items():
        section = form.questions[question_id].section
        by_section.setdefault(section, {}).update(question_fields(form, question_id, answer))
    return by_section
