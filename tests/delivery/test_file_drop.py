"""File drop (issue 6, item 5): a host with a drop directory gets ``<record id>.<ext>`` written
atomically — never a partial file, nothing temporary left behind — and a directory that is missing
or cannot be written is retried until it can take the file.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from delivery_helpers import HOST, Clock, Receiver, deliver_until_settled, delivered_entries, rows
from lxml import etree

from sharewise.adapters.delivery.relay import Relay
from sharewise.adapters.exports.formats import FormLookup, render
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.core import outbox
from sharewise.core.engine import Engine
from sharewise.core.record import Record
from sharewise.core.store.store import Store

EXTENSIONS = {"json": ".json", "xml": ".xml", "fhir-json": ".fhir.json", "fhir-xml": ".fhir.xml"}


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """The host's drop directory (the SQLite test database lives in tmp_path too)."""
    directory = tmp_path / "inbox"
    directory.mkdir()
    return directory


def files(directory: Path) -> list[str]:
    """Every entry in the directory, hidden ones included."""
    return sorted(entry.name for entry in directory.iterdir())


def test_the_record_is_dropped_as_its_json(
    store: Store, add_host: Callable[..., Any], relay: Relay, submit: Callable[..., list[Record]], tmp_path: Path, clock: Clock
) -> None:
    drop = tmp_path / "inbox"
    drop.mkdir()
    add_host(drop_dir=str(drop))
    (record,) = submit()

    assert relay.run_once() == 1

    assert files(drop) == [f"{record.id}.json"], "the record's file and nothing else (no *.partial left behind)"
    assert json.loads((drop / f"{record.id}.json").read_bytes()) == record_to_json(store.get(record.id))
    (row,) = rows(store)
    assert (row.target, row.state, row.attempts, row.delivered_at) == ("drop", outbox.DELIVERED, 1, clock())
    (entry,) = delivered_entries(store, record.id)
    assert entry.detail["target"] == "drop" and entry.detail["host"] == HOST
    assert store.verify().intact


@pytest.mark.parametrize("format_name", ["xml", "fhir-json", "fhir-xml"])
def test_the_hosts_chosen_format_and_extension(
    format_name: str,
    store: Store,
    engine: Engine,
    add_host: Callable[..., Any],
    relay: Relay,
    submit: Callable[..., list[Record]],
    inbox: Path,
) -> None:
    add_host(drop_dir=str(inbox), webhook_format=format_name)
    (record,) = submit()

    relay.run_once()

    name = f"{record.id}{EXTENSIONS[format_name]}"
    assert files(inbox) == [name]
    written = (inbox / name).read_bytes()
    expected = render(store.get(record.id), format_name, FormLookup(engine))
    if format_name == "fhir-json":
        assert json.loads(written) == json.loads(expected)
    else:
        assert etree.tostring(etree.fromstring(written), method="c14n") == etree.tostring(
            etree.fromstring(expected), method="c14n"
        )
    assert rows(store)[0].state == outbox.DELIVERED


def test_the_drop_is_atomic(
    store: Store,
    add_host: Callable[..., Any],
    relay: Relay,
    submit: Callable[..., list[Record]],
    inbox: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file is written under a temporary name in the same directory, flushed, then renamed over
    its final name: a host reading the directory sees the whole file or none of it."""
    add_host(drop_dir=str(inbox))
    records = submit(8)
    renames: list[tuple[Path, Path, bytes, bool]] = []
    real_replace = os.replace

    def spy(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
        source, target = Path(source), Path(target)
        renames.append((source, target, source.read_bytes(), target.exists()))
        real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    torn: list[str] = []
    stop = threading.Event()

    def host_reading_the_directory() -> None:
        while not stop.is_set():
            for entry in inbox.glob("*.json"):
                try:
                    json.loads(entry.read_bytes())
                except ValueError:
                    torn.append(entry.name)
                except FileNotFoundError:
                    pass

    reader = threading.Thread(target=host_reading_the_directory)
    reader.start()
    try:
        relay.run_once()
    finally:
        stop.set()
        reader.join(10)

    assert torn == [], "a host saw a partial file"
    assert len(renames) == len(records)
    for source, target, content, existed in renames:
        assert source.parent == target.parent == inbox, "renamed within the directory (atomic)"
        assert source.name.startswith(".") or source.name.endswith(".partial"), f"temporary name {source.name} looks final"
        assert not source.name.endswith(".json"), "a host globbing *.json would pick up the temporary file"
        assert not existed
        assert json.loads(content) == json.loads(target.read_bytes()), "complete before the rename"
    assert files(inbox) == sorted(f"{r.id}.json" for r in records)


def test_a_failed_write_leaves_nothing_behind_and_is_retried(
    store: Store,
    add_host: Callable[..., Any],
    relay: Relay,
    submit: Callable[..., list[Record]],
    inbox: Path,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_host(drop_dir=str(inbox))
    (record,) = submit()
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    relay.run_once()
    monkeypatch.setattr(os, "fsync", real_fsync)

    assert files(inbox) == [], "no partial or temporary file left behind"
    (row,) = rows(store)
    assert (row.state, row.attempts) == (outbox.PENDING, 1)
    assert "No space left on device" in (row.last_error or "")
    assert delivered_entries(store) == []

    deliver_until_settled(relay, clock, store)
    assert files(inbox) == [f"{record.id}.json"]
    assert rows(store)[0].state == outbox.DELIVERED


def test_a_missing_directory_is_retried_until_it_exists(
    store: Store, add_host: Callable[..., Any], relay: Relay, submit: Callable[..., list[Record]], tmp_path: Path, clock: Clock
) -> None:
    drop = tmp_path / "not-yet"
    add_host(drop_dir=str(drop))
    (record,) = submit()

    for _ in range(3):
        relay.run_once()
        clock.to(rows(store)[0].next_attempt_at)

    (row,) = rows(store)
    assert (row.state, row.attempts, row.last_status) == (outbox.PENDING, 3, None)
    assert "file drop failed" in (row.last_error or "")
    assert not drop.exists(), "the relay does not create the host's directory"

    drop.mkdir()
    deliver_until_settled(relay, clock, store)

    assert files(drop) == [f"{record.id}.json"]
    assert json.loads((drop / f"{record.id}.json").read_bytes()) == record_to_json(store.get(record.id))
    (row,) = rows(store)
    assert (row.state, row.attempts) == (outbox.DELIVERED, 4)


def test_an_unwritable_directory_is_retried_until_it_can_take_the_file(
    store: Store, add_host: Callable[..., Any], relay: Relay, submit: Callable[..., list[Record]], tmp_path: Path, clock: Clock
) -> None:
    drop = tmp_path / "inbox"
    drop.write_text("a file where the directory should be")  # unwritable even for root
    add_host(drop_dir=str(drop))
    (record,) = submit()

    relay.run_once()
    (row,) = rows(store)
    assert (row.state, row.attempts) == (outbox.PENDING, 1)
    assert "file drop failed" in (row.last_error or "")

    if os.geteuid() != 0:  # as an ordinary user a read-only directory is refused too
        drop.unlink()
        drop.mkdir(mode=0o500)
        clock.to(rows(store)[0].next_attempt_at)
        relay.run_once()
        assert rows(store)[0].state == outbox.PENDING
        assert files(drop) == []
        drop.chmod(0o700)
    else:
        drop.unlink()
        drop.mkdir()
    deliver_until_settled(relay, clock, store)
    assert files(drop) == [f"{record.id}.json"]
    assert rows(store)[0].state == outbox.DELIVERED


def test_a_redelivery_replaces_the_file_with_the_same_content(
    store: Store, add_host: Callable[..., Any], relay: Relay, submit: Callable[..., list[Record]], inbox: Path, clock: Clock
) -> None:
    add_host(drop_dir=str(inbox))
    (record,) = submit()
    relay.run_once()
    first = (inbox / f"{record.id}.json").read_bytes()
    (row,) = rows(store)
    with store.writing() as connection:
        outbox.dead_letter(connection, row, owner=None, status=None, error="operator marked it for redelivery")
    outbox.replay(store, ids=[row.id], now=clock())

    relay.run_once()

    assert files(inbox) == [f"{record.id}.json"]
    assert (inbox / f"{record.id}.json").read_bytes() == first


def test_webhook_and_drop_are_delivered_independently(
    store: Store,
    add_host: Callable[..., Any],
    receiver: Receiver,
    relay: Relay,
    submit: Callable[..., list[Record]],
    tmp_path: Path,
    clock: Clock,
) -> None:
    """The host's webhook failing does not hold up its file drop, and the reverse."""
    add_host(webhook=receiver.url, drop_dir=str(tmp_path / "missing"))
    receiver.answer(503)
    (record,) = submit()

    relay.run_once()
    assert {d.target: d.state for d in rows(store)} == {"webhook": outbox.PENDING, "drop": outbox.PENDING}

    receiver.answer(204)
    clock.to(max(d.next_attempt_at for d in rows(store)))
    relay.run_once()
    assert {d.target: d.state for d in rows(store)} == {"webhook": outbox.DELIVERED, "drop": outbox.PENDING}

    (tmp_path / "missing").mkdir()
    deliver_until_settled(relay, clock, store)
    assert {d.target: d.state for d in rows(store)} == {"webhook": outbox.DELIVERED, "drop": outbox.DELIVERED}
    assert files(tmp_path / "missing") == [f"{record.id}.json"]
    assert len(delivered_entries(store, record.id)) == 2
