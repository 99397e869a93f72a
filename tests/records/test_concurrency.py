"""Concurrent submissions (issue 4, item 8): one idempotency key gives one record, and the audit chain
never forks, with several writers at once.

PostgreSQL is the production database and the one with real concurrent writers: those tests skip on
SQLite. SQLite queues writers (``BEGIN IMMEDIATE`` with a 5 s busy timeout); the same properties are
checked there with threads too, and no writer may fail with "database is locked".
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from sharewise.core import Engine
from sharewise.core.store import Store
from sharewise.core.submission import AmendmentRefused, Recorder, Submitted

CORE = "information-sharing-decision"
THREADS = 8
ROUNDS = 3
PER_THREAD = 3
POSTGRES_ONLY = (
    "real concurrent writers are tested on PostgreSQL (set SHAREWISE_TEST_POSTGRES_URL); "
    "SQLite serialises writers and has its own tests below"
)
SQLITE_ONLY = "the SQLite variant; PostgreSQL has its own concurrency tests"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def run_at_once(url: str, engine: Engine, work: Callable[[Recorder, int], Any], threads: int = THREADS) -> list[Any]:
    """Run ``work(recorder, index)`` in ``threads`` threads, each with its own Store and Recorder on ``url``,
    released together by a barrier. Returns each thread's result or the exception it raised."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def worker(index: int) -> None:
        store = Store(url)
        try:
            store.count()  # connect and check the schema before the race starts
            recorder = Recorder(engine, store)
            barrier.wait(timeout=30)
            results[index] = work(recorder, index)
        except BaseException as exc:
            exc.formatted = traceback.format_exc()  # type: ignore[attr-defined]
            results[index] = exc
        finally:
            store.close()

    pool = [threading.Thread(target=worker, args=(i,), name=f"submitter-{i}") for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a submitting thread hung"
    return results


def failures(results: list[Any]) -> list[str]:
    return [getattr(r, "formatted", repr(r)) for r in results if isinstance(r, BaseException)]


def check_same_key_gives_one_record(url: str, engine: Engine, store: Store, answers: dict[str, Any]) -> None:
    for round_number in range(ROUNDS):
        key = f"same-key-{round_number}"
        results = run_at_once(url, engine, lambda recorder, _i, key=key: recorder.submit(CORE, answers, idempotency_key=key))

        assert failures(results) == [], "\n".join(failures(results))
        ids = {r.record.id for r in results}
        assert len(ids) == 1, f"round {round_number}: {THREADS} threads got {len(ids)} different records"
        assert sorted(r.replayed for r in results) == [False] + [True] * (THREADS - 1)
        (record_id,) = ids
        assert [e.action for e in store.audit_entries(record_id=record_id)] == ["created"]

    assert store.count() == ROUNDS
    entries = store.audit_entries()
    assert [e.action for e in entries] == ["created"] * ROUNDS
    assert len({e.record_id for e in entries}) == ROUNDS
    result = store.verify()
    assert result.intact, result.problem


def check_different_submissions_all_stored(url: str, engine: Engine, store: Store, answers: dict[str, Any]) -> None:
    def work(recorder: Recorder, index: int) -> list[Submitted]:
        return [
            recorder.submit(CORE, {**answers, "advice_from": f"Lead {index}-{n}"}, idempotency_key=f"t{index}-n{n}")
            for n in range(PER_THREAD)
        ]

    results = run_at_once(url, engine, work)

    assert failures(results) == [], "\n".join(failures(results))
    submitted = [s for batch in results for s in batch]
    total = THREADS * PER_THREAD
    assert len({s.record.id for s in submitted}) == total
    assert not any(s.replayed for s in submitted)
    assert store.count() == total

    entries = store.audit_entries()
    assert [e.seq for e in entries] == list(range(1, total + 1))
    assert {e.record_id for e in entries} == {s.record.id for s in submitted}
    # One chain, no fork: every entry follows the one before it, and no hash is followed twice.
    for earlier, later in itertools.pairwise(entries):
        assert later.prev_hash == earlier.hash, f"entry {later.seq} does not follow entry {earlier.seq}"
    assert len({e.prev_hash for e in entries}) == total
    # Each record's sequence number is its own created entry.
    seqs = {e.record_id: e.seq for e in entries}
    assert all(s.record.created_seq == seqs[s.record.id] for s in submitted)
    stored = store.list(limit=1000)
    assert sorted(r.created_seq for r in stored) == list(range(1, total + 1))
    assert {r.answers["advice_from"] for r in stored} == {f"Lead {i}-{n}" for i in range(THREADS) for n in range(PER_THREAD)}
    result = store.verify()
    assert result.intact, result.problem
    assert (result.entries, result.records) == (total, total)


def check_one_amendment_wins(url: str, engine: Engine, store: Store, answers: dict[str, Any]) -> None:
    original = Recorder(engine, store).submit(CORE, answers).record

    def work(recorder: Recorder, index: int) -> Any:
        try:
            return recorder.amend(original.id, {**answers, "advice_from": f"Lead {index}"}, reason=f"correction {index}")
        except AmendmentRefused as refused:
            return ("refused", str(refused))

    results = run_at_once(url, engine, work)

    assert failures(results) == [], "\n".join(failures(results))
    won = [r for r in results if isinstance(r, Submitted)]
    refused = [r for r in results if isinstance(r, tuple)]
    assert len(won) == 1, f"{len(won)} concurrent amendments of one record succeeded"
    assert len(refused) == THREADS - 1
    assert all(won[0].record.id in message for _, message in refused)
    assert [r.id for r in store.chain(original.id)] == [original.id, won[0].record.id]
    assert store.count() == 2
    assert store.verify().intact


# ------------------------------------------------------------------------------ PostgreSQL


def test_same_key_at_once_gives_one_record_on_postgresql(
    database_url: str, engine: Engine, store: Store, base_answers: dict[str, Any]
) -> None:
    if is_sqlite(database_url):
        pytest.skip(POSTGRES_ONLY)
    check_same_key_gives_one_record(database_url, engine, store, base_answers)


def test_different_submissions_at_once_are_all_stored_on_postgresql(
    database_url: str, engine: Engine, store: Store, base_answers: dict[str, Any]
) -> None:
    if is_sqlite(database_url):
        pytest.skip(POSTGRES_ONLY)
    check_different_submissions_all_stored(database_url, engine, store, base_answers)


def test_concurrent_amendments_of_one_record_on_postgresql(
    database_url: str, engine: Engine, store: Store, base_answers: dict[str, Any]
) -> None:
    if is_sqlite(database_url):
        pytest.skip(POSTGRES_ONLY)
    check_one_amendment_wins(database_url, engine, store, base_answers)


# ------------------------------------------------------------------------------ SQLite


def test_same_key_from_several_threads_gives_one_record_on_sqlite(
    database_url: str, engine: Engine, store: Store, base_answers: dict[str, Any]
) -> None:
    if not is_sqlite(database_url):
        pytest.skip(SQLITE_ONLY)
    check_same_key_gives_one_record(database_url, engine, store, base_answers)


def test_different_submissions_from_several_threads_on_sqlite(
    database_url: str, engine: Engine, store: Store, base_answers: dict[str, Any]
) -> None:
    if not is_sqlite(database_url):
        pytest.skip(SQLITE_ONLY)
    check_different_submissions_all_stored(database_url, engine, store, base_answers)


def test_concurrent_amendments_of_one_record_on_sqlite(
    database_url: str, engine: Engine, store: Store, base_answers: dict[str, Any]
) -> None:
    if not is_sqlite(database_url):
        pytest.skip(SQLITE_ONLY)
    check_one_amendment_wins(database_url, engine, store, base_answers)
