"""The opt-in local plugin ``liverpool`` (FORMS.md "Local plugin liverpool", LEGAL.md §9): its section
``early_help`` on the core form (visibility, required-ness, answer errors), rules LIV-1..4 and their
near misses, that the national rules are unchanged beside it (a local plugin adds, never removes),
and any worked scenario that enables it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from answer_sets import DO_NOT_SHARE, changed
from cli_runs import run_script
from forms_md_tables import CORE_FORM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from liverpool_cases import EARLY_HELP, LIVERPOOL_IDS, LIVERPOOL_TYPES, NO_EPISODE, WITH_CONSENT
from scenario_files import SCENARIOS, load_scenarios

from sharewise.core import Engine, Evaluation

FOLLOW_UPS = ("ehat_reference", "ehat_consent_on_file", "family_agreement_recorded", "consent_review_on")
LIV_1_MESSAGE = (
    "Early Help is consent-based: seek consent, or if you now believe the child is at risk of significant harm, "
    "refer to children's social care (this is then not Early Help)"
)

#: Scenario 01 as an Early Help case shared without consent under para 18 (consent not sought).
WITHOUT_CONSENT = {
    "concern_level": "wellbeing_support",
    "urgency": "routine",
    "consent_not_sought_reason": "cannot_reasonably_obtain",
    "consent_not_sought_detail": "The family could not be reached before the panel met.",
    **EARLY_HELP,
}
#: Consent asked for and refused, shared anyway (override reason and Art 8 justification given).
REFUSED = {
    **WITH_CONSENT,
    "consent_outcome": "refused",
    "consent_given_by": None,
    "consent_explicit": None,
    "consent_override_reason": "The school nurse needs the health history to keep the child safe in school.",
    "article8_justification": "Protection of the child's health; no less intrusive way to plan the support.",
}
#: Consent given but not explicit: "without consent" by the shared definition.
NOT_EXPLICIT = {
    **WITH_CONSENT,
    "consent_explicit": False,
    "article8_justification": "Protection of the child's health; no less intrusive way to plan the support.",
}
PARTIAL = {**WITH_CONSENT, "consent_outcome": "partial", "consent_scope": "Health visitor records only, not school reports."}


@pytest.fixture(scope="module")
def national() -> Engine:
    """Built-ins only (a separate instance from conftest's, so this module stands alone)."""
    return Engine()


def found(evaluation: Evaluation, rule: str | None = None) -> list[tuple[str, str, str | None]]:
    """``(rule, severity, field)`` of each finding, optionally of one rule."""
    return [(f.rule, f.severity, f.field) for f in evaluation.findings if rule is None or f.rule == rule]


def one(evaluation: Evaluation, rule: str):
    """The single finding of ``rule``."""
    matches = [f for f in evaluation.findings if f.rule == rule]
    assert len(matches) == 1, f"expected one {rule} finding, got {found(evaluation)}"
    return matches[0]


def liv(evaluation: Evaluation) -> list[tuple[str, str, str | None]]:
    """The Liverpool rules' findings."""
    return [(f.rule, f.severity, f.field) for f in evaluation.findings if f.rule.startswith("LIV-")]


def as_dicts(evaluation: Evaluation, *, national_only: bool = False) -> list[dict[str, Any]]:
    """The findings as sorted dicts; ``national_only`` leaves out the Liverpool rules' findings and the
    engine's answer errors on Liverpool questions (what the plugin adds)."""
    rows = [
        f.to_dict() for f in evaluation.findings if not (national_only and (f.plugin == "liverpool" or f.field in LIVERPOOL_IDS))
    ]
    return sorted(rows, key=lambda d: json.dumps(d, sort_keys=True))


def without_liverpool_answers(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answers.items() if k not in LIVERPOOL_IDS}


# --- the coherent answer sets themselves ---------------------------------------------------------


def test_early_help_with_consent_is_clean_but_for_the_consent_review_advice(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT))
    assert evaluation.valid
    assert found(evaluation) == [("LIV-3", "advice", "consent_review_on")]
    assert evaluation.outcome["with_consent"] is True
    assert evaluation.outcome["sharing"] is True
    assert evaluation.outcome["missing"] == []


def test_early_help_without_consent_under_para_18_only_adds_liv_1(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITHOUT_CONSENT))
    assert evaluation.valid
    assert found(evaluation) == [("LIV-1", "warning", "decision")]
    assert evaluation.outcome["review_required"] is True


# --- the section: present only with the plugin ---------------------------------------------------


def test_section_absent_without_the_plugin(national):
    form = national.form(CORE_FORM)
    assert "early_help" not in [s.id for s in form.sections]
    assert not set(LIVERPOOL_IDS) & {q.id for s in form.sections for q in s.questions}
    assert "liverpool" not in form.extended_by


def test_section_present_with_the_plugin(liverpool):
    form = liverpool.form(CORE_FORM)
    sections = {s.id: s for s in form.sections}
    assert "early_help" in sections
    section = sections["early_help"]
    assert section.plugin == "liverpool"
    assert [q.id for q in section.questions] == list(LIVERPOOL_IDS)
    types = {q.id: q.type for q in section.questions}
    assert types == LIVERPOOL_TYPES
    assert "liverpool" in form.extended_by


@pytest.mark.parametrize("form_id", ["dvds-disclosure", "csods-disclosure", "serious-violence-duty", "consent-record"])
def test_scheme_forms_are_not_extended(liverpool, national, form_id):
    local = liverpool.form(form_id)
    assert [s.id for s in local.sections] == [s.id for s in national.form(form_id).sections]
    assert "liverpool" not in local.extended_by


@pytest.mark.parametrize("question", LIVERPOOL_IDS)
def test_each_liverpool_answer_is_unknown_without_the_plugin(national, base_answers, question):
    answers = changed(base_answers, WITH_CONSENT, **{k: None for k in LIVERPOOL_IDS if k != question})
    evaluation = national.evaluate(CORE_FORM, answers)
    assert found(evaluation) == [("unknown", "error", question)]


def test_all_liverpool_answers_are_unknown_errors_without_the_plugin(national, base_answers):
    evaluation = national.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT))
    assert sorted(found(evaluation)) == sorted(("unknown", "error", q) for q in LIVERPOOL_IDS)
    assert liv(evaluation) == []
    assert evaluation.outcome["retention"]["class"] == "safeguarding-decision"


def test_wellbeing_support_demands_nothing_local_without_the_plugin(national, base_answers):
    evaluation = national.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, **dict.fromkeys(LIVERPOOL_IDS)))
    assert evaluation.valid
    assert found(evaluation) == []
    assert evaluation.outcome["missing"] == []


# --- visibility and required-ness ------------------------------------------------------------------


@pytest.mark.parametrize("concern", ["significant_harm", "serious_harm_adult", "crime_prevention", "none_identified"])
def test_section_hidden_unless_wellbeing_support(liverpool, base_answers, concern):
    answers = changed(base_answers, WITH_CONSENT, concern_level=concern)
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    hidden = [(r, s, f) for r, s, f in found(evaluation) if f in LIVERPOOL_IDS]
    assert sorted(hidden) == sorted(("hidden", "error", q) for q in LIVERPOOL_IDS)
    assert liv(evaluation) == []
    assert not set(evaluation.outcome["missing"]) & set(LIVERPOOL_IDS)


def test_section_hidden_when_concern_level_unanswered(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, concern_level=None))
    assert ("required", "error", "concern_level") in found(evaluation)
    assert sorted(f for _, _, f in found(evaluation, "hidden")) == sorted(LIVERPOOL_IDS)
    assert liv(evaluation) == []


def test_nothing_local_is_required_when_the_section_is_hidden(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, base_answers)  # significant_harm, no Liverpool answers
    assert evaluation.valid
    assert found(evaluation) == []


def test_early_help_episode_required_when_shown(liverpool, base_answers):
    answers = changed(base_answers, WITH_CONSENT, **dict.fromkeys(LIVERPOOL_IDS))
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert found(evaluation) == [("required", "error", "early_help_episode")]
    assert evaluation.outcome["missing"] == ["early_help_episode"]


def test_follow_ups_required_when_in_an_episode(liverpool, base_answers):
    answers = changed(base_answers, WITH_CONSENT, **dict.fromkeys(LIVERPOOL_IDS[1:]))
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert sorted(found(evaluation, "required")) == sorted(("required", "error", q) for q in FOLLOW_UPS)
    assert sorted(evaluation.outcome["missing"]) == sorted(FOLLOW_UPS)
    assert ("required", "error", "child_views_sought") not in found(evaluation)


@pytest.mark.parametrize("question", FOLLOW_UPS)
def test_each_follow_up_is_required(liverpool, base_answers, question):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, **{question: None}))
    assert found(evaluation, "required") == [("required", "error", question)]
    assert evaluation.outcome["missing"] == [question]


def test_follow_ups_not_required_outside_an_episode(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, NO_EPISODE))
    assert evaluation.valid
    assert found(evaluation) == []
    assert evaluation.outcome["missing"] == []


@pytest.mark.parametrize("question", LIVERPOOL_IDS[1:])
def test_each_follow_up_is_hidden_outside_an_episode(liverpool, base_answers, question):
    answers = changed(base_answers, WITH_CONSENT, NO_EPISODE, **{question: EARLY_HELP[question]})
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert found(evaluation) == [("hidden", "error", question)]


def test_child_views_sought_is_optional(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, child_views_sought=None))
    assert evaluation.valid
    assert found(evaluation) == [("LIV-3", "advice", "consent_review_on")]
    assert evaluation.outcome["missing"] == []


@pytest.mark.parametrize("roles", [["parent_carer"], ["parent_carer", "other_family_member"], ["other"]])
def test_child_views_sought_hidden_without_a_child_subject(liverpool, base_answers, roles):
    # The child is protected but not a subject: the question is not asked.
    answers = changed(base_answers, WITH_CONSENT, subject_roles=roles, consent_given_by="data_subject")
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert ("hidden", "error", "child_views_sought") in found(evaluation)
    assert found(evaluation, "LIV-4") == []
    ok = liverpool.evaluate(CORE_FORM, changed(answers, child_views_sought=None))
    assert ("hidden", "error", "child_views_sought") not in found(ok)
    assert ("required", "error", "child_views_sought") not in found(ok)


def test_child_views_sought_shown_with_a_child_among_several_subjects(liverpool, base_answers):
    answers = changed(base_answers, WITH_CONSENT, subject_roles=["parent_carer", "child"], child_views_sought=False)
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert ("hidden", "error", "child_views_sought") not in found(evaluation)
    assert found(evaluation, "LIV-4") == [("LIV-4", "advice", "child_views_sought")]


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("early_help_episode", "yes"),
        ("early_help_episode", 1),
        ("ehat_consent_on_file", "true"),
        ("family_agreement_recorded", 0),
        ("child_views_sought", "no"),
        ("consent_review_on", "2027-02-30"),
        ("consent_review_on", "14/05/2027"),
        ("ehat_reference", 412),
        ("ehat_reference", "E" * 501),
    ],
)
def test_malformed_liverpool_answers_are_errors_on_that_field(liverpool, base_answers, question, value):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, **{question: value}))
    assert not evaluation.valid
    assert any(s == "error" and f == question for _, s, f in found(evaluation)), found(evaluation)


def test_ehat_reference_at_its_limit_is_accepted(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, ehat_reference="E" * 500))
    assert evaluation.valid


# --- LIV-1: sharing without consent within Early Help -------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(WITHOUT_CONSENT, id="not-sought"),
        pytest.param(REFUSED, id="refused"),
        pytest.param(NOT_EXPLICIT, id="not-explicit"),
    ],
)
def test_liv_1_fires_when_sharing_without_consent_in_early_help(liverpool, base_answers, variant):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, variant))
    finding = one(evaluation, "LIV-1")
    assert (finding.severity, finding.field) == ("warning", "decision")
    assert " ".join(finding.message.split()) == LIV_1_MESSAGE
    assert "LSCP Early Help Assessment chapter" in finding.reference
    assert "Working Together" in finding.reference and "2023" in finding.reference and "ch.3" in finding.reference
    assert finding.plugin == "liverpool"
    assert evaluation.valid  # a warning: the share must still be recordable
    assert evaluation.outcome["review_required"] is True


def test_liv_1_fires_for_withdrawn_consent_and_partial_sharing(liverpool, base_answers):
    answers = changed(base_answers, REFUSED, consent_outcome="withdrawn", decision="share_partial")
    assert found(liverpool.evaluate(CORE_FORM, answers), "LIV-1") == [("LIV-1", "warning", "decision")]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({**WITH_CONSENT}, id="with-consent"),
        pytest.param(PARTIAL, id="partial-explicit-consent"),
        pytest.param({**WITHOUT_CONSENT, **DO_NOT_SHARE}, id="not-sharing"),
        pytest.param({**REFUSED, **DO_NOT_SHARE}, id="refused-not-sharing"),
        pytest.param({**WITHOUT_CONSENT, **NO_EPISODE}, id="not-an-episode"),
        pytest.param({**WITHOUT_CONSENT, **dict.fromkeys(LIVERPOOL_IDS)}, id="episode-unanswered"),
    ],
)
def test_liv_1_near_misses(liverpool, base_answers, variant):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, variant))
    assert found(evaluation, "LIV-1") == []


def test_liv_1_silent_when_the_concern_is_significant_harm(liverpool, base_answers):
    # Early Help answers sent for a significant-harm case are hidden: the case has left Early Help.
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITHOUT_CONSENT, concern_level="significant_harm"))
    assert found(evaluation, "LIV-1") == []
    assert ("hidden", "error", "early_help_episode") in found(evaluation)


def test_liv_1_silent_when_early_help_episode_is_malformed(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITHOUT_CONSENT, NO_EPISODE, early_help_episode="yes"))
    assert found(evaluation, "LIV-1") == []


# --- LIV-2: consent given but not on the EHAT -------------------------------------------------------


@pytest.mark.parametrize("variant", [pytest.param(WITH_CONSENT, id="given"), pytest.param(PARTIAL, id="partial")])
def test_liv_2_fires_when_consent_given_but_not_on_the_ehat(liverpool, base_answers, variant):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, variant, ehat_consent_on_file=False))
    finding = one(evaluation, "LIV-2")
    assert (finding.severity, finding.field) == ("warning", "ehat_consent_on_file")
    assert finding.reference and finding.reference.strip()
    assert "EHAT" in finding.message or "Early Help Assessment" in finding.message
    assert finding.plugin == "liverpool"
    assert evaluation.valid
    assert evaluation.outcome["review_required"] is True


def test_liv_2_fires_for_consent_given_but_not_explicit(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, NOT_EXPLICIT, ehat_consent_on_file=False))
    assert found(evaluation, "LIV-2") == [("LIV-2", "warning", "ehat_consent_on_file")]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(WITH_CONSENT, id="on-file"),
        pytest.param({**REFUSED, "ehat_consent_on_file": False}, id="refused"),
        pytest.param({**REFUSED, "consent_outcome": "withdrawn", "ehat_consent_on_file": False}, id="withdrawn"),
        pytest.param({**WITHOUT_CONSENT, "ehat_consent_on_file": False}, id="not-sought"),
        pytest.param({**WITH_CONSENT, "ehat_consent_on_file": None}, id="unanswered"),
    ],
)
def test_liv_2_near_misses(liverpool, base_answers, variant):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, variant))
    assert found(evaluation, "LIV-2") == []


def test_liv_2_silent_outside_an_episode(liverpool, base_answers):
    answers = changed(base_answers, WITH_CONSENT, NO_EPISODE, ehat_consent_on_file=False)
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert found(evaluation) == [("hidden", "error", "ehat_consent_on_file")]


# --- LIV-3: consent reviewed at each EHAT review --------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [pytest.param(WITH_CONSENT, id="given"), pytest.param(PARTIAL, id="partial"), pytest.param(NOT_EXPLICIT, id="not-explicit")],
)
def test_liv_3_fires_when_consent_given_in_an_episode(liverpool, base_answers, variant):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, variant))
    finding = one(evaluation, "LIV-3")
    assert (finding.severity, finding.field) == ("advice", "consent_review_on")
    assert "Art 7(3)" in finding.reference and "UK GDPR" in finding.reference
    assert "EHAT review" in finding.message
    assert "withdraw" in finding.message.lower()
    assert finding.plugin == "liverpool"


def test_liv_3_fires_when_not_sharing(liverpool, base_answers):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, DO_NOT_SHARE))
    assert evaluation.valid
    assert found(evaluation) == [("LIV-3", "advice", "consent_review_on")]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(REFUSED, id="refused"),
        pytest.param({**REFUSED, "consent_outcome": "withdrawn"}, id="withdrawn"),
        pytest.param(WITHOUT_CONSENT, id="not-sought"),
        pytest.param({**WITH_CONSENT, **NO_EPISODE}, id="not-an-episode"),
        pytest.param({**WITH_CONSENT, "concern_level": "significant_harm", **dict.fromkeys(LIVERPOOL_IDS)}, id="not-early-help"),
    ],
)
def test_liv_3_near_misses(liverpool, base_answers, variant):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, variant))
    assert found(evaluation, "LIV-3") == []


# --- LIV-4: the child's views not sought -------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant", [pytest.param(WITH_CONSENT, id="with-consent"), pytest.param(WITHOUT_CONSENT, id="without-consent")]
)
def test_liv_4_fires_when_the_childs_views_were_not_sought(liverpool, base_answers, variant):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, variant, child_views_sought=False))
    finding = one(evaluation, "LIV-4")
    assert (finding.severity, finding.field) == ("advice", "child_views_sought")
    assert "LSCP" in finding.reference
    assert "age and understanding" in finding.message
    assert "views" in finding.message
    assert finding.plugin == "liverpool"
    assert evaluation.valid


@pytest.mark.parametrize("value", [True, None])
def test_liv_4_near_misses(liverpool, base_answers, value):
    evaluation = liverpool.evaluate(CORE_FORM, changed(base_answers, WITH_CONSENT, child_views_sought=value))
    assert found(evaluation, "LIV-4") == []


def test_liv_4_silent_when_the_question_is_hidden(liverpool, base_answers):
    answers = changed(base_answers, WITH_CONSENT, NO_EPISODE, child_views_sought=False)
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert found(evaluation) == [("hidden", "error", "child_views_sought")]


def test_all_four_rules_together(liverpool, base_answers):
    # Consent given but not explicit (so "without consent"), not on the EHAT, the child not asked.
    answers = changed(base_answers, NOT_EXPLICIT, ehat_consent_on_file=False, child_views_sought=False)
    evaluation = liverpool.evaluate(CORE_FORM, answers)
    assert sorted(liv(evaluation)) == [
        ("LIV-1", "warning", "decision"),
        ("LIV-2", "warning", "ehat_consent_on_file"),
        ("LIV-3", "advice", "consent_review_on"),
        ("LIV-4", "advice", "child_views_sought"),
    ]
    assert evaluation.valid


def test_rules_are_documented_with_severity_field_and_reference(liverpool, national):
    rows = {row["rule"]: row for row in liverpool.rules() if row["plugin"] == "liverpool"}
    assert {rule: (row["severity"], row["field"], row["form"]) for rule, row in rows.items()} == {
        "LIV-1": ("warning", "decision", CORE_FORM),
        "LIV-2": ("warning", "ehat_consent_on_file", CORE_FORM),
        "LIV-3": ("advice", "consent_review_on", CORE_FORM),
        "LIV-4": ("advice", "child_views_sought", CORE_FORM),
    }
    assert all(row["reference"] for row in rows.values())
    assert not [row for row in national.rules() if row["rule"].startswith("LIV-")]


# --- a local plugin adds, never removes ---------------------------------------------------------------------


def test_isd_findings_unchanged_in_a_wellbeing_case_without_local_answers(liverpool, national, base_answers):
    # Scenario 01 as a wellbeing case, para 18: the only difference the plugin makes is asking its question.
    answers = changed(base_answers, concern_level="wellbeing_support")
    local, nat = liverpool.evaluate(CORE_FORM, answers), national.evaluate(CORE_FORM, answers)
    assert found(local) == [("required", "error", "early_help_episode")]
    assert found(nat) == []


@pytest.mark.parametrize(
    ("variant", "national_rules"),
    [
        pytest.param({**WITH_CONSENT, "subject_roles": ["child", "parent_carer"]}, {"ISD-26"}, id="ISD-26"),
        pytest.param({**WITHOUT_CONSENT, "checks_confirmed": ["necessary", "relevant"]}, {"ISD-7"}, id="ISD-7"),
        pytest.param(
            {**WITHOUT_CONSENT, "minimum_necessary": False, "share_method": "letter"}, {"ISD-8", "ISD-19"}, id="ISD-8-19"
        ),
        pytest.param({**NOT_EXPLICIT, "article8_justification": None}, {"ISD-10"}, id="ISD-10"),
        pytest.param({**REFUSED, "consent_override_reason": None}, {"ISD-9"}, id="ISD-9"),
        pytest.param({**WITHOUT_CONSENT, "urgency": "immediate"}, {"ISD-17"}, id="ISD-17"),
        pytest.param({**WITHOUT_CONSENT, "consent_not_sought_reason": "other_lawful_basis"}, {"ISD-6"}, id="ISD-6"),
        pytest.param({**REFUSED, "special_category_condition": "explicit_consent"}, {"ISD-23"}, id="ISD-23"),
        pytest.param({**WITH_CONSENT, "art6_basis": "consent"}, {"ISD-15"}, id="ISD-15"),
        pytest.param(
            {
                **WITH_CONSENT,
                "special_category_condition": "sch1_para18_safeguarding",
                "substantial_public_interest": "Child wellbeing.",
                "appropriate_policy_document": "APD v3",
            },
            {"ISD-4"},
            id="ISD-4",
        ),
    ],
)
def test_national_rules_fire_alongside_liverpool(liverpool, national, base_answers, variant, national_rules):
    answers = changed(base_answers, variant)
    local = liverpool.evaluate(CORE_FORM, answers)
    nat = national.evaluate(CORE_FORM, without_liverpool_answers(answers))
    assert national_rules <= {f.rule for f in nat.findings}, found(nat)
    assert as_dicts(local, national_only=True) == as_dicts(nat)


VARIANTS = {
    "with-consent": WITH_CONSENT,
    "without-consent": WITHOUT_CONSENT,
    "refused": REFUSED,
    "not-explicit": NOT_EXPLICIT,
    "partial": PARTIAL,
    "not-sharing": {**WITHOUT_CONSENT, **DO_NOT_SHARE},
    "no-episode": {**WITHOUT_CONSENT, **NO_EPISODE},
}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_national_findings_and_decision_support_identical_with_the_plugin(liverpool, national, base_answers, variant):
    answers = changed(base_answers, variant)
    local = liverpool.evaluate(CORE_FORM, answers)
    nat = national.evaluate(CORE_FORM, without_liverpool_answers(answers))
    assert as_dicts(local, national_only=True) == as_dicts(nat)
    assert {f.plugin for f in local.findings} <= {f.plugin for f in nat.findings} | {"liverpool"}
    for key in ("sharing", "with_consent", "sensitive", "suggested_conditions"):
        assert local.outcome[key] == nat.outcome[key], key


@pytest.mark.parametrize("scenario", [s for s in load_scenarios() if not s.get("plugins")], ids=lambda s: s["file"])
def test_every_worked_scenario_keeps_its_national_findings_with_the_plugin_on(liverpool, national, scenario):
    local = liverpool.evaluate(scenario["form"], scenario["answers"])
    nat = national.evaluate(scenario["form"], scenario["answers"])
    answers = scenario["answers"] if isinstance(scenario["answers"], dict) else {}
    if scenario["form"] == CORE_FORM and answers.get("concern_level") == "wellbeing_support":
        assert as_dicts(local, national_only=True) == as_dicts(nat, national_only=True)
    else:  # the section is not shown: the plugin changes nothing at all, retention included
        assert as_dicts(local) == as_dicts(nat)
        assert local.outcome == nat.outcome


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    consent=st.sampled_from(["given", "partial", "refused", "withdrawn", "not_sought"]),
    explicit=st.booleans(),
    decision=st.sampled_from(["share", "share_partial", "do_not_share"]),
    episode=st.sampled_from([True, False, None]),
    on_file=st.booleans(),
    views=st.sampled_from([True, False, None]),
    roles=st.sampled_from([["child"], ["child", "parent_carer"], ["parent_carer"]]),
    concern=st.sampled_from(["wellbeing_support", "wellbeing_support", "significant_harm"]),
)
def test_property_liverpool_only_adds_findings(
    liverpool, national, base_answers, consent, explicit, decision, episode, on_file, views, roles, concern
):
    if consent == "not_sought":
        answers = changed(base_answers, WITHOUT_CONSENT)
    else:
        answers = changed(base_answers, WITH_CONSENT, consent_outcome=consent)
        if consent in ("given", "partial"):
            answers = changed(answers, consent_explicit=explicit, consent_scope="Health only." if consent == "partial" else None)
        else:
            answers = changed(answers, consent_given_by=None, consent_explicit=None, consent_override_reason="Needed for safety.")
    answers = changed(answers, concern_level=concern, subject_roles=roles, decision=decision)
    if decision == "do_not_share":
        answers = changed(answers, DO_NOT_SHARE)
    if episode is None:
        answers = changed(answers, **dict.fromkeys(LIVERPOOL_IDS))
    elif episode is False:
        answers = changed(answers, NO_EPISODE)
    else:
        answers = changed(answers, ehat_consent_on_file=on_file, child_views_sought=views)
    local = liverpool.evaluate(CORE_FORM, answers)
    nat = national.evaluate(CORE_FORM, without_liverpool_answers(answers))
    assert as_dicts(local, national_only=True) == as_dicts(nat)
    assert {f.plugin for f in local.findings if f.rule.startswith("LIV-")} <= {"liverpool"}
    rules = {f.rule for f in local.findings if f.plugin == "liverpool"}
    assert rules <= {"LIV-1", "LIV-2", "LIV-3", "LIV-4"}
    in_episode = concern == "wellbeing_support" and episode is True
    with_consent = consent in ("given", "partial") and explicit
    sharing = decision != "do_not_share"
    assert ("LIV-1" in rules) == (in_episode and sharing and not with_consent)
    assert ("LIV-2" in rules) == (in_episode and consent in ("given", "partial") and on_file is False)
    assert ("LIV-3" in rules) == (in_episode and consent in ("given", "partial"))
    assert ("LIV-4" in rules) == (in_episode and "child" in roles and views is False)


# --- worked scenarios enabling the plugin ---------------------------------------------------------------------


LIVERPOOL_SCENARIOS = [s for s in load_scenarios() if "liverpool" in (s.get("plugins") or [])]
SCENARIO_PARAMS = [pytest.param(s, id=s["file"]) for s in LIVERPOOL_SCENARIOS] or [
    pytest.param(None, id="none", marks=pytest.mark.skip(reason="no worked scenario enables the liverpool plugin yet"))
]


def _check_expectations(doc: dict[str, Any], scenario: dict[str, Any]) -> None:
    expect = scenario["expect"]
    assert doc["valid"] is expect["valid"], doc["findings"]
    for severity, key in (("error", "errors_on"), ("warning", "warnings_on"), ("advice", "advice_on")):
        fields = {f["field"] for f in doc["findings"] if f["severity"] == severity}
        for field in expect.get(key, []):
            assert field in fields, f"{scenario['file']}: expected {severity} on {field}, got {doc['findings']}"


@pytest.mark.parametrize("scenario", SCENARIO_PARAMS)
def test_liverpool_scenario_through_the_engine(scenario):
    evaluation = Engine(scenario["plugins"]).evaluate(scenario["form"], scenario["answers"])
    _check_expectations(evaluation.to_dict(), scenario)


@pytest.mark.parametrize("scenario", SCENARIO_PARAMS)
def test_liverpool_scenario_through_the_console_script(scenario):
    cleared = ("SHAREWISE_PLUGINS", "SHAREWISE_LIVERPOOL_EARLY_HELP_REVIEW_YEARS")
    done = run_script("check", scenario["form"], SCENARIOS / scenario["file"], "--json", cleared=cleared)
    doc = done.json()
    assert done.code == (0 if scenario["expect"]["valid"] else 1), done.err
    _check_expectations(doc, scenario)
