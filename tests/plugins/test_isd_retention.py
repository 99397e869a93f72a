"""The national default retention (FORMS.md "Outcome"): class ``safeguarding-decision``; review on
the youngest protected child's 25th birthday when child_age is known (decided_at + (25 − child_age)
years), otherwise decided_at + 6 years."""

from __future__ import annotations

import datetime as dt

import pytest
from answer_sets import ADULT_AT_RISK, NOT_SHARING
from forms_md_tables import CORE_FORM


def retention(evaluation):
    return evaluation.outcome["retention"]


def test_retention_base_case_reviews_on_the_childs_25th_birthday(check):
    # decided 2026-11-21, child aged 7: 25 - 7 = 18 years on.
    evaluation = check()
    assert evaluation.valid
    assert retention(evaluation) == {"class": "safeguarding-decision", "review_on": "2044-11-21"}


@pytest.mark.parametrize(("age", "review_on"), [(0, "2051-11-21"), (1, "2050-11-21"), (12, "2039-11-21"), (17, "2034-11-21")])
def test_retention_reviews_at_25_for_each_child_age(check, age, review_on):
    evaluation = check(child_age=age)
    assert evaluation.valid
    assert retention(evaluation) == {"class": "safeguarding-decision", "review_on": review_on}


def test_retention_six_years_when_child_age_unknown(check):
    evaluation = check(child_age=None)
    assert evaluation.valid
    assert retention(evaluation) == {"class": "safeguarding-decision", "review_on": "2032-11-21"}


def test_retention_six_years_when_no_child_is_involved(check):
    evaluation = check(**ADULT_AT_RISK)
    assert evaluation.valid
    assert retention(evaluation) == {"class": "safeguarding-decision", "review_on": "2032-11-21"}


def test_retention_counts_from_decided_at_not_shared_at(check):
    evaluation = check(decided_at="2026-03-01T09:00:00Z", shared_at="2027-01-15T10:00:00Z")
    assert retention(evaluation)["review_on"] == "2044-03-01"


def test_retention_counts_from_decided_at_not_the_date_of_the_check(engine, base_answers):
    evaluation = engine.evaluate(CORE_FORM, base_answers, today=dt.date(2030, 6, 1))
    assert retention(evaluation)["review_on"] == "2044-11-21"


def test_retention_applies_when_not_sharing(check):
    evaluation = check(**NOT_SHARING, child_age=3, decided_at="2026-05-10T14:00:00+01:00")
    assert evaluation.valid
    assert retention(evaluation) == {"class": "safeguarding-decision", "review_on": "2048-05-10"}


LEAP_DAY = {"decided_at": "2028-02-29T09:00:00Z", "shared_at": "2028-02-29T10:00:00Z"}


def test_retention_29_february_lands_on_28_february_in_a_common_year(check):
    # 2028-02-29 + 18 years: 2046 has no 29 February; the review is not put off into March.
    evaluation = check(**LEAP_DAY, child_age=7)
    assert evaluation.valid
    assert retention(evaluation)["review_on"] == "2046-02-28"


def test_retention_29_february_six_years_lands_on_28_february(check):
    evaluation = check(**LEAP_DAY, child_age=None)
    assert retention(evaluation)["review_on"] == "2034-02-28"


def test_retention_29_february_stays_29_february_in_a_leap_year(check):
    # 2028-02-29 + 24 years = 2052-02-29 (2052 is a leap year).
    evaluation = check(**LEAP_DAY, child_age=1)
    assert retention(evaluation)["review_on"] == "2052-02-29"
