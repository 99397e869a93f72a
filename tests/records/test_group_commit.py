"""Group commit (issue 6, item 8): submissions made at the same time by threads of one process share a
transaction, and each still gets exactly its own outcome.

``GroupCommit`` is tested on its own (no database) for batching, refusals and isolation of an item
that breaks a transaction; then through a real ``Recorder`` on SQLite and PostgreSQL, with batches
made deterministic by holding the first writer until the others are queued behind it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sharewise.core import Engine
from sharewise.core.group_commit import GroupCommit
from sharewise.core.hosts import HostRegistry
from sharewise.core.store import Store
from sharewise.core.store.schema import outbox
from sharewise.core.submission import AmendmentRefused, IdempotencyConflict, Recorder, Submitted

CORE = "information-sharing-decision"


class Refused(Exception):
    """A refusal of one item (as an idempotency conflict is)."""


class Callers:
    """Calls made each from its own thread, started one at a time; each call's result, or what it raised
    (a stopped leader's own outcome is checked too)."""

    def __init__(self, calls: list[Callable[[], Any]]) -> None:
        self.calls = calls
        self.results: list[Any] = [None] * len(calls)
        self.threads: list[threading.Thread] = []

    def start(self, index: int) -> None:
        """Start call ``index`` in a thread of its own."""

        def call() -> None:
            try:
                self.results[index] = self.calls[index]()
            except BaseException as exc:
                self.results[index] = exc

        self.threads.append(threading.Thread(target=call))
        self.threads[-1].start()

    def finish(self) -> list[Any]:
        """Wait for every call (none may hang); their outcomes in order."""
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.threads), "a writer hung"
        return self.results


def run_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` in ``count`` threads; each thread's result or exception."""
    callers = Callers([lambda index=index: work(index) for index in range(count)])
    for index in range(count):
        callers.start(index)
    return callers.finish()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


class HeldWriter:
    """A batch writer whose first batch waits until released, so that later items queue behind it."""

    def __init__(self, write: Callable[[Sequence[Any]], Sequence[Any]]) -> None:
        self.write = write
        self.batches: list[list[Any]] = []
        self.release = threading.Event()
        self.entered = threading.Event()

    def __call__(self, batch: Sequence[Any]) -> Sequence[Any]:
        self.batches.append(list(batch))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(timeout=30)
        return self.write(batch)


def queued_behind_first(
    group: GroupCommit[Any, Any], held: HeldWriter, first: Callable[[], Any], rest: list[Callable[[], Any]]
) -> list[Any]:
    """Run ``first`` (whose batch is held), then ``rest`` once it is held; release when all of ``rest``
    are queued. Returns the outcomes of ``first`` and then of each of ``rest``."""
    callers = Callers([first, *rest])
    callers.start(0)
    assert held.entered.wait(timeout=30)
    for index in range(1, len(callers.calls)):
        callers.start(index)
    wait_until(lambda: len(group._waiting) == len(rest), "every later writer is queued")
    held.release.set()
    return callers.finish()


# --- GroupCommit on its own ---------------------------------------------------------------------------


def doubled(batch: Sequence[int]) -> list[int | Exception]:
    return [Refused(f"no {item}") if item < 0 else item * 2 for item in batch]


def test_a_writer_alone_writes_at_once_in_a_batch_of_one() -> None:
    batches: list[list[int]] = []
    group: GroupCommit[int, int] = GroupCommit(lambda batch: batches.append(list(batch)) or doubled(batch))

    assert group.write(3) == 6
    assert group.write(4) == 8
    assert batches == [[3], [4]]


def test_writers_queued_behind_a_batch_share_the_next_one_and_each_gets_its_own_result() -> None:
    held = HeldWriter(doubled)
    group: GroupCommit[int, int] = GroupCommit(held)

    results = queued_behind_first(group, held, lambda: group.write(0), [lambda i=i: group.write(i) for i in range(1, 11)])

    assert results == [i * 2 for i in range(11)]
    assert held.batches[0] == [0]
    assert sorted(held.batches[1]) == list(range(1, 11)), "all ten queued writers went in one transaction"
    assert len(held.batches) == 2


def test_a_refused_item_raises_only_for_its_own_writer() -> None:
    held = HeldWriter(doubled)
    group: GroupCommit[int, int] = GroupCommit(held)

    results = queued_behind_first(group, held, lambda: group.write(1), [lambda: group.write(-5), lambda: group.write(7)])

    assert results[0] == 2 and results[2] == 14
    assert isinstance(results[1], Refused) and str(results[1]) == "no -5"


def test_an_item_that_breaks_the_transaction_fails_alone_and_the_others_are_written_on_their_own() -> None:
    written: list[list[int]] = []

    def breaks_on_13(batch: Sequence[int]) -> list[int | Exception]:
        if 13 in batch:
            raise RuntimeError("the database refused 13")
        written.append(list(batch))
        return doubled(batch)

    held = HeldWriter(breaks_on_13)
    group: GroupCommit[int, int] = GroupCommit(held)

    results = queued_behind_first(group, held, lambda: group.write(1), [lambda i=i: group.write(i) for i in (12, 13, 14)])

    assert results[0] == 2
    assert sorted(r for r in results if isinstance(r, int)) == [2, 24, 28]
    (failure,) = [r for r in results if isinstance(r, Exception)]
    assert isinstance(failure, RuntimeError) and "13" in str(failure)
    assert sorted(written[1:]) == [[12], [14]], "after the shared transaction failed, each item was written alone"


def test_batches_are_at_most_max_batch() -> None:
    held = HeldWriter(doubled)
    group: GroupCommit[int, int] = GroupCommit(held, max_batch=4)

    results = queued_behind_first(group, held, lambda: group.write(0), [lambda i=i: group.write(i) for i in range(1, 11)])

    assert results == [i * 2 for i in range(11)]
    assert [len(batch) for batch in held.batches] == [1, 4, 4, 2]


class Stopped(BaseException):
    """What a thread being stopped (SystemExit, KeyboardInterrupt) raises: not an ``Exception``."""


class HeldTurn:
    """A turn to write that the test holds at first (as another process holding the SQLite writer lock
    would), counting how often it was taken; ``stop_first`` makes the first wait for it end by being
    stopped instead."""

    def __init__(self, *, stop_first: bool = False) -> None:
        self.free = threading.Event()
        self.taken = 0
        self.stop_first = stop_first

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        assert self.free.wait(timeout=30)
        self.taken += 1
        if self.stop_first and self.taken == 1:
            raise Stopped
        yield


def writers_waiting_for_the_turn(group: GroupCommit[int, int], turn: HeldTurn, items: list[int]) -> list[Any]:
    """Each item written by its own thread, started in order, all queued before the turn is given."""
    callers = Callers([lambda item=item: group.write(item) for item in items])
    for index in range(len(items)):
        callers.start(index)
        wait_until(lambda queued=index + 1: len(group._waiting) == queued, f"writer {index} is queued")
    turn.free.set()
    return callers.finish()


def test_writers_that_come_while_the_leader_waits_for_its_turn_join_its_batch() -> None:
    batches: list[list[int]] = []
    turn = HeldTurn()
    group: GroupCommit[int, int] = GroupCommit(lambda batch: batches.append(list(batch)) or doubled(batch), turn=turn)

    results = writers_waiting_for_the_turn(group, turn, [0, 1, 2, 3])

    assert results == [0, 2, 4, 6]
    assert [sorted(batch) for batch in batches] == [[0, 1, 2, 3]], "one turn, one transaction for all four"
    assert turn.taken == 1


def test_a_leader_stopped_while_waiting_for_its_turn_leaves_the_queue_and_the_others_are_written() -> None:
    batches: list[list[int]] = []
    turn = HeldTurn(stop_first=True)
    group: GroupCommit[int, int] = GroupCommit(lambda batch: batches.append(list(batch)) or doubled(batch), turn=turn)

    results = writers_waiting_for_the_turn(group, turn, [0, 1, 2])

    assert isinstance(results[0], Stopped), "the stopped leader's own call ends with what stopped it"
    assert results[1:] == [2, 4]
    assert [sorted(batch) for batch in batches] == [[1, 2]], "the stopped leader's item was never written"
    assert group.write(5) == 10 and batches[-1] == [5], "and nothing is left holding the lead"


def test_a_wrong_number_of_outcomes_is_an_error_for_every_writer_not_a_hang() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda batch: [])

    with pytest.raises(RuntimeError, match="0 outcomes for 1 items"):
        group.write(1)
    with pytest.raises(RuntimeError):
        group.write(2)  # the lead was given back: the next writer is not left waiting


def test_a_leader_stopped_mid_batch_leaves_no_writer_waiting() -> None:
    def stopped_on_first_batch(batch: Sequence[int]) -> list[int | Exception]:
        if 0 in batch:
            raise Stopped
        return doubled(batch)

    held = HeldWriter(stopped_on_first_batch)
    group: GroupCommit[int, int] = GroupCommit(held)

    results = queued_behind_first(group, held, lambda: group.write(0), [lambda i=i: group.write(i) for i in (1, 2)])

    assert isinstance(results[0], Stopped), "the stopped leader's own call ends with what stopped it"
    assert results[1:] == [2, 4], "the writers queued behind it are written by the next leader"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=50), min_size=1, max_size=40), st.integers(min_value=1, max_value=8))
def test_any_mix_of_writers_gets_the_same_outcomes_as_writing_one_at_a_time(items: list[int], max_batch: int) -> None:
    group: GroupCommit[int, int] = GroupCommit(doubled, max_batch=max_batch)

    results = run_threads(len(items), lambda index: group.write(items[index]))

    for item, result in zip(items, results, strict=True):
        if item < 0:
            assert isinstance(result, Refused) and str(result) == f"no {item}"
        else:
            assert result == item * 2


# --- through a Recorder, on SQLite and PostgreSQL -----------------------------------------------------------


@pytest.fixture
def recorder(engine: Engine, store: Store) -> Recorder:
    return Recorder(engine, store)


def held_recorder(recorder: Recorder) -> HeldWriter:
    """Hold the recorder's first transaction (see ``HeldWriter``)."""
    held = HeldWriter(recorder._write_batch)
    recorder._writes._write_batch = held
    return held


def test_many_threads_of_one_process_store_every_record_once_with_an_intact_chain(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    results = run_threads(24, lambda i: recorder.submit(CORE, base_answers, idempotency_key=f"key-{i}", host="host-a"))

    assert all(isinstance(r, Submitted) and not r.replayed for r in results), results
    assert len({r.record.id for r in results}) == 24
    assert store.count() == 24
    report = store.verify()
    assert report.intact, report.problem
    assert sorted(r.record.created_seq for r in results) == list(range(1, 25)), "one audit entry each, no gaps, no fork"


def test_queued_submissions_share_one_transaction(recorder: Recorder, store: Store, base_answers: dict[str, Any]) -> None:
    held = held_recorder(recorder)

    def submit(key: str) -> Callable[[], Submitted]:
        return lambda: recorder.submit(CORE, base_answers, idempotency_key=key, host="host-a")

    results = queued_behind_first(recorder._writes, held, submit("first"), [submit(f"queued-{i}") for i in range(6)])

    assert [len(batch) for batch in held.batches] == [1, 6]
    assert all(isinstance(r, Submitted) and not r.replayed for r in results)
    assert store.count() == 7 and store.verify().intact
    by_key = {r.record.idempotency_key: r.record for r in results}
    assert {key: store.get(record.id).created_seq for key, record in by_key.items()} == {
        key: record.created_seq for key, record in by_key.items()
    }, "each caller is told the audit sequence number its record was stored with"


def test_the_same_key_twice_in_one_batch_gives_one_record_and_a_replay(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    held = held_recorder(recorder)

    def submit(key: str) -> Callable[[], Submitted]:
        return lambda: recorder.submit(CORE, base_answers, idempotency_key=key, host="host-a")

    first, one, again = queued_behind_first(recorder._writes, held, submit("first"), [submit("twice"), submit("twice")])

    assert not first.replayed
    assert one.record.id == again.record.id
    assert sorted([one.replayed, again.replayed]) == [False, True]
    assert store.count() == 2


def test_keys_used_before_and_new_keys_in_one_batch_each_get_their_own_answer(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    earlier = {key: recorder.submit(CORE, base_answers, idempotency_key=key, host="host-a") for key in ("old-1", "old-2")}
    other_host = recorder.submit(CORE, base_answers, idempotency_key="new-1", host="host-b")
    other = {**base_answers, "purpose": "A different purpose entirely."}
    held = held_recorder(recorder)

    def submit(key: str, answers: dict[str, Any] = base_answers) -> Callable[[], Submitted]:
        return lambda: recorder.submit(CORE, answers, idempotency_key=key, host="host-a")

    first, old_1, new_1, old_2, new_2 = queued_behind_first(
        recorder._writes, held, submit("first"), [submit("old-1"), submit("new-1"), submit("old-2", other), submit("new-2")]
    )

    assert [len(batch) for batch in held.batches] == [1, 4]
    assert old_1.replayed and old_1.record.id == earlier["old-1"].record.id
    assert isinstance(old_2, IdempotencyConflict) and earlier["old-2"].record.id in str(old_2)
    assert not new_1.replayed and new_1.record.id != other_host.record.id, "a key is per host"
    assert not new_2.replayed and not first.replayed
    assert store.count() == 6 and store.verify().intact


def test_the_same_key_for_a_different_decision_in_one_batch_is_a_conflict(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    held = held_recorder(recorder)
    other = {**base_answers, "purpose": "A different purpose entirely."}

    results = queued_behind_first(
        recorder._writes,
        held,
        lambda: recorder.submit(CORE, base_answers, idempotency_key="first", host="host-a"),
        [
            lambda: recorder.submit(CORE, base_answers, idempotency_key="shared", host="host-a"),
            lambda: recorder.submit(CORE, other, idempotency_key="shared", host="host-a"),
        ],
    )

    stored = [r for r in results[1:] if isinstance(r, Submitted)]
    conflicts = [r for r in results[1:] if isinstance(r, IdempotencyConflict)]
    assert len(stored) == 1 and len(conflicts) == 1, results
    assert "shared" in str(conflicts[0]) and stored[0].record.id in str(conflicts[0])
    assert store.count() == 2


def test_two_amendments_of_one_record_in_one_batch_the_second_is_refused_naming_the_latest(
    recorder: Recorder, store: Store, base_answers: dict[str, Any]
) -> None:
    original = recorder.submit(CORE, base_answers, host="host-a").record
    held = held_recorder(recorder)

    def amend(reason: str) -> Callable[[], Submitted]:
        return lambda: recorder.amend(original.id, base_answers, reason=reason, host="host-a")

    results = queued_behind_first(
        recorder._writes,
        held,
        lambda: recorder.submit(CORE, base_answers, host="host-a"),
        [amend("Corrected the purpose."), amend("Corrected it again.")],
    )

    amended = [r for r in results[1:] if isinstance(r, Submitted)]
    refused = [r for r in results[1:] if isinstance(r, AmendmentRefused)]
    assert len(amended) == 1 and len(refused) == 1, results
    assert f"amend the latest version, {amended[0].record.id}" in str(refused[0])
    assert [r.id for r in store.chain(original.id)] == [original.id, amended[0].record.id]
    assert store.verify().intact


def test_a_submission_that_breaks_the_transaction_fails_alone(
    recorder: Recorder, store: Store, base_answers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Store.insert_records

    def refuses_poison(connection: Any, new_records: Sequence[Any]) -> None:
        if any(record.context.get("case_ref") == "POISON" for record, _ in new_records):
            raise RuntimeError("the database refused the poison record")
        real(connection, new_records)

    monkeypatch.setattr(Store, "insert_records", staticmethod(refuses_poison))
    held = held_recorder(recorder)

    def submit(case_ref: str) -> Callable[[], Submitted]:
        return lambda: recorder.submit(CORE, base_answers, host="host-a", context={"case_ref": case_ref})

    results = queued_behind_first(recorder._writes, held, submit("A"), [submit("B"), submit("POISON"), submit("C")])

    assert [type(r).__name__ for r in results] == ["Submitted", "Submitted", "RuntimeError", "Submitted"]
    assert store.count() == 3
    assert store.verify().intact, "the failed shared transaction left nothing behind"


def test_one_batch_for_several_hosts_queues_each_record_for_its_own_hosts_targets(
    recorder: Recorder, store: Store, base_answers: dict[str, Any], tmp_path: Any
) -> None:
    registry = HostRegistry(store)
    now = dt.datetime.now(dt.UTC)
    registry.add(
        "both", origins=["https://both.example"], webhook_url="https://both.example/hook", drop_dir=str(tmp_path), now=now
    )
    registry.add("webhook", origins=["https://webhook.example"], webhook_url="https://webhook.example/hook", now=now)
    registry.add("pulls", origins=["https://pulls.example"], now=now)
    held = held_recorder(recorder)

    def submit(host: str) -> Callable[[], Submitted]:
        return lambda: recorder.submit(CORE, base_answers, host=host)

    results = queued_behind_first(recorder._writes, held, submit("pulls"), [submit("both"), submit("webhook"), submit("pulls")])

    assert [len(batch) for batch in held.batches] == [1, 3]
    with store.reading() as connection:
        rows = connection.execute(select(outbox.c.record_id, outbox.c.host, outbox.c.target)).all()
    by_record = {r.record.id: r.record.host for r in results}
    assert sorted((by_record[row.record_id], row.host, row.target) for row in rows) == [
        ("both", "both", "drop"),
        ("both", "both", "webhook"),
        ("webhook", "webhook", "webhook"),
    ]
    assert len({row.record_id for row in rows}) == 2
