"""Submitting and amending decision records through ``Recorder`` (issue 4, items 2 and 3).

Every test runs on SQLite, and on PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set (the
``store`` fixture). Behaviour only: what a record holds, what is refused and why, what the store
and its audit log show afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sharewise.core import Engine, hookimpl
from sharewise.core.errors import InvalidInput
from sharewise.core.record import Record
from sharewise.core.store.store import RecordNotFound, Store
from sharewise.core.submission import AmendmentRefused, IdempotencyConflict, Recorder, SubmissionRefused, Submitted

CORE = "information-sharing-decision"
SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "scenarios"
LIVERPOOL_SCENARIO = SCENARIOS / "20-liverpool-early-help-shared-without-consent.json"
NATIONAL_RETENTION = ("safeguarding-decision", "2044-11-21")  # scenario 01: decided 2026-11-21, child aged 7
NOW = dt.datetime(2027, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)
AUTHOR = {"id": "jo.bloggs", "name": "Jo Bloggs", "role": "Designated safeguarding lead"}
CONTEXT = {"case_reference": "CASE-2027-0042", "subject_reference": "SUBJ-77"}


@pytest.fixture(scope="module")
def liverpool() -> Engine:
    return Engine(["liverpool"])


@pytest.fixture
def recorder(engine: Engine, store: Store) -> Recorder:
    return Recorder(engine, store, clock=lambda: NOW)


@pytest.fixture
def letter(base_answers: dict[str, Any]) -> dict[str, Any]:
    """Valid answers with one warning: ISD-19 (information sent by letter)."""
    return {**base_answers, "share_method": "letter"}


@pytest.fixture
def two_warnings(base_answers: dict[str, Any]) -> dict[str, Any]:
    """Valid answers with two warnings: ISD-8 (more than the minimum) and ISD-19 (letter)."""
    return {**base_answers, "share_method": "letter", "minimum_necessary": False}


def actions(store: Store) -> list[tuple[int, str, str | None]]:
    return [(entry.seq, entry.action, entry.record_id) for entry in store.audit_entries()]


def rules_of(findings: list[dict[str, Any]], severity: str | None = None) -> list[str]:
    return [f["rule"] for f in findings if severity is None or f["severity"] == severity]


# ------------------------------------------------------------------------------ what a record holds


def test_record_holds_the_decision_and_how_it_was_made(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    submitted = recorder.submit(CORE, base_answers, author=AUTHOR, host="case-system", context=CONTEXT)

    assert isinstance(submitted, Submitted)
    assert submitted.replayed is False
    record = submitted.record
    assert record.id
    assert dict(record.answers) == base_answers
    assert record.findings == []
    assert record.acknowledged_warnings == []
    assert record.review_required is False
    assert record.form_id == CORE
    assert record.form_version == 1
    assert dict(record.plugins) == {info.name: info.version for info in recorder.engine.plugins}
    assert {"forms", "england"} <= set(record.plugins)
    assert all(isinstance(version, str) and version for version in record.plugins.values())
    assert dict(record.author) == AUTHOR
    assert record.host == "case-system"
    assert dict(record.context) == CONTEXT
    assert record.created_at == "2027-03-04T05:06:07.890123+00:00"
    assert (record.retention_class, record.review_on) == NATIONAL_RETENTION
    assert record.outcome["sharing"] is True
    assert record.outcome["retention"] == {"class": NATIONAL_RETENTION[0], "review_on": NATIONAL_RETENTION[1]}
    assert record.supersedes is None and record.amendment_reason is None
    assert record.content_hash == record.compute_hash()

    # What was stored is what was returned, and reads back the same from a fresh store.
    again = Store(store.url)
    try:
        stored = again.get(record.id)
    finally:
        again.close()
    assert stored == record
    assert stored.to_dict() == record.to_dict()
    assert store.count() == 1


def test_created_at_is_stored_in_utc(engine: Engine, store: Store, base_answers: dict[str, Any]) -> None:
    local = dt.timezone(dt.timedelta(hours=2))
    recorder = Recorder(engine, store, clock=lambda: dt.datetime(2027, 6, 1, 12, 0, tzinfo=local))

    record = recorder.submit(CORE, base_answers).record

    assert record.created_at == "2027-06-01T10:00:00.000000+00:00"
    assert store.get(record.id).created_at == record.created_at


def test_defaults_without_author_host_or_context(recorder: Recorder, base_answers: dict[str, Any]) -> None:
    record = recorder.submit(CORE, base_answers).record

    assert record.host == "local"
    assert dict(record.author) == {}
    assert dict(record.context) == {}


def test_acknowledged_warning_is_kept_with_its_finding(recorder: Recorder, store: Store, letter: dict[str, Any]) -> None:
    record = recorder.submit(CORE, letter, acknowledged=["ISD-19"]).record

    assert record.acknowledged_warnings == ["ISD-19"]
    assert rules_of(record.findings, "warning") == ["ISD-19"]
    (finding,) = record.findings
    assert finding["field"] == "share_method"
    assert finding["message"] and finding["reference"]
    assert record.review_required is True
    assert store.get(record.id).findings == record.findings


def test_several_acknowledged_warnings(recorder: Recorder, two_warnings: dict[str, Any]) -> None:
    record = recorder.submit(CORE, two_warnings, acknowledged=["ISD-19", "ISD-8"]).record

    assert sorted(record.acknowledged_warnings) == ["ISD-19", "ISD-8"]
    assert sorted(rules_of(record.findings, "warning")) == ["ISD-19", "ISD-8"]
    assert record.review_required is True


def test_liverpool_plugin_is_recorded_with_its_version_and_retention(liverpool: Engine, store: Store) -> None:
    scenario = json.loads(LIVERPOOL_SCENARIO.read_text(encoding="utf-8"))
    recorder = Recorder(liverpool, store, clock=lambda: NOW)

    record = recorder.submit(CORE, scenario["answers"], acknowledged=["LIV-1"]).record

    versions = {info.name: info.version for info in liverpool.plugins}
    assert "liverpool" in versions
    assert dict(record.plugins) == versions
    assert record.plugins["liverpool"] == versions["liverpool"]
    assert record.retention_class == "early_help"
    assert record.review_on == "2032-11-21"  # decided 2026-11-21, six years by default
    # Warnings and advice are both kept; only the warning needed acknowledging.
    assert rules_of(record.findings, "warning") == ["LIV-1"]
    assert rules_of(record.findings, "advice") == ["LIV-4"]
    assert record.acknowledged_warnings == ["LIV-1"]
    assert record.review_required is True
    assert record.answers["ehat_reference"] == "EHAT-2026-0412"


def test_default_engine_does_not_record_liverpool(recorder: Recorder, base_answers: dict[str, Any]) -> None:
    assert "liverpool" not in recorder.submit(CORE, base_answers).record.plugins


# ------------------------------------------------------------------------------ refusals


def test_errors_refuse_without_a_record_or_audit_entry(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    del base_answers["purpose"]

    with pytest.raises(SubmissionRefused, match="error") as refused:
        recorder.submit(CORE, base_answers, idempotency_key="k-error")

    assert not refused.value.evaluation.valid
    assert [f.field for f in refused.value.evaluation.by_severity("error")] == ["purpose"]
    assert store.count() == 0
    assert store.audit_entries() == []
    assert store.list() == []
    # The key was not used up: a corrected submission with it is recorded.
    base_answers["purpose"] = "To protect the child."
    assert recorder.submit(CORE, base_answers, idempotency_key="k-error").replayed is False


def test_errors_refuse_even_with_warnings_acknowledged(recorder: Recorder, store: Store, letter: dict[str, Any]) -> None:
    del letter["purpose"]

    with pytest.raises(SubmissionRefused):
        recorder.submit(CORE, letter, acknowledged=["ISD-19"])

    assert store.count() == 0
    assert store.audit_entries() == []


def test_unacknowledged_warning_refused_naming_it(recorder: Recorder, store: Store, letter: dict[str, Any]) -> None:
    with pytest.raises(SubmissionRefused, match="ISD-19") as refused:
        recorder.submit(CORE, letter)

    assert refused.value.unacknowledged == ["ISD-19"]
    assert store.count() == 0
    assert store.audit_entries() == []


def test_every_unacknowledged_warning_is_named(recorder: Recorder, store: Store, two_warnings: dict[str, Any]) -> None:
    with pytest.raises(SubmissionRefused) as refused:
        recorder.submit(CORE, two_warnings)
    assert sorted(refused.value.unacknowledged) == ["ISD-19", "ISD-8"]
    assert "ISD-19" in str(refused.value) and "ISD-8" in str(refused.value)

    with pytest.raises(SubmissionRefused) as partly:
        recorder.submit(CORE, two_warnings, acknowledged=["ISD-8"])
    assert partly.value.unacknowledged == ["ISD-19"]
    assert "ISD-19" in str(partly.value) and "ISD-8" not in str(partly.value)

    assert store.count() == 0
    assert store.audit_entries() == []


@pytest.mark.parametrize("extra", ["ISD-8", "ISD-999"])
def test_acknowledging_a_rule_that_gave_no_warning_is_refused(
    recorder: Recorder, store: Store, letter: dict[str, Any], extra: str
) -> None:
    with pytest.raises(SubmissionRefused, match=extra) as refused:
        recorder.submit(CORE, letter, acknowledged=["ISD-19", extra])

    assert refused.value.unexpected == [extra]
    assert refused.value.unacknowledged == []
    assert store.count() == 0
    assert store.audit_entries() == []


def test_acknowledgement_without_any_warning_is_refused(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    with pytest.raises(SubmissionRefused, match="ISD-19") as refused:
        recorder.submit(CORE, base_answers, acknowledged=["ISD-19"])

    assert refused.value.unexpected == ["ISD-19"]
    assert store.count() == 0


def test_review_required_records_are_listed_for_the_lead(
    recorder: Recorder, store: Store, base_answers: dict[str, Any], letter: dict[str, Any]
) -> None:
    plain = recorder.submit(CORE, base_answers).record
    flagged = recorder.submit(CORE, letter, acknowledged=["ISD-19"]).record
    plain_again = recorder.submit(CORE, base_answers).record

    assert [r.id for r in store.list(review_required=True)] == [flagged.id]
    assert [r.id for r in store.list(review_required=False)] == [plain.id, plain_again.id]
    assert [r.id for r in store.list()] == [plain.id, flagged.id, plain_again.id]  # commit order


# ------------------------------------------------------------------------------ idempotency


def test_same_key_returns_the_first_record(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    first = recorder.submit(CORE, base_answers, idempotency_key="submit-1", author=AUTHOR)
    again = recorder.submit(CORE, base_answers, idempotency_key="submit-1", author=AUTHOR)

    assert first.replayed is False
    assert again.replayed is True
    assert again.record.id == first.record.id
    assert again.record.content_hash == first.record.content_hash
    assert again.record == first.record
    assert store.count() == 1
    assert [action for _, action, _ in actions(store)] == ["created"]


def test_same_key_and_same_answers_in_another_key_order_is_a_replay(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    first = recorder.submit(CORE, base_answers, idempotency_key="order")
    reordered = dict(reversed(list(base_answers.items())))

    again = recorder.submit(CORE, reordered, idempotency_key="order")

    assert again.replayed is True and again.record.id == first.record.id
    assert store.count() == 1


def test_same_key_with_a_different_request_conflicts(
    recorder: Recorder, store: Store, base_answers: dict[str, Any], letter: dict[str, Any]
) -> None:
    first = recorder.submit(CORE, base_answers, idempotency_key="submit-2")

    with pytest.raises(IdempotencyConflict, match="submit-2") as conflict:
        recorder.submit(CORE, {**base_answers, "purpose": "Something else entirely."}, idempotency_key="submit-2")
    assert first.record.id in str(conflict.value)
    with pytest.raises(IdempotencyConflict):
        recorder.submit(CORE, letter, acknowledged=["ISD-19"], idempotency_key="submit-2")

    assert store.count() == 1
    assert len(store.audit_entries()) == 1


def test_same_key_on_another_host_is_a_separate_record(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    one = recorder.submit(CORE, base_answers, idempotency_key="shared-key", host="host-a")
    two = recorder.submit(CORE, base_answers, idempotency_key="shared-key", host="host-b")

    assert two.replayed is False
    assert one.record.id != two.record.id
    assert (one.record.host, two.record.host) == ("host-a", "host-b")
    assert store.count() == 2
    assert recorder.submit(CORE, base_answers, idempotency_key="shared-key", host="host-b").record.id == two.record.id
    # A host reads only its own records.
    assert store.get(one.record.id, host="host-a").id == one.record.id
    with pytest.raises(RecordNotFound):
        store.get(one.record.id, host="host-b")


def test_no_key_means_every_submission_is_recorded(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    first = recorder.submit(CORE, base_answers)
    second = recorder.submit(CORE, base_answers)

    assert first.record.id != second.record.id
    assert store.count() == 2


# ------------------------------------------------------------------------------ amendments


def test_amendment_supersedes_the_original_with_a_reason(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    original = recorder.submit(CORE, base_answers, author=AUTHOR, host="case-system", context=CONTEXT).record
    corrected_answers = {**base_answers, "shared_with": "Duty social worker A. Person, MASH"}

    amended = recorder.amend(original.id, corrected_answers, reason="  Named the social worker.  ", author={"id": "lead"})

    new = amended.record
    assert amended.replayed is False
    assert new.id != original.id
    assert new.supersedes == original.id
    assert new.amendment_reason == "Named the social worker."
    assert dict(new.answers) == corrected_answers
    assert new.host == "case-system"
    assert dict(new.context) == CONTEXT  # kept from the original
    assert dict(new.author) == {"id": "lead"}
    # Both stay readable; the original is unchanged apart from the link to its successor.
    old = store.get(original.id)
    assert dict(old.answers) == base_answers
    assert old.content_hash == original.content_hash
    assert old.superseded_by == new.id
    assert store.get(new.id).supersedes == original.id
    assert store.get(new.id).superseded_by is None
    assert store.count() == 2


def test_chain_shows_every_version_in_order_from_any_member(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    a = recorder.submit(CORE, base_answers).record
    b = recorder.amend(a.id, {**base_answers, "advice_from": "Named lead 1"}, reason="first correction").record
    c = recorder.amend(b.id, {**base_answers, "advice_from": "Named lead 2"}, reason="second correction").record
    unrelated = recorder.submit(CORE, base_answers).record

    for member in (a, b, c):
        chain = store.chain(member.id)
        assert [r.id for r in chain] == [a.id, b.id, c.id], member.id
        assert [r.amendment_reason for r in chain] == [None, "first correction", "second correction"]
        assert [r.superseded_by for r in chain] == [b.id, c.id, None]
    assert [r.id for r in store.chain(unrelated.id)] == [unrelated.id]


def test_amending_the_direct_predecessor_of_the_latest_is_refused(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    a = recorder.submit(CORE, base_answers).record
    b = recorder.amend(a.id, base_answers, reason="correction").record

    with pytest.raises(AmendmentRefused, match=b.id):
        recorder.amend(a.id, base_answers, reason="another correction")
    assert store.count() == 2
    assert [action for _, action, _ in actions(store)] == ["created", "amended"]


def test_amending_an_older_version_is_refused_naming_the_latest(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    a = recorder.submit(CORE, base_answers).record
    b = recorder.amend(a.id, base_answers, reason="first correction").record
    c = recorder.amend(b.id, base_answers, reason="second correction").record

    with pytest.raises(AmendmentRefused) as refused:
        recorder.amend(a.id, base_answers, reason="a third correction, made on the oldest version")

    # "amend the latest version, X": X must be the latest version of the chain (c), not the next one (b).
    assert c.id in str(refused.value), f"the refusal should name the latest version {c.id}: {refused.value}"
    assert store.count() == 3


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_amendment_needs_a_reason(recorder: Recorder, store: Store, base_answers: dict[str, Any], reason: str) -> None:
    original = recorder.submit(CORE, base_answers).record

    with pytest.raises(InvalidInput, match="reason"):  # bad input (API 422), not a conflict
        recorder.amend(original.id, base_answers, reason=reason)

    assert store.count() == 1
    assert store.get(original.id).superseded_by is None
    assert [action for _, action, _ in actions(store)] == ["created"]


def test_nul_in_a_reason_or_a_key_is_bad_input_on_every_database(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    """PostgreSQL cannot store NUL in text: refused by name before any write, from the CLI as from the API."""
    with pytest.raises(InvalidInput, match="idempotency key must not hold NUL"):
        recorder.submit(CORE, base_answers, idempotency_key="key\x00one")
    original = recorder.submit(CORE, base_answers).record

    with pytest.raises(InvalidInput, match="amendment reason must not hold control characters"):
        recorder.amend(original.id, base_answers, reason="wrong date\x00")

    assert store.count() == 1
    assert [action for _, action, _ in actions(store)] == ["created"]


def test_amendment_with_errors_is_refused_and_the_original_stays_latest(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    original = recorder.submit(CORE, base_answers).record
    broken = {k: v for k, v in base_answers.items() if k != "purpose"}

    with pytest.raises(SubmissionRefused):
        recorder.amend(original.id, broken, reason="removing the purpose")
    with pytest.raises(SubmissionRefused, match="ISD-19"):
        recorder.amend(original.id, {**base_answers, "share_method": "letter"}, reason="it went by letter")

    assert store.get(original.id).superseded_by is None
    assert store.count() == 1
    amended = recorder.amend(original.id, {**base_answers, "share_method": "letter"}, reason="by letter", acknowledged=["ISD-19"])
    assert amended.record.review_required is True


def test_amending_an_unknown_record_is_refused(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    with pytest.raises(RecordNotFound):
        recorder.amend("00000000-0000-0000-0000-000000000000", base_answers, reason="no such record")
    assert store.count() == 0
    assert store.audit_entries() == []


def test_amended_audit_entry_carries_the_new_records_hash(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    original = recorder.submit(CORE, base_answers, author={"id": "first.author"}).record
    new = recorder.amend(original.id, base_answers, reason="restated", author={"id": "second.author"}).record

    created, amended = store.audit_entries()
    assert (created.action, created.record_id) == ("created", original.id)
    assert created.detail["record_hash"] == original.content_hash
    assert created.actor == "first.author"
    assert (amended.action, amended.record_id) == ("amended", new.id)
    assert amended.detail["record_hash"] == new.content_hash == new.compute_hash()
    assert amended.detail["supersedes"] == original.id
    assert amended.actor == "second.author"
    assert amended.prev_hash == created.hash
    assert new.created_seq == amended.seq and original.created_seq == created.seq
    assert [e.action for e in store.audit_entries(record_id=new.id)] == ["amended"]


def _versioned_form(version: int) -> dict[str, Any]:
    questions = [{"id": "visited", "type": "yes_no", "label": "Did you visit?", "required": True}]
    if version == 2:
        questions.append({"id": "visit_note", "type": "text", "label": "What did you see?", "required": True})
    return {
        "id": "sw-test-visit",
        "version": version,
        "title": "Home visit",
        "sections": [{"id": "visit", "title": "The visit", "questions": questions}],
    }


@pytest.fixture(scope="module")
def versioned_engine() -> Engine:
    """An engine with a local form in two versions; version 2 adds a required question."""

    @hookimpl
    def sharewise_forms() -> list[Any]:
        return [_versioned_form(1), _versioned_form(2)]

    plugin = types.ModuleType("sw_records_test_versioned_forms")
    plugin.sharewise_forms = sharewise_forms  # type: ignore[attr-defined]
    return Engine(extra={"local-forms": plugin})


def test_amendment_is_pinned_to_the_original_form_version(versioned_engine: Engine, store: Store) -> None:
    recorder = Recorder(versioned_engine, store, clock=lambda: NOW)
    assert versioned_engine.form("sw-test-visit").version == 2
    with pytest.raises(SubmissionRefused):
        recorder.submit("sw-test-visit", {"visited": True})  # the latest version needs visit_note

    original = recorder.submit("sw-test-visit", {"visited": True}, version=1).record
    assert original.form_version == 1
    assert original.plugins["local-forms"]

    # Answers valid for version 1 (and not for version 2) are checked against version 1.
    new = recorder.amend(original.id, {"visited": False}, reason="the visit did not happen").record

    assert (new.form_id, new.form_version) == ("sw-test-visit", 1)
    (_, entry) = store.audit_entries()
    assert entry.detail["form_version"] == 1


# ------------------------------------------------------------------------------ integrity and immutability


def test_verify_is_intact_after_submissions_refusals_replays_and_amendments(
    recorder: Recorder, store: Store, base_answers: dict[str, Any], letter: dict[str, Any]
) -> None:
    a = recorder.submit(CORE, base_answers, idempotency_key="v-1").record
    recorder.submit(CORE, base_answers, idempotency_key="v-1")
    with pytest.raises(IdempotencyConflict):
        recorder.submit(CORE, letter, acknowledged=["ISD-19"], idempotency_key="v-1")
    with pytest.raises(SubmissionRefused):
        recorder.submit(CORE, letter)
    recorder.submit(CORE, letter, acknowledged=["ISD-19"], host="other-host")
    b = recorder.amend(a.id, base_answers, reason="restated").record
    recorder.amend(b.id, letter, reason="it went by letter", acknowledged=["ISD-19"])
    with pytest.raises(AmendmentRefused):
        recorder.amend(a.id, base_answers, reason="stale")

    result = store.verify()

    assert result.intact, result.problem
    assert (result.entries, result.records) == (4, 4)
    assert [seq for seq, _, _ in actions(store)] == [1, 2, 3, 4]
    assert [action for _, action, _ in actions(store)] == ["created", "created", "amended", "amended"]
    entries = store.audit_entries()
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(entries))
    assert result.head_hash == entries[-1].hash


def test_a_record_altered_in_the_database_is_detected(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    record = recorder.submit(CORE, base_answers).record
    assert store.verify().intact

    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE records SET amendment_reason = 'changed behind sharewise' WHERE id = :id"), {"id": record.id}
        )

    result = store.verify()
    assert not result.intact
    assert record.id in (result.problem or "")


def test_a_record_cannot_be_changed_through_the_api(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    record = recorder.submit(CORE, base_answers).record

    with pytest.raises(dataclasses.FrozenInstanceError):
        record.answers = {}  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.review_required = True  # type: ignore[misc]
    assert dataclasses.fields(Record)  # a dataclass …
    assert Record.__dataclass_params__.frozen  # type: ignore[attr-defined]  # … and a frozen one

    for owner in (store, recorder):
        changers = [
            name
            for name in dir(owner)
            if not name.startswith("_") and any(word in name for word in ("update", "edit", "modify", "replace", "overwrite"))
        ]
        assert changers == [], f"{type(owner).__name__} should have no way to change a record: {changers}"
    deleting = [name for name in dir(store) if not name.startswith("_") and "delete" in name]
    assert deleting == []

    # Changing the returned object's contents does not change what is stored.
    record.answers["purpose"] = "tampered in memory"  # type: ignore[index]
    assert store.get(record.id).answers["purpose"] == base_answers["purpose"]
    assert store.verify().intact


def test_replay_does_not_depend_on_the_recorder_instance(engine: Engine, store: Store, base_answers: dict[str, Any]) -> None:
    first = Recorder(engine, store, clock=lambda: NOW).submit(CORE, base_answers, idempotency_key="across")
    later: Callable[[], dt.datetime] = lambda: NOW + dt.timedelta(days=1)  # noqa: E731
    fresh_store = Store(store.url)
    try:
        again = Recorder(engine, fresh_store, clock=later).submit(CORE, base_answers, idempotency_key="across")
    finally:
        fresh_store.close()

    assert again.replayed is True
    assert again.record.id == first.record.id
    assert again.record.created_at == first.record.created_at
    assert store.count() == 1
