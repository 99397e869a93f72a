"""Writers to a SQLite file queue on a lock file beside it (``WriterLock``): a writer in another process
waits its turn and is woken when the lock is free, instead of SQLite's sleeping busy wait."""

from __future__ import annotations

import errno
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from sharewise.core.store import Store, writer_lock
from sharewise.core.store.migrate import upgrade
from sharewise.core.store.writer_lock import SUFFIX, WriterLock

HOLD_SECONDS = 0.8


def hold_in_another_process(database: Path) -> subprocess.Popen[str]:
    """A process that takes the writer lock of ``database``, says so, and keeps it for ``HOLD_SECONDS``."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from sharewise.core.store.writer_lock import WriterLock
        with WriterLock(Path({str(database)!r})).held():
            print("held", flush=True)
            time.sleep({HOLD_SECONDS})
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_writer_waits_for_a_writer_in_another_process_and_then_writes(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    store = Store(f"sqlite:///{database}")
    upgrade(store.engine)
    try:
        holder = hold_in_another_process(database)
        started = time.monotonic()
        with store.writing() as connection:
            waited = time.monotonic() - started
            connection.exec_driver_sql("CREATE TABLE written_after_the_wait (x INTEGER)")
        assert holder.wait(timeout=10) == 0
        assert waited >= HOLD_SECONDS * 0.7, f"the write went ahead after {waited:.2f} s while the other process held the lock"
        assert (tmp_path / f"shared.db{SUFFIX}").exists()
        with store.reading() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM written_after_the_wait").scalar() == 0
    finally:
        store.close()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    lock = WriterLock(tmp_path / "turns.db")
    inside: list[int] = []
    overlaps: list[int] = []

    def writer(index: int) -> None:
        with lock.held():
            if inside:
                overlaps.append(index)
            inside.append(index)
            time.sleep(0.01)
            inside.remove(index)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert overlaps == []


def test_without_a_lock_file_writes_still_work(tmp_path: Path) -> None:
    """A lock file that cannot be opened (here: a folder in its place) leaves ordering to SQLite's own locks."""
    (tmp_path / f"plain.db{SUFFIX}").mkdir()

    assert_writes_work(tmp_path / "plain.db")


def test_a_file_system_that_refuses_flock_leaves_ordering_to_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some network file systems answer ``flock`` with ENOLCK: writes go ahead under SQLite's own locks."""

    def refused(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(writer_lock.fcntl, "flock", refused)

    assert_writes_work(tmp_path / "nfs.db")


def assert_writes_work(database: Path) -> None:
    """A write transaction on ``database`` commits, and a read sees what it wrote."""
    store = Store(f"sqlite:///{database}")
    upgrade(store.engine)
    try:
        with store.writing() as connection:
            connection.exec_driver_sql("CREATE TABLE written (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO written VALUES (1)")
        with store.reading() as connection:
            assert connection.exec_driver_sql("SELECT x FROM written").scalars().all() == [1]
    finally:
        store.close()


def test_the_thread_holding_the_lock_may_take_it_again_and_it_is_freed_when_the_outer_hold_ends(tmp_path: Path) -> None:
    database = tmp_path / "again.db"
    lock, elsewhere = WriterLock(database), WriterLock(database)  # elsewhere: its own open lock file, as in another process
    other_wrote = threading.Event()

    def other_writer() -> None:
        with elsewhere.held():
            other_wrote.set()

    with lock.held():
        with lock.held():  # would wait for itself forever if the lock could not be taken again
            pass
        other = threading.Thread(target=other_writer)
        other.start()
        assert not other_wrote.wait(0.3), "the lock was freed when the inner hold ended, not the outer one"
    assert other_wrote.wait(10), "the other writer went ahead once the outer hold ended"
    other.join(timeout=10)


def test_writing_inside_the_stores_turn_does_not_wait_again(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'turn.db'}")
    upgrade(store.engine)
    try:
        with store.writer_turn():
            for table in ("first_write", "second_write"):
                with store.writing() as connection:
                    connection.exec_driver_sql(f"CREATE TABLE {table} (x INTEGER)")
        with store.reading() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM second_write").scalar() == 0
    finally:
        store.close()
