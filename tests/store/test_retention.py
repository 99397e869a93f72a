"""Retention: what is due and when, disposal per retention class (review, delete, anonymise),
legal holds, a person's review, the disposal policy setting, and the ``sharewise retention`` commands.

Records here get their retention class and review date from the test plugin ``ContextRetention``
(``make_record(retention=("class", "YYYY-MM-DD"))``); the fixed clock says it is 2026-11-25.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sharewise.core.errors import InvalidInput, SharewiseError
from sharewise.core.retention import Retention, RetentionRefused, disposal_policy
from sharewise.core.store.store import RecordNotFound

D = dt.date.fromisoformat
POLICY = {"keep": "review", "gone": "delete", "anon": "anonymise"}

#: Answers of the base scenario (01) that survive anonymisation: choice, multi and yes/no questions.
CODED_KEYS = frozenset(
    {
        "trigger",
        "sharer_agency_type",
        "sharer_is_public_authority",
        "processing_regime",
        "proposed_recipients",
        "subject_roles",
        "protected_persons",
        "information_categories",
        "third_parties_identifiable",
        "concern_level",
        "urgency",
        "consent_sought",
        "consent_not_sought_reason",
        "art6_basis",
        "special_category_condition",
        "statutory_gateways",
        "checks_confirmed",
        "minimum_necessary",
        "advice_sought",
        "decision",
        "share_method",
        "subject_informed",
    }
)


@pytest.fixture
def retention(engine: Any, store: Any, clock: Any) -> Retention:
    """Retention with the test policy: ``keep`` → review, ``gone`` → delete, ``anon`` → anonymise."""
    return Retention(engine, store, policy=POLICY, clock=clock)


def purge_entries(store: Any, record_id: str) -> list[Any]:
    return [e for e in store.audit_entries(record_id=record_id) if e.action == "purged"]


# --- due ---------------------------------------------------------------------------------------------------


def test_due_on_the_review_date_itself(retention: Retention, make_record: Any) -> None:
    record = make_record(retention=("keep", "2030-06-15"))
    assert retention.due(D("2030-06-14")) == []
    (item,) = retention.due(D("2030-06-15"))
    assert (item.record_id, item.form_id, item.retention_class) == (record.id, "information-sharing-decision", "keep")
    assert (item.review_on, item.action, item.hold) == (D("2030-06-15"), "review", None)
    assert item.to_dict() == {
        "record_id": record.id,
        "form_id": "information-sharing-decision",
        "retention_class": "keep",
        "review_on": "2030-06-15",
        "action": "review",
        "legal_hold": None,
    }
    assert [i.record_id for i in retention.due(D("2040-01-01"))] == [record.id], "still due later, until dealt with"


def test_due_is_earliest_first_with_each_class_action(retention: Retention, make_record: Any) -> None:
    late = make_record(retention=("anon", "2031-01-01"))
    early = make_record(retention=("gone", "2030-01-01"))
    same_day = make_record(retention=("other", "2030-01-01"))
    future = make_record(retention=("keep", "2035-01-01"))
    due = retention.due(D("2031-01-01"))
    assert [(i.record_id, i.action) for i in due] == [(early.id, "delete"), (same_day.id, "review"), (late.id, "anonymise")]
    assert future.id not in {i.record_id for i in due}


def test_the_default_national_review_date_is_used(retention: Retention, make_record: Any) -> None:
    record = make_record()  # England: the 7-year-old child's 25th birthday, from the decision on 2026-11-21
    assert record.review_on == "2044-11-21"
    assert retention.due(D("2044-11-20")) == []
    assert [(i.record_id, i.retention_class) for i in retention.due(D("2044-11-21"))] == [(record.id, "safeguarding-decision")]


def test_a_review_moves_the_due_date(retention: Retention, make_record: Any, store: Any) -> None:
    record = make_record(retention=("keep", "2026-12-01"))
    assert [i.record_id for i in retention.due(D("2026-12-01"))] == [record.id]
    retention.review(record.id, actor="dpo", reason="Proceedings ongoing", keep_until=D("2028-03-31"))
    assert retention.due(D("2026-12-01")) == []
    assert retention.due(D("2028-03-30")) == []
    (item,) = retention.due(D("2028-03-31"))
    assert item.review_on == D("2028-03-31")
    assert store.get(record.id) == record, "a review does not change the record"
    (entry,) = [e for e in store.audit_entries(record_id=record.id) if e.action == "reviewed"]
    assert entry.actor == "dpo"
    assert dict(entry.detail) == {"keep_until": "2028-03-31", "reason": "Proceedings ongoing"}
    assert store.verify().intact


def test_disposed_records_are_not_due(retention: Retention, make_record: Any) -> None:
    anonymised = make_record(retention=("anon", "2030-01-01"))
    deleted = make_record(retention=("gone", "2030-01-01"))
    kept = make_record(retention=("keep", "2030-01-01"))
    retention.apply(D("2030-01-01"), actor="scheduler")
    assert [i.record_id for i in retention.due(D("2040-01-01"))] == [kept.id]
    assert anonymised.id != deleted.id


def test_due_shows_a_legal_hold(retention: Retention, make_record: Any, store: Any, clock: Any) -> None:
    record = make_record(retention=("gone", "2030-01-01"))
    store.hold(record.id, reason="Serious case review", actor="lead", now=clock())
    (item,) = retention.due(D("2030-01-01"))
    assert item.hold == "Serious case review"
    assert item.to_dict()["legal_hold"] == "Serious case review"
    store.release(record.id, reason="Closed", actor="lead", now=clock())
    (item,) = retention.due(D("2030-01-01"))
    assert item.hold is None


# --- apply -------------------------------------------------------------------------------------------------


def test_apply_per_class(retention: Retention, make_record: Any, store: Any, clock: Any) -> None:
    keep = make_record(retention=("keep", "2030-01-01"))
    unconfigured = make_record(retention=("unlisted-class", "2030-01-02"))
    gone = make_record(retention=("gone", "2030-01-03"))
    anon = make_record(retention=("anon", "2030-01-04"), author={"id": "u9", "name": "Named Person"}, context={"case": "C-7"})
    held = make_record(retention=("gone", "2030-01-05"))
    not_yet = make_record(retention=("gone", "2031-01-01"))
    store.hold(held.id, reason="Litigation", actor="lead", now=clock())
    entries_before = len(store.audit_entries())

    report = retention.apply(D("2030-06-01"), actor="scheduler")
    assert report.disposed == [(gone.id, "delete"), (anon.id, "anonymise")]
    assert report.refused == [(held.id, "Litigation")]
    assert report.awaiting_review == [keep.id, unconfigured.id]
    assert report.to_dict() == {
        "disposed": [{"record_id": gone.id, "action": "delete"}, {"record_id": anon.id, "action": "anonymise"}],
        "refused": [{"record_id": held.id, "legal_hold": "Litigation"}],
        "awaiting_review": [keep.id, unconfigured.id],
    }
    # review: untouched
    for record in (keep, unconfigured, held, not_yet):
        assert store.get(record.id) == record
        assert purge_entries(store, record.id) == []
    # delete: the row is gone, its purge entry keeps the hash
    with pytest.raises(RecordNotFound):
        store.get(gone.id)
    (purge,) = purge_entries(store, gone.id)
    assert purge.actor == "scheduler"
    assert purge.detail["disposal"] == "delete"
    assert purge.detail["record_hash"] == gone.content_hash
    assert purge.detail["remaining_hash"] is None
    assert purge.detail["retention_class"] == "gone"
    # anonymise: see test_anonymise_keeps_only_coded_answers
    assert store.get(anon.id).disposal == "anonymised"
    assert len(store.audit_entries()) == entries_before + 2
    assert store.verify().intact

    again = retention.apply(D("2030-06-01"), actor="scheduler")
    assert again.disposed == []
    assert again.refused == [(held.id, "Litigation")]
    assert again.awaiting_review == [keep.id, unconfigured.id]


def test_anonymise_keeps_only_coded_answers(
    retention: Retention, make_record: Any, store: Any, engine: Any, base_answers: dict[str, Any]
) -> None:
    record = make_record(retention=("anon", "2030-01-01"), author={"id": "u9", "name": "Named Person"}, context={"case": "C-7"})
    retention.apply(D("2030-01-01"), actor="scheduler")
    left = store.get(record.id)
    types = {q.id: q.type for q in engine.form("information-sharing-decision").iter_questions()}
    assert set(left.answers) == CODED_KEYS == {k for k in base_answers if types[k] in ("choice", "multi", "yes_no")}
    assert dict(left.answers) == {k: base_answers[k] for k in CODED_KEYS}
    for gone in ("purpose", "child_age", "decided_at", "decision_maker_name", "shared_at", "information_summary"):
        assert gone not in left.answers
    assert dict(left.context) == {} and dict(left.author) == {}
    assert left.disposal == "anonymised"
    # what statistics need stays
    assert (left.id, left.form_id, left.form_version, left.created_at) == (record.id, record.form_id, 1, record.created_at)
    assert left.outcome == record.outcome and left.findings == record.findings
    assert (left.retention_class, left.review_on, left.host) == (record.retention_class, record.review_on, record.host)
    (purge,) = purge_entries(store, record.id)
    assert purge.detail["disposal"] == "anonymise"
    assert purge.detail["record_hash"] == record.content_hash
    assert purge.detail["remaining_hash"] == left.compute_hash()
    assert store.verify().intact


def test_anonymising_an_amendment_removes_its_free_text_reason(
    retention: Retention, make_record: Any, recorder: Any, store: Any
) -> None:
    """The amendment reason is practitioner free text ("Mrs X's son told us…"): anonymisation removes free text."""
    original = make_record(retention=("anon", "2030-01-01"))
    amended = recorder.amend(
        original.id, {**original.answers, "urgency": "immediate"}, reason="Mrs Example's son Tom told us it was urgent"
    ).record
    assert amended.amendment_reason
    retention.review(amended.id, actor="dpo", reason="Statistics only", dispose="anonymise")
    left = store.get(amended.id)
    assert left.disposal == "anonymised"
    assert store.verify().intact
    assert left.amendment_reason in (None, ""), f"free text survived anonymisation: {left.amendment_reason!r}"


def test_held_records_are_refused_until_released(retention: Retention, make_record: Any, store: Any, clock: Any) -> None:
    record = make_record(retention=("gone", "2030-01-01"))
    store.hold(record.id, reason="Police investigation", actor="lead", now=clock())
    report = retention.apply(D("2030-01-01"), actor="scheduler")
    assert report.disposed == [] and report.refused == [(record.id, "Police investigation")]
    with pytest.raises(RetentionRefused, match="legal hold"):
        retention.review(record.id, actor="dpo", reason="Dispose now", dispose="delete")
    with pytest.raises(RetentionRefused, match="legal hold"):
        retention.review(record.id, actor="dpo", reason="Dispose now", dispose="anonymise")
    assert store.get(record.id) == record
    assert purge_entries(store, record.id) == []
    store.release(record.id, reason="Investigation closed", actor="lead", now=clock())
    report = retention.apply(D("2030-01-01"), actor="scheduler")
    assert report.disposed == [(record.id, "delete")]
    assert store.verify().intact


def test_apply_with_nothing_due(retention: Retention, make_record: Any) -> None:
    make_record(retention=("gone", "2030-01-01"))
    report = retention.apply(D("2029-12-31"), actor="scheduler")
    assert report.to_dict() == {"disposed": [], "refused": [], "awaiting_review": []}


# --- review ------------------------------------------------------------------------------------------------


def test_review_keep_until_must_be_in_the_future(retention: Retention, make_record: Any, store: Any, clock: Any) -> None:
    record = make_record(retention=("keep", "2026-11-01"))
    today = clock().date()
    for past in (today, today - dt.timedelta(days=1), D("2000-01-01")):
        with pytest.raises(InvalidInput):
            retention.review(record.id, actor="dpo", reason="Keep", keep_until=past)
    assert [e.action for e in store.audit_entries()] == ["created"]
    retention.review(record.id, actor="dpo", reason="Keep a day", keep_until=today + dt.timedelta(days=1))
    assert [e.action for e in store.audit_entries()] == ["created", "reviewed"]


def test_review_needs_a_reason_and_one_decision(retention: Retention, make_record: Any, store: Any) -> None:
    record = make_record(retention=("keep", "2026-11-01"))
    future = D("2030-01-01")
    bad = [
        {"reason": "", "keep_until": future},
        {"reason": "   ", "dispose": "delete"},
        {"reason": "both", "keep_until": future, "dispose": "delete"},
        {"reason": "neither"},
        {"reason": "wrong disposal", "dispose": "shred"},
        {"reason": "review is not a disposal", "dispose": "review"},
    ]
    for arguments in bad:
        with pytest.raises(InvalidInput):
            retention.review(record.id, actor="dpo", **arguments)
    assert store.get(record.id) == record
    assert [e.action for e in store.audit_entries()] == ["created"]


def test_review_can_dispose(retention: Retention, make_record: Any, store: Any) -> None:
    deleted = make_record(retention=("keep", "2040-01-01"))
    anonymised = make_record(retention=("keep", "2040-01-01"))
    retention.review(deleted.id, actor="dpo", reason="No longer necessary", dispose="delete")
    retention.review(anonymised.id, actor="dpo", reason="Statistics only", dispose="anonymise")
    with pytest.raises(RecordNotFound):
        store.get(deleted.id)
    (purge,) = purge_entries(store, deleted.id)
    assert (purge.actor, purge.detail["reason"], purge.detail["remaining_hash"]) == ("dpo", "No longer necessary", None)
    left = store.get(anonymised.id)
    assert left.disposal == "anonymised" and set(left.answers) == CODED_KEYS
    (purge,) = purge_entries(store, anonymised.id)
    assert purge.detail["reason"] == "Statistics only"
    assert store.verify().intact


def test_review_refuses_disposed_records(retention: Retention, make_record: Any, store: Any) -> None:
    record = make_record(retention=("anon", "2030-01-01"))
    retention.apply(D("2030-01-01"), actor="scheduler")
    before = len(store.audit_entries())
    with pytest.raises(RetentionRefused, match="disposed"):
        retention.review(record.id, actor="dpo", reason="Keep", keep_until=D("2031-01-01"))
    for disposal in ("anonymise", "delete"):
        with pytest.raises(RetentionRefused, match="disposed"):
            retention.review(record.id, actor="dpo", reason="Again", dispose=disposal)
    assert len(store.audit_entries()) == before
    assert store.get(record.id).disposal == "anonymised"


def test_review_of_an_unknown_record(retention: Retention, store: Any) -> None:
    with pytest.raises(SharewiseError):
        retention.review("no-such-record", actor="dpo", reason="Keep", keep_until=D("2031-01-01"))
    with pytest.raises(SharewiseError):
        retention.review("no-such-record", actor="dpo", reason="Go", dispose="delete")
    assert store.audit_entries() == []


# --- the disposal policy setting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "policy"),
    [
        ("", {}),
        ("early_help=delete", {"early_help": "delete"}),
        (
            " early_help = delete , safeguarding-decision=review,stats=anonymise, ",
            {"early_help": "delete", "safeguarding-decision": "review", "stats": "anonymise"},
        ),
        ("a=delete,a=anonymise", {"a": "anonymise"}),
        (",,", {}),
    ],
)
def test_disposal_policy(setting: str, policy: dict[str, str]) -> None:
    assert disposal_policy({"SHAREWISE_RETENTION_DISPOSAL": setting}) == policy


@pytest.mark.parametrize("setting", ["a=shred", "=delete", "a", "a=", "a=Delete", "a=delete,b=purge", "a:delete"])
def test_disposal_policy_errors(setting: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        disposal_policy({"SHAREWISE_RETENTION_DISPOSAL": setting})
    message = str(caught.value)
    assert "SHAREWISE_RETENTION_DISPOSAL" in message
    assert "review, delete, anonymise" in message
    assert "\n" not in message


def test_retention_reads_the_policy_from_the_environment(engine: Any, store: Any, clock: Any, monkeypatch: Any) -> None:
    assert disposal_policy({}) == {}
    monkeypatch.setenv("SHAREWISE_RETENTION_DISPOSAL", "gone=delete")
    service = Retention(engine, store, clock=clock)
    assert service.action_for("gone") == "delete"
    assert service.action_for("anything-else") == "review"
    monkeypatch.setenv("SHAREWISE_RETENTION_DISPOSAL", "gone=burn")
    with pytest.raises(InvalidInput):
        Retention(engine, store, clock=clock)


# --- sharewise retention due / apply / review ---------------------------------------------------------------


def test_cli_retention_due(database_url: str, store: Any, make_record: Any, cli: Any) -> None:
    first, second = make_record(), make_record()
    result = cli("--database", database_url, "retention", "due", "--as-of", "2044-11-20", "--json")
    assert result.code == 0, result.err
    assert result.json() == []
    assert cli("--database", database_url, "retention", "due", "--as-of", "2044-11-20").out.strip() == "nothing is due"
    held = cli("--database", database_url, "records", "hold", second.id, "--reason", "Inquest")
    assert held.code == 0, held.err
    result = cli("--database", database_url, "retention", "due", "--as-of", "2044-11-21", "--json")
    assert result.code == 0, result.err
    assert result.json() == [
        {
            "record_id": record.id,
            "form_id": "information-sharing-decision",
            "retention_class": "safeguarding-decision",
            "review_on": "2044-11-21",
            "action": "review",
            "legal_hold": hold,
        }
        for record, hold in ((first, None), (second, "Inquest"))
    ]
    text = cli("--database", database_url, "retention", "due", "--as-of", "2044-11-21")
    assert text.code == 0
    lines = text.out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(first.id) and "legal hold: Inquest" in lines[1]


def test_cli_retention_apply(database_url: str, store: Any, make_record: Any, cli: Any, monkeypatch: Any) -> None:
    held, doomed = make_record(), make_record()
    assert cli("--database", database_url, "records", "hold", held.id, "--reason", "Inquest").code == 0
    review = cli("--database", database_url, "retention", "apply", "--as-of", "2044-11-21")
    assert review.code == 0, review.err
    assert f"awaiting review {doomed.id}" in review.out
    assert store.count() == 2

    monkeypatch.setenv("SHAREWISE_RETENTION_DISPOSAL", "safeguarding-decision=delete")
    early = cli("--database", database_url, "retention", "apply", "--as-of", "2044-11-20", "--json")
    assert early.code == 0 and early.json() == {"disposed": [], "refused": [], "awaiting_review": []}
    result = cli("--database", database_url, "retention", "apply", "--as-of", "2044-11-21", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "disposed": [{"record_id": doomed.id, "action": "delete"}],
        "refused": [{"record_id": held.id, "legal_hold": "Inquest"}],
        "awaiting_review": [],
    }
    assert [r.id for r in store.list()] == [held.id]
    (purge,) = purge_entries(store, doomed.id)
    assert purge.actor == "cli-tester"
    text = cli("--database", database_url, "retention", "apply", "--as-of", "2044-11-21")
    assert text.code == 0
    assert f"refused {held.id}: under legal hold (Inquest)" in text.out
    assert cli("--database", database_url, "audit", "verify").code == 0


def test_cli_retention_review(database_url: str, store: Any, make_record: Any, cli: Any, one_line_error: Any) -> None:
    kept, anonymised = make_record(), make_record()
    result = cli("--database", database_url, "retention", "review", kept.id, "--keep-until", "2099-01-01", "--reason", "Ongoing")
    assert result.code == 0, result.err
    assert result.out.strip() == f"{kept.id}: kept until 2099-01-01"
    due = cli("--database", database_url, "retention", "due", "--as-of", "2050-01-01", "--json").json()
    assert [item["record_id"] for item in due] == [anonymised.id]

    result = cli("--database", database_url, "retention", "review", anonymised.id, "--dispose", "anonymise", "--reason", "Stats")
    assert result.code == 0, result.err
    assert result.out.strip() == f"{anonymised.id}: anonymised"
    assert store.get(anonymised.id).disposal == "anonymised"

    base = ("--database", database_url, "retention", "review", kept.id, "--reason", "r")
    one_line_error(cli(*base, "--keep-until", "2000-01-01"), "after today")
    one_line_error(cli(*base, "--keep-until", "2099-01-01", "--dispose", "delete"))
    one_line_error(cli(*base))
    one_line_error(cli("--database", database_url, "retention", "review", anonymised.id, "--dispose", "delete", "--reason", "r"))
    missing_reason = cli("--database", database_url, "retention", "review", kept.id, "--keep-until", "2099-01-01")
    assert missing_reason.code == 2 and "--reason" in missing_reason.err and "Traceback" not in missing_reason.err
    assert cli("--database", database_url, "audit", "verify").code == 0


def test_cli_retention_bad_input(database_url: str, store: Any, cli: Any, one_line_error: Any, monkeypatch: Any) -> None:
    bad_date = cli("--database", database_url, "retention", "due", "--as-of", "2044-13-01")
    assert bad_date.code == 2 and "Traceback" not in bad_date.err
    monkeypatch.setenv("SHAREWISE_RETENTION_DISPOSAL", "safeguarding-decision=shred")
    one_line_error(cli("--database", database_url, "retention", "apply"), "SHAREWISE_RETENTION_DISPOSAL")
