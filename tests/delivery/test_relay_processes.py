"""Relays that die, and relays side by side (issue 6, items 5 and 7): a ``sharewise worker`` killed
mid-delivery loses nothing — the rows it held are redelivered, with the same webhook-id, once its
lease ends; on PostgreSQL several relays share the outbox through ``FOR UPDATE SKIP LOCKED`` and
deliver each row once; on SQLite one relay delivers everything.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runs import SCRIPT
from delivery_helpers import Clock, Received, Receiver, delivered_entries, leases, rows, verify
from sqlalchemy import create_engine, select, text
from werkzeug import Response

from sharewise.adapters.delivery.relay import Relay
from sharewise.core import outbox
from sharewise.core.record import Record
from sharewise.core.store.schema import outbox as outbox_table
from sharewise.core.store.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

#: The shortest lease ``sharewise worker --lease`` allows (the default, 120 s, would make the test wait 2 min).
SHORT_LEASE = 5
CLEARED = ("SHAREWISE_DATABASE_URL", "SHAREWISE_PLUGINS", "SHAREWISE_ENV")


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def postgresql_only(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("several relays run side by side on PostgreSQL only")


def database_arg(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def processes() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start processes (output to a log file); any still running at the end are killed."""
    started: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}

    def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def wait_for(condition: Callable[[], bool], seconds: float, what: str, *logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            shown = "".join(f"\n--- {log.name}:\n{log.read_text()}" for log in logs)
            raise AssertionError(f"timed out after {seconds} s waiting for {what}{shown}")
        time.sleep(0.05)


def all_delivered(store: Store, n: int) -> Callable[[], bool]:
    return lambda: outbox.counts(store).get(outbox.DELIVERED, 0) == n


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(15)


# ------------------------------------------------------------------------------ killed mid-delivery


def test_worker_killed_mid_delivery_loses_nothing(
    store: Store,
    host: Any,
    receiver: Receiver,
    submit: Callable[..., list[Record]],
    processes: Callable[..., subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    arrived, release = threading.Event(), threading.Event()

    def slow_first(received: Received) -> Response:
        if not arrived.is_set():
            arrived.set()
            release.wait(20)  # the host is slow to answer: the worker is killed meanwhile
        return Response(status=204)

    receiver.respond = slow_first
    records = submit(3)
    database = database_arg(store)

    doomed = processes(
        [str(SCRIPT), "--database", database, "worker", "--interval", "0.1", "--lease", str(SHORT_LEASE)],
        tmp_path / "doomed.log",
    )
    try:
        assert arrived.wait(30), f"the worker never delivered:\n{(tmp_path / 'doomed.log').read_text()}"
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    finally:
        release.set()

    held = rows(store)
    assert {(d.state, d.attempts) for d in held} == {(outbox.PENDING, 0)}, "nothing recorded as done, nothing lost"
    held_until = {until for _, until in leases(store).values()}
    assert None not in held_until, "the killed worker held the rows it claimed"
    assert max(u for u in held_until if u) <= real_now() + dt.timedelta(seconds=SHORT_LEASE), "the short lease applied"
    assert delivered_entries(store) == []

    lease_ends = max(u for u in held_until if u)
    successor = processes(  # started at once: it must leave the rows alone until the lease ends
        [str(SCRIPT), "--database", database, "worker", "--interval", "0.1"],
        tmp_path / "successor.log",
    )
    wait_for(all_delivered(store, 3), 40, "the new worker to deliver everything", tmp_path / "successor.log")
    assert stop(successor) == 0, "SIGTERM stops a worker cleanly"
    early = [d for d in rows(store) if d.delivered_at is None or d.delivered_at <= lease_ends]
    assert early == [], "a row was taken from the killed worker before its lease ended"

    by_record = receiver.by_record()
    assert sorted(by_record) == sorted(r.id for r in records), "every record delivered"
    webhook_ids = {d.record_id: d.webhook_id for d in rows(store)}
    in_flight = receiver.received[0].json()["id"]
    for record in records:
        arrivals = by_record[record.id]
        assert {a.webhook_id for a in arrivals} == {webhook_ids[record.id]}, "the same webhook-id on redelivery"
        assert len(arrivals) == (2 if record.id == in_flight else 1)
        for arrival in arrivals:
            verify(host.webhook_secret, arrival, at=real_now())
            assert arrival.json() == by_record[record.id][0].json()
        assert len(delivered_entries(store, record.id)) == 1
    result = store.verify()
    assert result.intact, result.problem
    for log in ("doomed.log", "successor.log"):
        output = (tmp_path / log).read_text()
        assert "Traceback" not in output, output
        assert host.webhook_secret not in output and host.api_key not in output


def test_an_abandoned_batch_is_reclaimed_after_the_lease(
    store: Store, host: Any, receiver: Receiver, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    """The in-process equivalent: a relay claims a batch and dies without a word; another relay
    gets nothing while the lease runs, then delivers the whole batch."""
    records = submit(4)
    abandoned = outbox.claim(store, owner="crashed-relay", now=clock())
    assert len(abandoned) == 4

    assert relay.run_once() == 0
    clock.advance(outbox.LEASE - dt.timedelta(seconds=1))
    assert relay.run_once() == 0
    assert receiver.received == []

    clock.advance(seconds=2)
    assert relay.run_once() == 4
    assert {d.state for d in rows(store)} == {outbox.DELIVERED}
    assert sorted(receiver.by_webhook_id()) == sorted(d.webhook_id for d in abandoned)
    assert set(receiver.by_webhook_id().values()) == {1}
    assert sorted(receiver.by_record()) == sorted(r.id for r in records)


# ------------------------------------------------------------------------ a relay that lost its lease


def lost_lease_scenario(
    receiver: Receiver, make_relay: Callable[..., Relay], clock: Clock, after: int
) -> tuple[Relay, threading.Event]:
    """Relay A holds a batch; the host takes 3 minutes (of test time) over A's first request, and
    meanwhile — the lease over — relay B claims and delivers the batch. Afterwards the host answers
    ``after``."""
    a, b = make_relay("relay-a"), make_relay("relay-b")
    b_done = threading.Event()

    def respond(received: Received) -> Response:
        if len(receiver.received) == 1:  # A's first request
            clock.advance(minutes=3)
            worker = threading.Thread(target=b.run_once)
            worker.start()
            worker.join(30)
            b_done.set()
            return Response(status=204)
        return Response(status=204 if not b_done.is_set() else after)

    receiver.respond = respond
    return a, b_done


def test_a_relay_whose_lease_expired_does_not_deliver_rows_another_relay_delivered(
    store: Store,
    host: Any,
    receiver: Receiver,
    make_relay: Callable[..., Relay],
    submit: Callable[..., list[Record]],
    clock: Clock,
) -> None:
    _first, second = submit(2)
    a, b_done = lost_lease_scenario(receiver, make_relay, clock, after=204)

    a.run_once()

    assert b_done.is_set()
    assert {d.state for d in rows(store)} == {outbox.DELIVERED}
    by_record = receiver.by_record()
    # the first row was in flight when its lease ran out: a second delivery of it is at-least-once
    # working as intended. But relay A started the second row's attempt after its lease on it had
    # ended and relay B had delivered it: that is a double delivery.
    assert len(by_record[second.id]) == 1, "delivered twice: relay A attempted a row it no longer held"
    assert len(delivered_entries(store, second.id)) == 1


def test_a_relay_whose_lease_expired_does_not_undo_another_relays_delivery(
    store: Store,
    host: Any,
    receiver: Receiver,
    make_relay: Callable[..., Relay],
    submit: Callable[..., list[Record]],
    clock: Clock,
) -> None:
    _first, second = submit(2)
    a, b_done = lost_lease_scenario(receiver, make_relay, clock, after=503)

    a.run_once()

    assert b_done.is_set()
    state = {d.record_id: d.state for d in rows(store)}
    assert state[second.id] == outbox.DELIVERED, (
        "relay B delivered it; relay A's late failure (after its lease ended) put it back in the queue"
    )


# ------------------------------------------------------------------------ several relays, PostgreSQL


def test_concurrent_relays_deliver_each_row_once_on_postgresql(
    store: Store, host: Any, receiver: Receiver, make_relay: Callable[..., Relay], submit: Callable[..., list[Record]]
) -> None:
    postgresql_only(store)
    records = submit(60)

    def respond(received: Received) -> Response:
        time.sleep(0.005)
        return Response(status=204)

    receiver.respond = respond
    relays = [make_relay(f"relay-{n}", real_now) for n in range(4)]
    start = threading.Barrier(len(relays))
    claimed: dict[str, int] = {}

    def work(relay: Relay) -> None:
        start.wait()
        total = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = relay.run_once(limit=5)
            total += done
            if not done and outbox.counts(store).get(outbox.PENDING, 0) == 0:
                break
        claimed[relay.owner] = total

    threads = [threading.Thread(target=work, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    counts = receiver.by_webhook_id()
    assert len(counts) == len(records), "every row delivered"
    assert {webhook_id: n for webhook_id, n in counts.items() if n > 1} == {}, "no row delivered twice"
    assert sum(claimed.values()) == len(records), claimed
    assert sum(1 for n in claimed.values() if n) > 1, f"the relays did not share the work: {claimed}"
    assert outbox.counts(store) == {outbox.DELIVERED: len(records)}
    assert len(delivered_entries(store)) == len(records)
    result = store.verify()
    assert result.intact, result.problem


def test_two_worker_processes_deliver_each_row_once_on_postgresql(
    store: Store,
    host: Any,
    receiver: Receiver,
    submit: Callable[..., list[Record]],
    processes: Callable[..., subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    postgresql_only(store)
    records = submit(30)

    def respond(received: Received) -> Response:
        time.sleep(0.02)
        return Response(status=204)

    receiver.respond = respond
    database = database_arg(store)
    workers = [
        processes([str(SCRIPT), "--database", database, "worker", "--interval", "0.1"], tmp_path / f"worker{n}.log")
        for n in range(2)
    ]
    wait_for(
        all_delivered(store, len(records)),
        60,
        "two workers to deliver everything",
        *(tmp_path / f"worker{n}.log" for n in range(2)),
    )
    time.sleep(0.5)  # a double delivery would show up now
    assert [stop(worker) for worker in workers] == [0, 0]

    counts = receiver.by_webhook_id()
    assert sorted(counts) == sorted(d.webhook_id for d in rows(store))
    assert set(counts.values()) == {1}, "no row delivered twice"
    assert len(delivered_entries(store)) == len(records)
    for received in receiver.received[:3]:
        verify(host.webhook_secret, received, at=real_now())


def test_skip_locked_a_relay_passes_over_rows_another_holds(
    store: Store, host: Any, relay: Relay, submit: Callable[..., list[Record]], clock: Clock
) -> None:
    """While another relay's claim transaction has rows locked, a claim neither waits for them nor
    takes them: it takes the others at once."""
    postgresql_only(store)
    submit(4)
    ids = [d.id for d in rows(store)]
    other = create_engine(store.engine.url)
    try:
        with other.connect() as connection, connection.begin():
            connection.execute(select(outbox_table.c.id).where(outbox_table.c.id.in_(ids[:2])).with_for_update()).all()
            result: list[list[outbox.Delivery]] = []
            claimer = threading.Thread(target=lambda: result.append(outbox.claim(store, owner="b", now=clock())))
            claimer.start()
            claimer.join(10)
            assert not claimer.is_alive(), "the claim waited for the locked rows (no SKIP LOCKED)"
            assert sorted(d.id for d in result[0]) == ids[2:]
            connection.execute(text("SELECT 1"))
        assert sorted(d.id for d in outbox.claim(store, owner="c", now=clock())) == ids[:2]
    finally:
        other.dispose()


# ---------------------------------------------------------------------------------- SQLite: one relay


def test_one_worker_delivers_everything(
    store: Store,
    host: Any,
    receiver: Receiver,
    submit: Callable[..., list[Record]],
    processes: Callable[..., subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    records = submit(20)
    worker = processes([str(SCRIPT), "--database", database_arg(store), "worker", "--once"], tmp_path / "once.log")
    assert worker.wait(60) == 0, (tmp_path / "once.log").read_text()
    assert "attempted 20 deliveries" in (tmp_path / "once.log").read_text()

    counts = receiver.by_webhook_id()
    assert len(counts) == len(records) and set(counts.values()) == {1}
    assert sorted(receiver.by_record()) == sorted(r.id for r in records)
    assert outbox.counts(store) == {outbox.DELIVERED: len(records)}
    for received in receiver.received:
        verify(host.webhook_secret, received, at=real_now())
