"""The queue for writers to a SQLite file.

SQLite lets one writer in at a time, and a writer that finds the file locked sleeps in growing steps
(up to 100 ms) before it tries again: under load the slowest writes become very slow. Writers here
queue instead — threads of one process on a ``threading.Lock``, processes (say, gunicorn workers) on
an exclusive ``flock`` of a file beside the database — and each is woken as soon as the writer before
it is done. SQLite's own locking still guards the file; this only orders who asks. A thread that holds
the lock may take it again (a group commit's leader holds it while it gathers its batch, then writes).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

SUFFIX = "-writer.lock"


class WriterLock:
    """Writers of one SQLite file, one at a time, across threads and processes."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + SUFFIX)
        self._threads = threading.RLock()
        self._depth = 0  # how many times the thread holding the lock has taken it
        self._fd: int | None = None
        self._pid = 0

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Wait for this process's turn, then for this file's turn; release both at the end (taken again
        by the thread holding it, it is released when the outermost hold ends)."""
        with self._threads:
            fd = self._file() if self._depth == 0 else None  # taken again: this thread has the file's turn already
            # without a lock file (a read-only folder, a file system without flock), SQLite's own locking and
            # busy wait still order the writers
            locked = fd is not None and _locked(fd)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if fd is not None and locked:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def _file(self) -> int | None:
        """The lock file, opened by this process (a forked child opens its own: a shared open file
        would share its lock too)."""
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                return None
            self._pid = os.getpid()
            weakref.finalize(self, _close, self._fd, self._pid)
        return self._fd


def _locked(fd: int) -> bool:
    """Take the exclusive lock on the open lock file (waiting for it); ``False`` if the file system refuses."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        return False
    return True


def _close(fd: int, pid: int) -> None:
    """Close the lock file when its ``WriterLock`` is gone (in the process that opened it)."""
    if os.getpid() == pid:
        with contextlib.suppress(OSError):
            os.close(fd)
