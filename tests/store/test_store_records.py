"""Stored decision records: exact round trips, hashes, listing, version chains, host isolation,
legal holds and access entries (on SQLite, and on PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from sharewise.core.errors import SharewiseError
from sharewise.core.record import Record
from sharewise.core.store.store import RecordNotFound
from sharewise.core.submission import Recorder, SubmissionRefused

CREATED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
UNICODE_TEXT = "Zoë’s carer said “not today” — 日本語, ℌ𝔢𝔩𝔩𝔬 😀, ﬁ ligature, Ω vs Ω, tab\there"
WARNED = {"checks_confirmed": ["necessary", "relevant", "adequate", "secure"]}


def test_a_record_round_trips_exactly(store: Any, make_record: Any, clock: Any, base_answers: dict[str, Any]) -> None:
    author = {"id": "u-17", "name": "Siân O’Brien", "roles": ["gp", "lead"]}
    context = {"case": "C-001", "subject": {"ref": "S-9", "nested": [1, 2.5, None, True, "ü"]}, "big": 2**53 + 1}
    record = make_record(
        host="emis", author=author, context=context, purpose=UNICODE_TEXT, decision_reasons="Line one\nline two\u00a0nbsp"
    )
    stored = store.get(record.id)
    assert stored == record
    assert stored.to_dict() == record.to_dict()
    # every field, one by one
    assert stored.form_id == "information-sharing-decision"
    assert stored.form_version == 1
    assert dict(stored.answers) == {**base_answers, "purpose": UNICODE_TEXT, "decision_reasons": "Line one\nline two\u00a0nbsp"}
    assert stored.findings == [] and stored.acknowledged_warnings == []
    assert stored.outcome["retention"] == {"class": "safeguarding-decision", "review_on": "2044-11-21"}
    assert dict(stored.plugins) == {"forms": stored.plugins["forms"], "england": stored.plugins["england"]}
    assert dict(stored.author) == author
    assert stored.host == "emis"
    assert dict(stored.context) == context
    assert stored.context["big"] == 2**53 + 1
    assert stored.created_at == "2026-11-25T09:30:15.123456+00:00"
    assert CREATED_AT.match(stored.created_at)
    assert stored.review_required is False
    assert stored.retention_class == "safeguarding-decision"
    assert stored.review_on == "2044-11-21"
    assert stored.supersedes is None and stored.amendment_reason is None and stored.superseded_by is None
    assert stored.idempotency_key is None
    assert stored.disposal is None
    assert stored.created_seq == 1


@pytest.mark.parametrize(
    "context",
    [
        {"floats": [-0.0, 1e16, 1e-7, 0.1, 5e-324, 1.7976931348623157e308], "ints": [2**63 - 1, -(2**63)]},  # by orjson
        {"wide": 2**70, "negative wide": -(2**65), "floats": [-0.0, 1e16]},  # by the standard library: too wide for orjson
        {"text": "Zoë", "floats": [-0.0, 1e-7]},  # by the standard library: stored text stays ASCII
    ],
    ids=["orjson", "wide-integers", "not-ascii"],
)
def test_context_values_are_stored_exactly_and_verify(store: Any, make_record: Any, context: dict[str, Any]) -> None:
    """JSON columns are written by orjson, and by the standard library for what orjson refuses or writes as
    UTF-8; either way the record reads back equal — -0.0 and every float to the bit — and its hash verifies."""
    record = make_record(context=context)
    stored = store.get(record.id)
    assert dict(stored.context) == context
    assert [repr(value) for value in stored.context["floats"]] == [repr(value) for value in context["floats"]]
    assert stored.compute_hash() == record.content_hash
    verification = store.verify()
    assert verification.intact, verification.problem


def test_content_hash_is_the_hash_of_the_stored_content(store: Any, make_record: Any) -> None:
    record = make_record(purpose=UNICODE_TEXT, context={"ü": "ß"})
    stored = store.get(record.id)
    assert stored.content_hash == record.content_hash == stored.compute_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", stored.content_hash)
    # listing returns the same record with the same hash
    (listed,) = store.list()
    assert listed == stored and listed.compute_hash() == stored.content_hash


def test_created_at_is_utc_whatever_the_clock_zone(store: Any, engine: Any, base_answers: dict[str, Any]) -> None:
    ahead = dt.timezone(dt.timedelta(hours=5, minutes=30))
    moment = dt.datetime(2026, 11, 25, 15, 0, 0, 1, tzinfo=ahead)
    record = Recorder(engine, store, clock=lambda: moment).submit("information-sharing-decision", base_answers).record
    stored = store.get(record.id)
    assert stored.created_at == "2026-11-25T09:30:00.000001+00:00"
    assert dt.datetime.fromisoformat(stored.created_at) == moment
    assert stored.compute_hash() == record.content_hash
    (entry,) = store.audit_entries(record_id=record.id)
    at = entry.at if isinstance(entry.at, dt.datetime) else dt.datetime.fromisoformat(entry.at)
    assert at == moment


def test_acknowledged_warnings_are_stored_and_flag_review(store: Any, make_record: Any) -> None:
    record = make_record(ack=("ISD-7",), **WARNED)
    stored = store.get(record.id)
    assert stored.review_required is True
    assert stored.acknowledged_warnings == ["ISD-7"]
    assert [(f["rule"], f["severity"]) for f in stored.findings] == [("ISD-7", "warning")]
    assert stored == record


def test_list_filters_and_commit_order(store: Any, make_record: Any, recorder: Any, clock: Any, scenario_answers: Any) -> None:
    plain = make_record(host="a")
    clock.advance(seconds=1)
    warned = make_record(host="a", ack=("ISD-7",), **WARNED)
    clock.advance(seconds=1)
    other_host = make_record(host="b")
    clock.advance(seconds=1)
    csods = make_record(host="a", form="csods-disclosure", answers=scenario_answers("18"))
    clock.advance(seconds=1)
    amendment = recorder.amend(plain.id, {**plain.answers, "urgency": "immediate"}, reason="Urgency").record
    every = [plain, warned, other_host, csods, amendment]

    def ids(found: list[Record]) -> list[str]:
        return [r.id for r in found]

    listed = store.list()
    assert ids(listed) == ids(every)
    assert [r.created_seq for r in listed] == sorted(r.created_seq for r in listed)
    assert listed[0].superseded_by == amendment.id, "list shows which records were amended"
    assert ids(store.list(review_required=True)) == [warned.id]
    assert ids(store.list(review_required=False)) == [plain.id, other_host.id, csods.id, amendment.id]
    assert ids(store.list(form_id="csods-disclosure")) == [csods.id]
    assert ids(store.list(form_id="information-sharing-decision")) == [plain.id, warned.id, other_host.id, amendment.id]
    assert ids(store.list(form_id="no-such-form")) == []
    assert ids(store.list(host="b")) == [other_host.id]
    assert ids(store.list(host="a")) == [plain.id, warned.id, csods.id, amendment.id]
    assert ids(store.list(after_seq=warned.created_seq)) == [other_host.id, csods.id, amendment.id]
    assert ids(store.list(after_seq=amendment.created_seq)) == []
    assert ids(store.list(limit=2)) == [plain.id, warned.id]
    assert ids(store.list(host="a", review_required=False, after_seq=plain.created_seq, limit=1)) == [csods.id]
    assert store.count() == 5


def test_created_seq_is_the_sequence_of_the_created_entry(store: Any, make_record: Any) -> None:
    records = [make_record() for _ in range(3)]
    for record in records:
        (entry,) = [e for e in store.audit_entries(record_id=record.id) if e.action == "created"]
        assert entry.seq == record.created_seq
    assert [r.created_seq for r in records] == [1, 2, 3]


def test_chain_of_versions_both_ways(store: Any, make_record: Any, recorder: Any, clock: Any) -> None:
    original = make_record()
    clock.advance(hours=1)
    second = recorder.amend(original.id, {**original.answers, "urgency": "immediate"}, reason="Urgency was wrong").record
    clock.advance(hours=1)
    third = recorder.amend(second.id, {**second.answers, "share_method": "phone"}, reason="Shared by phone, not email").record
    unrelated = make_record()

    for version in (original, second, third):
        chain = store.chain(version.id)
        assert [r.id for r in chain] == [original.id, second.id, third.id]
        assert [r.superseded_by for r in chain] == [second.id, third.id, None]
        assert [r.supersedes for r in chain] == [None, original.id, second.id]
        assert [r.amendment_reason for r in chain] == [None, "Urgency was wrong", "Shared by phone, not email"]
    assert [r.id for r in store.chain(unrelated.id)] == [unrelated.id]
    # the old versions stay readable and unchanged
    assert store.get(original.id).answers == original.answers
    assert store.get(original.id).superseded_by == second.id
    assert store.get(third.id).superseded_by is None
    entries = store.audit_entries(record_id=third.id)
    assert entries[0].action == "amended" and entries[0].detail["supersedes"] == second.id


def test_host_isolation(store: Any, make_record: Any, recorder: Any) -> None:
    mine = make_record(host="emis")
    theirs = make_record(host="systmone")
    assert store.get(mine.id, host="emis") == mine
    with pytest.raises(RecordNotFound):
        store.get(mine.id, host="systmone")
    with pytest.raises(RecordNotFound):
        store.chain(mine.id, host="systmone")
    with pytest.raises(RecordNotFound):
        recorder.amend(mine.id, dict(mine.answers), reason="Not yours", host="systmone")
    assert [r.id for r in store.list(host="systmone")] == [theirs.id]
    assert store.get(mine.id) == mine, "without a host every record is visible (the operator's view)"


def test_unknown_record(store: Any) -> None:
    with pytest.raises(RecordNotFound, match="no-such-id"):
        store.get("no-such-id")
    with pytest.raises(RecordNotFound):
        store.chain("no-such-id")
    with pytest.raises(RecordNotFound):
        store.hold("no-such-id", reason="r", actor="a", now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert store.audit_entries() == []


def test_legal_holds(store: Any, make_record: Any, clock: Any) -> None:
    record = make_record()
    hold = store.hold(record.id, reason="Serious case review", actor="lead", now=clock())
    assert (hold.record_id, hold.reason, hold.placed_by) == (record.id, "Serious case review", "lead")
    assert hold.placed_at == clock()
    with store.reading() as connection:
        active = store.active_hold(connection, record.id)
    assert active is not None and active.reason == "Serious case review" and active.placed_at == clock()

    clock.advance(minutes=5)
    with pytest.raises(SharewiseError, match="already on legal hold"):
        store.hold(record.id, reason="Another reason", actor="someone", now=clock())
    with store.reading() as connection:
        assert store.active_hold(connection, record.id).reason == "Serious case review", "the first hold is kept"

    store.release(record.id, reason="Review closed", actor="lead", now=clock())
    with store.reading() as connection:
        assert store.active_hold(connection, record.id) is None
    with pytest.raises(SharewiseError, match="not on legal hold"):
        store.release(record.id, reason="Again", actor="lead", now=clock())

    store.hold(record.id, reason="Inquest", actor="coroner-liaison", now=clock())  # may be held again
    entries = [(e.action, e.actor, dict(e.detail)) for e in store.audit_entries(record_id=record.id)][1:]
    assert entries == [
        ("held", "lead", {"reason": "Serious case review"}),
        ("released", "lead", {"reason": "Review closed"}),
        ("held", "coroner-liaison", {"reason": "Inquest"}),
    ]
    assert store.verify().intact


def test_release_without_any_hold_is_refused(store: Any, make_record: Any, clock: Any) -> None:
    record = make_record()
    with pytest.raises(SharewiseError, match="not on legal hold"):
        store.release(record.id, reason="Nothing to release", actor="lead", now=clock())
    assert [e.action for e in store.audit_entries()] == ["created"]


def test_record_access_entries(store: Any, make_record: Any, clock: Any) -> None:
    first, second = make_record(), make_record()
    clock.advance(minutes=1)
    store.record_access("viewed", [first.id, second.id], actor="viewer", now=clock())
    store.record_access("exported", [second.id], actor="exporter", now=clock(), detail={"format": "csv", "to": "Ünï"})
    store.record_access("delivered", [first.id], actor="adapter", now=clock(), detail={"recipient": "mash"})
    entries = store.audit_entries()[2:]
    assert [(e.action, e.record_id, e.actor, dict(e.detail)) for e in entries] == [
        ("viewed", first.id, "viewer", {}),
        ("viewed", second.id, "viewer", {}),
        ("exported", second.id, "exporter", {"format": "csv", "to": "Ünï"}),
        ("delivered", first.id, "adapter", {"recipient": "mash"}),
    ]
    assert [e.seq for e in entries] == [3, 4, 5, 6]
    assert store.verify().intact


def test_record_access_refuses_an_unknown_action_and_writes_nothing(store: Any, make_record: Any, clock: Any) -> None:
    record = make_record()
    with pytest.raises((ValueError, SharewiseError)):
        store.record_access("deleted", [record.id], actor="x", now=clock())
    assert [e.action for e in store.audit_entries()] == ["created"]
    assert store.verify().intact


def test_records_are_immutable_objects(make_record: Any) -> None:
    record: Record = make_record()
    with pytest.raises(AttributeError):
        record.host = "elsewhere"  # type: ignore[misc]


def test_an_answer_that_cannot_be_stored_is_refused_cleanly(
    store: Any, recorder: Any, base_answers: dict[str, Any], cli: Any, tmp_path: Any
) -> None:
    """A lone surrogate (possible through a JSON ``\\ud800`` escape) is not valid text. The engine's shape check
    reports it (drafts are refused with a finding on the field), so a submission must be refused the same way —
    not crash with UnicodeEncodeError — and nothing is stored."""
    answers = {**base_answers, "purpose": "bad \ud800 text"}
    with pytest.raises(SubmissionRefused) as caught:
        recorder.submit("information-sharing-decision", answers)
    assert "purpose" in {f.field for f in caught.value.evaluation.findings}
    assert store.count() == 0
    assert store.audit_entries() == []
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="ascii")  # the surrogate travels as the escape \ud800
    result = cli("--database", store.url, "submit", "information-sharing-decision", str(path))
    assert result.code == 1, f"expected exit 1 (refused, with the findings), got {result.code}: {result.err.strip()}"
    assert store.count() == 0


def test_long_values_are_stored_or_refused_naming_them(store: Any, recorder: Any, base_answers: dict[str, Any]) -> None:
    """The same on both databases: a long idempotency key, host or author id is either kept whole or refused with
    a message saying which value is too long — never a bare "value too long for type character varying(200)"."""
    cases = {
        "idempotency key": {"idempotency_key": "k" * 250},
        "host": {"host": "h" * 150},
        "author": {"author": {"id": "a" * 250}},
    }
    problems = []
    for name, options in cases.items():
        try:
            record = recorder.submit("information-sharing-decision", base_answers, **options).record
        except SharewiseError as exc:
            if name.split()[0] not in str(exc).lower():
                problems.append(f"{name}: the refusal does not say which value: {exc}")
        else:
            if store.get(record.id) != record:
                problems.append(f"{name}: not kept whole")
    assert not problems, "\n".join(problems)
