"""Completing forms in a real browser through the demo host (issue 7, "Tests in a real browser"): the core form
and each scheme form launched by the host's button, filled page by page inside its iframe, checked, submitted,
and delivered back to the host through its real, signed webhook; and the Liverpool extension, whose Early Help
page appears with its guidance labelled as local policy beside the law's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from forms_md_tables import CORE_FORM
from liverpool_cases import WITH_CONSENT
from scenario_files import SCENARIOS

pytestmark = pytest.mark.browser


#: Each form and its complete, valid answers: a worked scenario in tests/data/scenarios, or a fixture.
FORMS = {
    "core": (CORE_FORM, "core_answers"),
    "dvds": ("dvds-disclosure", "17-dvds-valid-right-to-ask.json"),
    "csods": ("csods-disclosure", "18-csods-valid.json"),
    "svd": ("serious-violence-duty", "19-svd-police-to-local-authority.json"),
    "consent": ("consent-record", "consent_answers"),
}


def answers_for(which: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    form_id, source = FORMS[which]
    if not source.endswith(".json"):
        return request.getfixturevalue(source)
    scenario = json.loads((SCENARIOS / source).read_text(encoding="utf-8"))
    assert scenario["form"] == form_id, f"{source} is a scenario of {scenario['form']}, not {form_id}"
    return scenario["answers"]


@pytest.mark.parametrize("which", list(FORMS))
def test_form_completed_through_the_demo_host(which: str, sharewise: Any, demo: Any, request: pytest.FixtureRequest) -> None:
    form_id, answers = FORMS[which][0], answers_for(which, request)
    assert not sharewise.errors_in(form_id, answers), "the answer set used here must itself be valid"

    demo.launch(form_id)
    pages = demo.complete(answers)
    expected = [s.id for s in demo.form.sections if s.id in pages]
    assert list(dict.fromkeys(pages)) == expected, f"pages were not offered in form order: {pages}"

    record_id = demo.submit()
    demo.expect_delivered(record_id)
    received = demo.page.locator(f"#demo-received li[data-record='{record_id}']").inner_text()
    assert form_id in received, f"the host's panel names the form: {received!r}"
    events = demo.events()
    for event in ("ready", "saved", "submitted"):
        assert event in events, f"the host heard no {event!r} message from the form; it lists {events}"
    assert events[0] == "submitted", f"the latest message the host heard is not 'submitted': {events}"
    submitted = demo.page.locator("#demo-events li[data-event=submitted]").inner_text()
    assert record_id in submitted, f"the 'submitted' message carries the record id: {submitted!r}"


def test_liverpool_early_help_page(start_sharewise: Any, open_demo: Any, core_answers: dict[str, Any]) -> None:
    server = start_sharewise(plugins=("liverpool",))
    answers = {key: value for key, value in {**core_answers, **WITH_CONSENT}.items() if value is not None}
    assert not server.errors_in(CORE_FORM, answers), "the Early Help answer set used here must itself be valid"
    demo = open_demo(server)
    guidance: dict[str, set[str]] = {}

    def note_guidance(section: str) -> None:
        titles = demo.frame.locator(".sw-guidance__title").all_inner_texts()
        guidance.setdefault(section, set()).update(title.strip() for title in titles)

    demo.launch(CORE_FORM)
    pages = demo.complete(answers, on_page=note_guidance)
    assert "early_help" in pages, f"the Early Help page did not appear for a wellbeing concern: pages {pages}"
    assert guidance["early_help"] == {"Local policy (Liverpool)"}, (
        f"Early Help guidance is Liverpool's policy, not the law: {guidance['early_help']}"
    )
    national = {section for section, titles in guidance.items() if "What the law says" in titles}
    assert national, f"no national guidance labelled 'What the law says' on any page: {guidance}"
    assert all("Local policy (Liverpool)" not in guidance[s] for s in national - {"early_help"}), guidance

    record_id = demo.submit()
    demo.expect_delivered(record_id)
