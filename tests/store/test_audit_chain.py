"""The tamper-evident audit log: hash chaining, ``Store.verify`` and ``sharewise audit verify``.

Tampering goes around sharewise, as someone with database admin rights would: the append-only
triggers are dropped (SQLite) or disabled (PostgreSQL) first, then rows are changed with SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from sharewise.core.record import Record
from sharewise.core.retention import Retention

GENESIS = "0" * 64
POSTGRES = "SHAREWISE_TEST_POSTGRES_URL"


def canonical(value: Any) -> str:
    """Canonical JSON (sorted keys, no insignificant white space, UTF-8 text), written here independently."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def at_text(at: dt.datetime | str) -> str:
    return at if isinstance(at, str) else at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def body_of(seq: int, at: dt.datetime | str, action: str, record_id: str | None, actor: str, detail: Any) -> str:
    """The canonical JSON of {seq, at, action, record_id, actor, detail}: what an entry's hash covers."""
    return canonical({"seq": seq, "at": at_text(at), "action": action, "record_id": record_id, "actor": actor, "detail": detail})


def link(prev: str, seq: int, at: dt.datetime | str, action: str, record_id: str | None, actor: str, detail: Any) -> str:
    """sha256(prev_hash ‖ canonical JSON of the entry), computed here independently of sharewise."""
    return hashlib.sha256(prev.encode("ascii") + body_of(seq, at, action, record_id, actor, detail).encode("utf-8")).hexdigest()


@pytest.fixture
def few(store: Any, make_record: Any, clock: Any) -> list[Record]:
    """Three records and a view: four entries, cheaper than ``busy``."""
    records = [make_record(), make_record(), make_record()]
    store.record_access("viewed", [records[0].id], actor="viewer", now=clock())
    return records


@pytest.fixture
def busy(store: Any, engine: Any, recorder: Any, make_record: Any, clock: Any) -> dict[str, Any]:
    """A log with every kind of entry: created, amended, viewed, exported, delivered, held, released,
    reviewed and purged (one record deleted, one anonymised)."""
    first = make_record(author={"id": "ana", "name": "Ana Ñúñez"})
    clock.advance(minutes=1)
    second = make_record(host="other-host", context={"case": "C-2"})
    clock.advance(minutes=1)
    amended = recorder.amend(first.id, {**first.answers, "urgency": "immediate"}, reason="Urgency corrected").record
    clock.advance(minutes=1)
    store.record_access("viewed", [first.id, amended.id], actor="viewer", now=clock())
    store.record_access("exported", [second.id], actor="exporter", now=clock(), detail={"format": "csv"})
    store.record_access("delivered", [second.id], actor="adapter", now=clock(), detail={"to": "mash"})
    store.hold(second.id, reason="Litigation", actor="lead", now=clock())
    store.release(second.id, reason="Settled", actor="lead", now=clock())
    doomed = make_record()
    anonymised = make_record()
    retention = Retention(engine, store, policy={}, clock=clock)
    clock.advance(days=1)
    retention.review(second.id, actor="dpo", reason="Still needed", keep_until=dt.date(2030, 1, 1))
    retention.review(doomed.id, actor="dpo", reason="No longer needed", dispose="delete")
    retention.review(anonymised.id, actor="dpo", reason="Statistics only", dispose="anonymise")
    clock.advance(minutes=1)
    late = make_record()
    store.record_access("viewed", [late.id], actor="viewer", now=clock())
    return {"first": first, "second": second, "amended": amended, "doomed": doomed, "anonymised": anonymised, "late": late}


def entry_count(raw: Any) -> int:
    return raw.count("audit_log")


# --- the chain as written -----------------------------------------------------------------------------


def test_fresh_log_is_intact_and_empty(store: Any, raw: Any) -> None:
    result = store.verify()
    assert result.intact
    assert result.problem is None
    assert (result.entries, result.records, result.head_hash) == (0, 0, GENESIS)
    assert raw.head() == (0, GENESIS)
    assert store.audit_entries() == []


def test_entries_are_hash_chained_in_sequence_and_the_head_matches(store: Any, raw: Any, busy: dict[str, Any]) -> None:
    entries = store.audit_entries()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    actions = [e.action for e in entries]
    for action in ("created", "amended", "viewed", "exported", "delivered", "held", "released", "reviewed", "purged"):
        assert action in actions, f"no {action!r} entry in {actions}"
    prev = GENESIS
    for entry in entries:
        assert entry.prev_hash == prev, f"entry {entry.seq} does not link to the one before"
        assert entry.hash == link(prev, entry.seq, entry.at, entry.action, entry.record_id, entry.actor, dict(entry.detail))
        at = entry.at if isinstance(entry.at, dt.datetime) else dt.datetime.fromisoformat(entry.at)
        assert at.utcoffset() == dt.timedelta(0)
        prev = entry.hash
    assert raw.head() == (len(entries), prev)
    # what the database holds is what the API returned
    assert [(r.seq, r.action, r.record_id, r.actor, r.prev_hash, r.hash) for r in raw.audit_rows()] == [
        (e.seq, e.action, e.record_id, e.actor, e.prev_hash, e.hash) for e in entries
    ]


def test_each_record_hash_is_in_its_created_entry(store: Any, busy: dict[str, Any]) -> None:
    first = busy["first"]
    (created,) = [e for e in store.audit_entries(record_id=first.id) if e.action == "created"]
    assert created.detail["record_hash"] == first.content_hash == first.compute_hash()
    assert created.seq == first.created_seq
    assert created.actor == "ana"
    (amended,) = store.audit_entries(record_id=busy["amended"].id)[:1]
    assert amended.action == "amended"
    assert amended.detail["record_hash"] == busy["amended"].content_hash
    assert amended.detail["supersedes"] == first.id


def test_purge_entries_keep_the_hashes(store: Any, busy: dict[str, Any]) -> None:
    doomed, anonymised = busy["doomed"], busy["anonymised"]
    (purge,) = [e for e in store.audit_entries(record_id=doomed.id) if e.action == "purged"]
    assert purge.detail["record_hash"] == doomed.content_hash
    assert purge.detail["remaining_hash"] is None
    assert purge.detail["disposal"] == "delete"
    (purge,) = [e for e in store.audit_entries(record_id=anonymised.id) if e.action == "purged"]
    assert purge.detail["record_hash"] == anonymised.content_hash
    assert purge.detail["remaining_hash"] == store.get(anonymised.id).compute_hash()


def test_verify_is_intact_after_records_holds_views_and_disposals(store: Any, busy: dict[str, Any]) -> None:
    result = store.verify()
    assert result.intact, result.problem
    assert result.entries == len(store.audit_entries())
    assert result.records == store.count() == 5  # first, second, amended, anonymised, late (doomed is gone)
    assert result.head_hash == store.audit_entries()[-1].hash


def test_audit_entries_for_one_record_and_the_last_few(store: Any, busy: dict[str, Any]) -> None:
    everything = store.audit_entries()
    assert store.audit_entries(limit=3) == everything[-3:]
    second = busy["second"].id
    assert [e.action for e in store.audit_entries(record_id=second)] == [
        "created",
        "exported",
        "delivered",
        "held",
        "released",
        "reviewed",
    ]


# --- the database refuses changes while the triggers are in place -----------------------------------


def test_database_refuses_update_of_audit_entries(store: Any, raw: Any, few: list[Record]) -> None:
    before = raw.audit_rows()
    with pytest.raises(DBAPIError, match="append-only"):
        raw.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(DBAPIError, match="append-only"):
        raw.execute("UPDATE audit_log SET seq = seq + 1000")
    assert raw.audit_rows() == before
    assert store.verify().intact


def test_database_refuses_delete_of_audit_entries(store: Any, raw: Any, few: list[Record]) -> None:
    before = raw.audit_rows()
    with pytest.raises(DBAPIError, match="append-only"):
        raw.execute("DELETE FROM audit_log WHERE seq = 2")
    with pytest.raises(DBAPIError, match="append-only"):
        raw.execute("DELETE FROM audit_log")
    assert raw.audit_rows() == before
    assert store.verify().intact


@pytest.mark.parametrize(
    "database_url",
    [pytest.param("postgresql", marks=pytest.mark.skipif(not os.environ.get(POSTGRES), reason=f"{POSTGRES} is not set"))],
    indirect=True,
)
def test_postgresql_refuses_truncate_of_the_audit_log(store: Any, raw: Any, few: list[Record]) -> None:
    """TRUNCATE removes every row without firing row-level DELETE triggers; an append-only log must refuse it too.
    (PostgreSQL only: SQLite has no TRUNCATE, and its DELETE without WHERE fires the triggers.)"""
    before = raw.audit_rows()
    try:
        raw.execute("TRUNCATE audit_log")
    except DBAPIError as exc:
        assert "append-only" in str(exc)
    assert raw.audit_rows() == before, "TRUNCATE emptied the append-only audit log"


# --- tampering: altered, deleted, reordered and truncated entries; altered or missing records ----------
#
# Each case tampers with one busy database, checks what verify says, then puts every table back
# (from a copy taken first) and checks the log is intact again before the next case.

TABLES = ("audit_log", "audit_head", "records")


def _snapshot(raw: Any) -> None:
    for table in TABLES:
        raw.execute(f"CREATE TABLE backup_{table} AS SELECT * FROM {table}")


def _restore(raw: Any) -> None:
    for table in TABLES:
        raw.execute(f"DELETE FROM {table}")
        raw.execute(f"INSERT INTO {table} SELECT * FROM backup_{table}")


def _check_cases(store: Any, raw: Any, subtests: Any, cases: dict[str, Callable[[], list[str]]]) -> None:
    """Run each tampering case; verify must say not intact, in one line holding each expected text."""
    raw.drop_append_only_triggers()
    _snapshot(raw)
    for name, tamper in cases.items():
        with subtests.test(msg=name):
            try:
                expected = tamper()
                result = store.verify()
                assert not result.intact, f"{name}: went unnoticed"
                assert "\n" not in result.problem
                for text in expected:
                    assert text in result.problem, f"{name}: {text!r} not in {result.problem!r}"
            finally:
                _restore(raw)
            assert store.verify().intact, f"{name}: the database was not put back"


def _rewrite_body(raw: Any, row: int, **changes: Any) -> None:
    """Change fields inside the hashed body of the row whose seq column is ``row``."""
    ((body,),) = raw.execute("SELECT body FROM audit_log WHERE seq = :row", row=row)
    content = {**json.loads(body), **changes}
    raw.execute("UPDATE audit_log SET body = :b WHERE seq = :row", b=canonical(content), row=row)


def _alter(raw: Any, entry: Any, what: str, where: str) -> list[str]:
    """Change one field of an entry: in its column, in its hashed body, or in both (consistently)."""
    new = {
        "actor": "mallory",
        "action": "exported" if entry.action == "viewed" else "viewed",
        "record_id": "00000000-0000-4000-8000-00000000beef",
        "at": "2020-01-01T00:00:00.000000+00:00",
        "detail": {"reason": "forged"},
    }[what]
    if where in ("column", "both"):
        if what == "at":
            shifted = "at - interval '7 years'" if raw.postgres else "datetime(at, '-7 years')"
            raw.execute(f"UPDATE audit_log SET at = {shifted} WHERE seq = :seq", seq=entry.seq)
        else:
            raw.execute(f"UPDATE audit_log SET {what} = :v WHERE seq = :seq", v=new, seq=entry.seq)
    if where in ("body", "both"):
        _rewrite_body(raw, entry.seq, **{what: new})
    return [f"audit entry {entry.seq} ", "altered"]


def test_verify_reports_altered_entries(store: Any, raw: Any, busy: dict[str, Any], subtests: Any) -> None:
    entries = store.audit_entries()
    middle = entries[len(entries) // 2]
    cases: dict[str, Callable[[], list[str]]] = {}
    for what in ("actor", "action", "record_id", "at"):
        for where in ("column", "body", "both"):
            cases[f"{what} changed in the {where}"] = functools.partial(_alter, raw, middle, what, where)
    cases["detail changed"] = functools.partial(_alter, raw, middle, "detail", "body")
    cases["first entry's actor changed"] = functools.partial(_alter, raw, entries[0], "actor", "both")
    cases["last entry's actor changed"] = functools.partial(_alter, raw, entries[-1], "actor", "both")

    def rehashed() -> list[str]:
        """Rewriting an entry consistently, its own hash included, breaks the link to the next entry."""
        entry = entries[2]
        body = body_of(entry.seq, entry.at, entry.action, entry.record_id, "mallory", dict(entry.detail))
        forged = link(entry.prev_hash, entry.seq, entry.at, entry.action, entry.record_id, "mallory", dict(entry.detail))
        raw.execute(
            "UPDATE audit_log SET actor = 'mallory', body = :b, hash = :h WHERE seq = :seq", b=body, h=forged, seq=entry.seq
        )
        return [f"audit entry {entry.seq + 1} "]

    cases["an entry rewritten with its own hash recomputed"] = rehashed
    _check_cases(store, raw, subtests, cases)


def test_verify_reports_deleted_reordered_and_truncated_entries(
    store: Any, raw: Any, busy: dict[str, Any], subtests: Any
) -> None:
    entries = store.audit_entries()
    count = len(entries)
    middle = count // 2
    late = busy["late"]
    assert late.created_seq == count - 1, "the busy log should end with the late record's creation and a view"

    def deleted(seq: int) -> Callable[[], list[str]]:
        def run() -> list[str]:
            assert raw.execute("DELETE FROM audit_log WHERE seq = :seq", seq=seq) == 1
            return [f"audit entry {seq} is missing"]

        return run

    def swapped() -> list[str]:
        raw.execute("UPDATE audit_log SET seq = -1 WHERE seq = :a", a=middle)
        raw.execute("UPDATE audit_log SET seq = :a WHERE seq = :b", a=middle, b=middle + 1)
        raw.execute("UPDATE audit_log SET seq = :b WHERE seq = -1", b=middle + 1)
        return [f"audit entry {middle} "]

    def swapped_with_columns_renumbered() -> list[str]:
        """Moved rows keep their hashed bodies, whose seq then disagrees: either way entry ``middle`` is named."""
        swapped()
        for seq in (middle, middle + 1):
            _rewrite_body(raw, seq, seq=seq)
        return [f"audit entry {middle} "]

    def truncated() -> list[str]:
        assert raw.execute("DELETE FROM audit_log WHERE seq > :keep", keep=count - 2) == 2
        return [f"entry {count - 2}", f"entry {count}"]

    def truncated_and_head_rewritten() -> list[str]:
        """The head moved back too; the record whose 'created' entry went still gives it away."""
        keep = count - 2
        raw.execute("DELETE FROM audit_log WHERE seq > :keep", keep=keep)
        raw.execute("UPDATE audit_head SET seq = :seq, hash = :h WHERE id = 1", seq=keep, h=entries[keep - 1].hash)
        return [f"record {late.id}"]

    def head_rewritten() -> list[str]:
        raw.execute("UPDATE audit_head SET hash = :h WHERE id = 1", h="f" * 64)
        return ["head"]

    def appended_behind_the_heads_back() -> list[str]:
        last = entries[-1]
        seq, record_id = count + 1, busy["first"].id
        raw.execute(
            "INSERT INTO audit_log (seq, at, action, record_id, actor, body, prev_hash, hash) "
            "SELECT :seq, at, 'viewed', :rid, 'mallory', :b, :prev, :h FROM audit_log WHERE seq = :last",
            seq=seq,
            rid=record_id,
            b=body_of(seq, last.at, "viewed", record_id, "mallory", {}),
            prev=last.hash,
            h=link(last.hash, seq, last.at, "viewed", record_id, "mallory", {}),
            last=count,
        )
        return [f"entry {seq}"]

    _check_cases(
        store,
        raw,
        subtests,
        {
            "an entry deleted from the middle": deleted(middle),
            "the first entry deleted": deleted(1),
            "two entries swapped": swapped,
            "two entries swapped, bodies renumbered": swapped_with_columns_renumbered,
            "the last entries deleted": truncated,
            "the last entries deleted and the head moved back": truncated_and_head_rewritten,
            "the head rewritten": head_rewritten,
            "an entry appended without moving the head": appended_behind_the_heads_back,
        },
    )


RECORD_COLUMNS = (
    "id, form_id, form_version, answers, findings, acknowledged_warnings, outcome, plugins, author, host, context, "
    "created_at, review_required, retention_class, review_on, supersedes, amendment_reason, idempotency_key, "
    "request_hash, content_hash, created_seq, disposal"
)


def _copy_record(raw: Any, source: str, new_id: str) -> None:
    """A new records row with ``source``'s content under another id (no audit entry of its own)."""
    raw.execute(
        f"INSERT INTO records ({RECORD_COLUMNS}) "
        "SELECT :id, form_id, form_version, answers, findings, acknowledged_warnings, outcome, plugins, author, host, context, "
        "created_at, review_required, retention_class, review_on, NULL, NULL, NULL, NULL, content_hash, 100000, NULL "
        "FROM records WHERE id = :source",
        id=new_id,
        source=source,
    )


def test_verify_reports_tampered_records(store: Any, raw: Any, busy: dict[str, Any], subtests: Any) -> None:
    first, second, amended = busy["first"], busy["second"], busy["amended"]
    anonymised, doomed = busy["anonymised"], busy["doomed"]

    def set_json(record: Record, column: str, value: Any) -> list[str]:
        raw.execute(f"UPDATE records SET {column} = {raw.json_value('v')} WHERE id = :id", v=json.dumps(value), id=record.id)
        return [f"record {record.id}", "altered"]

    def set_column(record: Record, column: str, value: Any) -> Callable[[], list[str]]:
        def run() -> list[str]:
            raw.execute(f"UPDATE records SET {column} = :v WHERE id = :id", v=value, id=record.id)
            return [f"record {record.id}"]

        return run

    def rewritten_with_matching_hash() -> list[str]:
        """Recomputing the record's own hash does not help: the audit log holds the original."""
        changed = dataclasses.replace(first, answers={**first.answers, "decision": "do_not_share"})
        set_json(first, "answers", dict(changed.answers))
        raw.execute("UPDATE records SET content_hash = :h WHERE id = :id", h=changed.compute_hash(), id=first.id)
        return [f"record {first.id}"]

    def deleted(record: Record) -> Callable[[], list[str]]:
        def run() -> list[str]:
            assert raw.execute("DELETE FROM records WHERE id = :id", id=record.id) == 1
            return [f"record {record.id}"]

        return run

    def brought_back() -> list[str]:
        _copy_record(raw, second.id, doomed.id)
        return [f"record {doomed.id}"]

    def forged() -> list[str]:
        forged_id = "00000000-0000-4000-8000-000000000000"
        _copy_record(raw, second.id, forged_id)
        return [f"record {forged_id}"]

    _check_cases(
        store,
        raw,
        subtests,
        {
            "answers changed in place": functools.partial(
                set_json, first, "answers", {**first.answers, "decision": "do_not_share"}
            ),
            "author changed": functools.partial(set_json, first, "author", {"id": "mallory"}),
            "context changed": functools.partial(set_json, second, "context", {"case": "C-999"}),
            "a finding added": functools.partial(set_json, second, "findings", [{"rule": "ISD-7", "severity": "warning"}]),
            "outcome changed": functools.partial(set_json, second, "outcome", {"sharing": False}),
            "answers rewritten with a matching content_hash": rewritten_with_matching_hash,
            "host changed": set_column(amended, "host", "elsewhere"),
            "retention class changed": set_column(amended, "retention_class", "forever"),
            "review date changed": set_column(amended, "review_on", "2099-01-01"),
            "amendment reason changed": set_column(amended, "amendment_reason", "made up"),
            "supersedes link removed": set_column(amended, "supersedes", None),
            "content_hash changed": set_column(second, "content_hash", "0" * 64),
            "a record row deleted without a purge entry": deleted(second),
            "an anonymised record changed": functools.partial(set_json, anonymised, "context", {"case": "back again"}),
            "an anonymised record deleted without a further purge entry": deleted(anonymised),
            "a deleted record brought back": brought_back,
            "a record with no created entry": forged,
        },
    )


def test_problems_are_one_line(store: Any, raw: Any, few: list[Record]) -> None:
    raw.drop_append_only_triggers()
    raw.execute("DELETE FROM audit_log WHERE seq = 2")
    result = store.verify()
    assert result.problem is not None
    assert "\n" not in result.problem
    assert result.to_dict() == {
        "intact": False,
        "entries": result.entries,
        "records": result.records,
        "head_hash": result.head_hash,
        "problem": result.problem,
    }


# --- sharewise audit verify ------------------------------------------------------------------------------


def test_cli_audit_verify_intact(cli: Any, database_url: str, store: Any, busy: dict[str, Any]) -> None:
    result = cli("--database", database_url, "audit", "verify")
    assert result.code == 0, result.err
    assert result.err == ""
    entries = len(store.audit_entries())
    head = store.audit_entries()[-1].hash
    assert result.out.strip() == f"intact: {entries} audit entries, 5 records; head {head}"
    as_json = cli("--database", database_url, "audit", "verify", "--json")
    assert as_json.code == 0
    assert as_json.json() == {"intact": True, "entries": entries, "records": 5, "head_hash": head, "problem": None}


def test_cli_audit_verify_names_the_first_problem(
    cli: Any, database_url: str, store: Any, raw: Any, busy: dict[str, Any]
) -> None:
    raw.drop_append_only_triggers()
    raw.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    raw.execute("DELETE FROM audit_log WHERE seq = 6")
    raw.execute("DELETE FROM records WHERE id = :id", id=busy["second"].id)
    result = cli("--database", database_url, "audit", "verify")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    lines = result.out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("NOT INTACT: audit entry 3 ")
    as_json = cli("--database", database_url, "audit", "verify", "--json")
    assert as_json.code == 1
    report = as_json.json()
    assert report["intact"] is False
    assert report["problem"].startswith("audit entry 3 ")


def test_cli_audit_verify_names_a_tampered_record(cli: Any, database_url: str, store: Any, raw: Any, few: list[Record]) -> None:
    first = few[1]
    raw.execute(f"UPDATE records SET author = {raw.json_value('a')} WHERE id = :id", a='{"id": "mallory"}', id=first.id)
    result = cli("--database", database_url, "audit", "verify")
    assert result.code == 1
    assert result.out.startswith("NOT INTACT: ")
    assert first.id in result.out


def test_cli_audit_verify_on_a_new_database(cli: Any, database_url: str, store: Any) -> None:
    result = cli("--database", database_url, "audit", "verify")
    assert result.code == 0
    assert result.out.startswith("intact: 0 audit entries, 0 records")
