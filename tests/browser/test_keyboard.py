"""The core form completed by keyboard alone in a real browser (issue 7, accessibility): from the demo host's
launch button to "Decision recorded" with ``page.keyboard`` only — Tab and Shift+Tab to move, Space and the
arrow keys for radios and checkboxes, typing for text and dates, Enter to press a button. Nothing is clicked.

The answers are the worked example turned into a decision not to share (a shorter path, without the sharing
details), which leaves one warning to acknowledge — by keyboard too."""

from __future__ import annotations

from typing import Any

import pytest
from answer_sets import DO_NOT_SHARE, changed
from forms_md_tables import CORE_FORM
from playwright.sync_api import expect

from sharewise.adapters.webform.fields import typed_value

pytestmark = pytest.mark.browser

#: The most key presses one page may take before the test gives up (a focus trap, a field never reached).
MAX_KEYS_PER_PAGE = 400
FOCUSED = """() => {
  const el = document.activeElement;
  if (!document.hasFocus() || !el || el === document.body) { return null; }
  return {tag: el.tagName.toLowerCase(), type: el.type || null, name: el.name || null, id: el.id || null,
          value: el.value ?? null, checked: !!el.checked};
}"""
GROUP = "name => Array.from(document.getElementsByName(name)).map(input => [input.value, input.checked])"


class KeyboardUser:
    """Completes the form in the demo host's iframe with the keyboard only."""

    def __init__(self, demo: Any, answers: dict[str, Any]) -> None:
        self.demo = demo
        self.keys = demo.page.keyboard
        self.answers = answers
        self.presses = 0

    def press(self, key: str) -> None:
        self.presses += 1
        assert self.presses <= MAX_KEYS_PER_PAGE, f"more than {MAX_KEYS_PER_PAGE} keys on {self.demo.frame.url}"
        self.keys.press(key)

    def focused(self) -> dict[str, Any] | None:
        """The element with keyboard focus inside the form's frame (``None`` when focus is elsewhere)."""
        return self.demo.frame.evaluate(FOCUSED)

    def launch(self, form_id: str) -> None:
        """Tab to the host's launch button and press Enter."""
        page = self.demo.page
        self.demo.form = self.demo.server.form(form_id)
        while page.evaluate("document.activeElement.dataset.form || null") != form_id:
            self.press("Tab")
        self.keys.press("Enter")
        self.demo.wait_for_form()

    def activate(self) -> None:
        """Press Enter on the focused button or link and wait for the form's next page."""
        with self.demo.frame.expect_navigation(timeout=15_000):
            self.keys.press("Enter")
        self.presses = 0
        self.demo.visit()

    def fill_page(self) -> None:
        """Walk the page with Tab, answering each control on the way, and press Enter on "Save and continue"."""
        while True:
            here = self.focused()
            if here is None or here["tag"] not in ("input", "textarea", "button"):
                self.press("Tab")
                continue
            if here["tag"] == "button":
                if here["value"] == "continue":
                    self.activate()
                    return
                self.press("Tab")
                continue
            self.answer(here)
            self.press("Tab")

    def answer(self, here: dict[str, Any]) -> None:
        """Put the answer to the focused control's question in it, by keyboard."""
        name = here["name"] or ""
        question_id, _, part = name.rpartition("-") if name not in self.demo.form.questions else (name, "", "")
        if question_id not in self.answers:
            return
        question = self.demo.form.questions[question_id]
        typed = typed_value(question, self.answers[question_id])
        if here["type"] == "radio":
            self.choose(question_id, typed, here)
        elif here["type"] == "checkbox":
            if here["checked"] != (here["value"] in typed):
                self.press("Space")
        else:
            wanted = typed[part] if part else typed
            if here["value"] != wanted:
                self.press("Control+A")
                self.keys.type(wanted)

    def choose(self, name: str, wanted: str, here: dict[str, Any]) -> None:
        """Select ``wanted`` in a radio group: Space on the focused radio, or the arrow keys to move to it."""
        group = self.demo.frame.evaluate(GROUP, name)
        values = [value for value, _ in group]
        if dict(group).get(wanted):
            return
        if not any(checked for _, checked in group) and here["value"] == wanted:
            self.press("Space")
        else:
            steps = (values.index(wanted) - values.index(here["value"])) % len(values)
            for _ in range(steps):
                self.press("ArrowDown")
        group = dict(self.demo.frame.evaluate(GROUP, name))
        assert group.get(wanted), f"the keyboard did not select {wanted!r} for {name}: {group}"

    def submit(self) -> None:
        """On check your answers: Space on each warning's checkbox, Shift+Tab back from "Submit decision" to
        see the last one still ticked, Tab forward again, and Enter."""
        while True:
            here = self.focused()
            if here and here["type"] == "checkbox" and here["name"] == "acknowledge" and not here["checked"]:
                self.press("Space")
            elif here and here["id"] == "sw-submit":
                self.press("Shift+Tab")
                back = self.focused()
                assert back and back["name"] == "acknowledge" and back["checked"], f"Shift+Tab from submit reached {back}"
                self.press("Tab")
                assert (self.focused() or {}).get("id") == "sw-submit", "Tab did not return to the submit button"
                self.activate()
                return
            self.press("Tab")


def test_core_form_by_keyboard_alone(sharewise: Any, demo: Any, core_answers: dict[str, Any]) -> None:
    answers = changed(core_answers, DO_NOT_SHARE)
    evaluation = sharewise.engine.evaluate(CORE_FORM, answers)
    assert not evaluation.by_severity("error"), "the shorter answer set used here must itself be valid"
    user = KeyboardUser(demo, answers)

    user.launch(CORE_FORM)
    pages = []
    while (section := demo.section_id()) is not None:
        assert pages.count(section) < 3, f"page {section!r} keeps coming back: {pages}"
        pages.append(section)
        user.fill_page()
        assert not demo.error_summary(), f"page {demo.section_id()!r} refused the answers: {demo.error_summary()}"
    assert demo.frame.url.endswith("/embed/check"), f"the pages did not end at check your answers: {demo.frame.url}"
    assert not demo.error_summary(), f"check your answers lists problems: {demo.error_summary()}"
    assert demo.frame.locator("input[name=acknowledge]").count(), "expected a warning to acknowledge (not sharing a risk of harm)"

    user.submit()
    expect(demo.frame.locator("h1"), "the confirmation after submitting by keyboard").to_have_text("Decision recorded")
    record_id = demo.frame.locator("#sw-record-id").inner_text().strip()
    demo.expect_delivered(record_id)
    received = demo.page.locator(f"#demo-received li[data-record='{record_id}']").inner_text()
    assert "do_not_share" in received, f"the host received another decision than the one chosen by keyboard: {received!r}"
