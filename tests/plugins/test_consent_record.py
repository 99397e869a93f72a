"""The ``consent-record`` scheme form and its national rules (FORMS.md "Scheme forms", LEGAL.md §9).

Contract under test: every listed field is required except withdrawn_on (optional) and
child_competence_assessed (shown and required only when given_by is ``child_competent``). Rules:
explicit false → warning on it; review_on not after given_on (review_on <= given_on) → error on
review_on; withdrawn_on before given_on → error on withdrawn_on (the same day is fine);
child_competence_assessed false → error on it. Retention: class ``safeguarding-decision``, reviewed
6 years after given_on.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from answer_sets import CONSENT_RECORD, after, before
from finding_asserts import assert_clean_base, assert_rule_finding, only, triples
from forms_md_tables import AGENCY_CODES, SUBJECT_ROLE_CODES

from sharewise.core import Evaluation

FORM = "consent-record"

BASE: dict[str, Any] = CONSENT_RECORD
CHILD_GAVE_IT = {"given_by": "child_competent", "child_competence_assessed": True, "subject_roles": ["child"]}
ALWAYS_REQUIRED = (
    "subject_roles",
    "given_by",
    "scope_agencies",
    "scope_purposes",
    "explicit",
    "method",
    "given_on",
    "review_on",
)


@pytest.fixture
def consent(evaluate_changed: Callable[..., Callable[..., Evaluation]]) -> Callable[..., Evaluation]:
    """Evaluate BASE with some answers changed (``None`` removes one)."""
    return evaluate_changed(FORM, BASE)


# --- Base answer sets ---------------------------------------------------------------------------------


def test_base_consent_has_no_findings(consent):
    assert_clean_base(consent(), FORM)


def test_competent_child_assessed_has_no_findings(consent):
    assert consent(**CHILD_GAVE_IT).findings == ()


def test_withdrawn_consent_has_no_findings(consent):
    assert consent(withdrawn_on="2026-11-15").findings == ()


def test_implementation_added_fields_are_optional(consent):
    assert consent(case_reference="EH-2026-3301", recorded_by="A. Practitioner, Early Help worker").findings == ()


@pytest.mark.parametrize("given_by", ["data_subject", "child_competent", "parent_with_pr", "other_with_authority"])
def test_given_by_options_as_in_the_core_form(consent, given_by):
    changes = {"given_by": given_by}
    if given_by == "child_competent":
        changes["child_competence_assessed"] = True
    assert consent(**changes).findings == ()


@pytest.mark.parametrize("method", ["written", "verbal", "electronic"])
def test_method_options(consent, method):
    assert consent(method=method).findings == ()


def test_every_subject_role_and_agency_is_accepted(consent):
    assert consent(subject_roles=list(SUBJECT_ROLE_CODES), scope_agencies=list(AGENCY_CODES)).findings == ()


# --- Visibility and required-ness -------------------------------------------------------------------


@pytest.mark.parametrize("field", ALWAYS_REQUIRED)
def test_listed_fields_are_required(consent, field):
    evaluation = consent(**{field: None})
    assert not evaluation.valid
    assert triples(evaluation) == [("required", "error", field)]
    assert evaluation.outcome["missing"] == [field]


@pytest.mark.parametrize("field", ["subject_roles", "scope_agencies"])
def test_an_empty_multi_counts_as_unanswered(consent, field):
    evaluation = consent(**{field: []})
    assert triples(evaluation) == [("required", "error", field)]


def test_a_duplicate_agency_is_an_error(consent):
    evaluation = consent(scope_agencies=["police", "police"])
    assert triples(evaluation) == [("duplicate", "error", "scope_agencies")]


def test_an_unknown_agency_is_an_option_error(consent):
    evaluation = consent(scope_agencies=["police", "school_nurse"])
    assert triples(evaluation) == [("option", "error", "scope_agencies")]


def test_withdrawn_on_is_optional(consent):
    assert consent(withdrawn_on=None).findings == ()


def test_child_competence_assessed_required_when_the_child_consented(consent):
    evaluation = consent(given_by="child_competent")
    assert triples(evaluation) == [("required", "error", "child_competence_assessed")]
    assert evaluation.outcome["missing"] == ["child_competence_assessed"]


@pytest.mark.parametrize("given_by", ["data_subject", "parent_with_pr", "other_with_authority"])
@pytest.mark.parametrize("assessed", [True, False])
def test_child_competence_assessed_hidden_unless_the_child_consented(consent, given_by, assessed):
    # Hidden: an error on the answer itself, and a hidden false does not trigger CON-4.
    evaluation = consent(given_by=given_by, child_competence_assessed=assessed)
    assert triples(evaluation) == [("hidden", "error", "child_competence_assessed")]


def test_a_core_form_question_is_unknown_here(consent):
    evaluation = consent(consent_given_by="parent_with_pr")
    assert triples(evaluation) == [("unknown", "error", "consent_given_by")]


# --- CON-1: consent must be explicit, informed and freely given -------------------------------------


def test_con_1_consent_not_explicit_is_a_warning_on_explicit(consent):
    evaluation = consent(explicit=False)
    assert evaluation.valid
    assert triples(evaluation) == [("CON-1", "warning", "explicit")]
    assert_rule_finding(only(evaluation, "CON-1"), "warning", "explicit", "UK GDPR")
    assert evaluation.outcome["review_required"] is True


def test_con_1_does_not_fire_for_explicit_consent(consent):
    assert consent(explicit=True).findings == ()


# --- CON-2: the review date must be after the date consent was given ---------------------------------


def test_con_2_review_on_the_day_consent_was_given_is_an_error(consent):
    evaluation = consent(review_on=BASE["given_on"])
    assert not evaluation.valid
    assert triples(evaluation) == [("CON-2", "error", "review_on")]
    assert_rule_finding(only(evaluation, "CON-2"), "error", "review_on")


@pytest.mark.parametrize("days", [1, 30, 400])
def test_con_2_review_before_consent_was_given_is_an_error(consent, days):
    evaluation = consent(review_on=before(BASE["given_on"], days))
    assert triples(evaluation) == [("CON-2", "error", "review_on")]


def test_con_2_review_the_day_after_is_fine(consent):
    assert consent(review_on=after(BASE["given_on"], 1)).findings == ()


@pytest.mark.parametrize("missing", ["given_on", "review_on"])
def test_con_2_no_finding_when_a_date_is_missing(consent, missing):
    evaluation = consent(**{"review_on": "2020-01-01", missing: None})
    assert triples(evaluation) == [("required", "error", missing)]


def test_con_2_no_finding_when_a_date_is_malformed(consent):
    evaluation = consent(given_on="2026-13-01", review_on="2020-01-01")
    assert triples(evaluation) == [("type", "error", "given_on")]


# --- CON-3: consent cannot be withdrawn before it was given ------------------------------------------


@pytest.mark.parametrize("days", [1, 90])
def test_con_3_withdrawal_before_consent_is_an_error_on_withdrawn_on(consent, days):
    evaluation = consent(withdrawn_on=before(BASE["given_on"], days))
    assert not evaluation.valid
    assert triples(evaluation) == [("CON-3", "error", "withdrawn_on")]
    assert_rule_finding(only(evaluation, "CON-3"), "error", "withdrawn_on", "Art 7(3)")


def test_con_3_withdrawal_on_the_day_consent_was_given_is_fine(consent):
    assert consent(withdrawn_on=BASE["given_on"]).findings == ()


@pytest.mark.parametrize("withdrawn_on", ["2026-09-02", "2027-03-01", "2027-06-01"])
def test_con_3_withdrawal_after_consent_is_fine(consent, withdrawn_on):
    # Withdrawal at any time after consent, including after the planned review.
    assert consent(withdrawn_on=withdrawn_on).findings == ()


def test_con_3_no_finding_when_given_on_is_missing(consent):
    evaluation = consent(given_on=None, withdrawn_on="2020-01-01")
    assert triples(evaluation) == [("required", "error", "given_on")]


def test_con_2_and_con_3_reported_together(consent):
    evaluation = consent(review_on="2026-08-01", withdrawn_on="2026-08-15")
    assert triples(evaluation) == [("CON-2", "error", "review_on"), ("CON-3", "error", "withdrawn_on")]


# --- CON-4: a child's own consent needs their understanding assessed --------------------------------


def test_con_4_competence_not_assessed_is_an_error_on_it(consent):
    evaluation = consent(**{**CHILD_GAVE_IT, "child_competence_assessed": False})
    assert not evaluation.valid
    assert triples(evaluation) == [("CON-4", "error", "child_competence_assessed")]
    assert_rule_finding(only(evaluation, "CON-4"), "error", "child_competence_assessed", "Gillick")


def test_con_4_does_not_fire_when_competence_assessed(consent):
    assert consent(**CHILD_GAVE_IT).findings == ()


def test_all_rules_together_are_reported_at_once(consent):
    evaluation = consent(
        **{**CHILD_GAVE_IT, "child_competence_assessed": False},
        explicit=False,
        review_on="2026-09-01",
        withdrawn_on="2026-08-31",
    )
    assert triples(evaluation) == [
        ("CON-1", "warning", "explicit"),
        ("CON-2", "error", "review_on"),
        ("CON-3", "error", "withdrawn_on"),
        ("CON-4", "error", "child_competence_assessed"),
    ]


# --- Retention -------------------------------------------------------------------------------------------


def test_retention_six_years_after_consent_was_given(consent):
    evaluation = consent()
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2032-09-01"}


def test_retention_counts_from_given_on_not_withdrawal_or_review(consent):
    evaluation = consent(withdrawn_on="2027-01-10", review_on="2028-01-01")
    assert evaluation.outcome["retention"]["review_on"] == "2032-09-01"


def test_retention_from_a_leap_day(consent):
    evaluation = consent(given_on="2028-02-29", review_on="2028-08-29")
    assert evaluation.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2034-02-28"}


def test_retention_does_not_depend_on_the_day_of_the_check(engine):
    evaluation = engine.evaluate(FORM, copy.deepcopy(BASE), today=dt.date(2029, 5, 5))
    assert evaluation.outcome["retention"]["review_on"] == "2032-09-01"
