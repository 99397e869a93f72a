"""Group commit: concurrent callers in one process share one database transaction.

A caller hands its item to a ``GroupCommit``. If no batch is being written, the caller leads: it waits
for its ``turn`` to write (say, a lock shared with other processes), then takes every item waiting
(up to ``max_batch``) — those that came while it waited too — writes them with ``write_batch`` in one
transaction, gives each caller its own outcome, and passes the lead to the first caller still
waiting. Otherwise it waits for its outcome, or for the lead. Under load one transaction — one lock
taken, one durable commit — serves many callers; a caller on its own writes at once, with no added
wait.

``write_batch`` returns one outcome per item, in order: a result, or the exception that item alone
raised (a refusal). If it raises instead, the transaction wrote nothing, and each item of the batch
is written again on its own, so an item that breaks a transaction cannot fail the others.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
INTERRUPTED = "writing was interrupted: it may or may not have been stored; retry with the same idempotency key"
#: Writes items in one transaction; returns each item's result, or the exception refusing that item.
BatchWriter = Callable[[Sequence[Item]], Sequence[Result | Exception]]
#: What a leader holds while it takes and writes a batch (``write_batch`` may take it again in the same thread).
Turn = Callable[[], contextlib.AbstractContextManager[object]]


@dataclass(eq=False)
class _Ticket(Generic[Item, Result]):
    """One caller's place in the queue: woken when its outcome is in, or when it is to lead."""

    item: Item
    woken: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    outcome: Result | BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """Writes items handed in by concurrent threads in shared batches (see the module's docstring)."""

    def __init__(
        self, write_batch: BatchWriter[Item, Result], *, max_batch: int = 64, turn: Turn = contextlib.nullcontext
    ) -> None:
        self._write_batch = write_batch
        self.max_batch = max_batch
        self._turn = turn
        self._lock = threading.Lock()
        self._waiting: list[_Ticket[Item, Result]] = []
        self._writing = False

    def write(self, item: Item) -> Result:
        """Write ``item`` (in a batch with whatever else is waiting); return its result or raise its refusal."""
        ticket: _Ticket[Item, Result] = _Ticket(item)
        with self._lock:
            self._waiting.append(ticket)
            leading = not self._writing
            self._writing = True
        if not leading:
            ticket.woken.wait()
        if not ticket.finished:  # leading from the start, or the lead was passed on: this ticket heads the queue
            self._lead(ticket)
        if isinstance(ticket.outcome, BaseException):
            raise ticket.outcome
        return ticket.outcome  # type: ignore[return-value]  # a finished ticket without an exception holds a result

    def _lead(self, own: _Ticket[Item, Result]) -> None:
        """Wait for the turn, write one batch from the head of the queue (``own`` heads it), then pass the
        lead on (or stop leading)."""
        batch: list[_Ticket[Item, Result]] = []
        try:
            with self._turn():
                with self._lock:
                    batch = self._waiting[: self.max_batch]
                    del self._waiting[: len(batch)]
                outcomes: Sequence[Result | BaseException] = [RuntimeError(INTERRUPTED) for _ in batch]
                try:
                    outcomes = self._outcomes([ticket.item for ticket in batch])
                finally:
                    for ticket, outcome in zip(batch, outcomes, strict=True):
                        ticket.outcome, ticket.finished = outcome, True
        finally:  # even when this thread is being stopped, or its turn never came, no caller is left waiting
            with self._lock:
                if not own.finished and own in self._waiting:  # stopped while waiting for the turn: leave the queue
                    self._waiting.remove(own)
                if self._waiting:
                    self._waiting[0].woken.set()
                else:
                    self._writing = False
            for ticket in batch:  # after the turn is given up: the next writer need not wait for these wake-ups
                ticket.woken.set()

    def _outcomes(self, items: list[Item]) -> Sequence[Result | Exception]:
        try:
            outcomes = self._write_batch(items)
        except Exception as failure:
            if len(items) == 1:
                return [failure]
            return [self._alone(item) for item in items]
        if len(outcomes) != len(items):
            raise RuntimeError(f"write_batch returned {len(outcomes)} outcomes for {len(items)} items")
        return outcomes

    def _alone(self, item: Item) -> Result | Exception:
        try:
            return self._write_batch([item])[0]
        except Exception as failure:
            return failure
