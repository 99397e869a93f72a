"""Benchmark: storing records, and verifying the audit log.

Run: ``python bench/store.py [--database URL] [--records N] [--entries 100000,1000000]``.

1. Records per second through the engine and the store (``Recorder.submit``: check, hash,
   audit entry, insert, commit) against the baseline measured in the same run — a bare
   SQLAlchemy insert of the same answers as JSON, one row per transaction, into a table of the
   same database.
2. ``audit verify`` time for logs of 100k and 1M entries (built directly, chained correctly),
   reported with the rate in entries per second.
Default database: a temporary SQLite file. Figures are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import JSON, Column, MetaData, String, Table, insert, select

from sharewise.core import Engine
from sharewise.core.store import Store
from sharewise.core.store.audit import entry_body, link
from sharewise.core.store.migrate import upgrade
from sharewise.core.store.schema import audit_head, audit_log
from sharewise.core.submission import Recorder
from sharewise.forms import example_answers

FORM = "information-sharing-decision"
BATCH = 50_000


def bench_records(url: str, count: int) -> None:
    """Records/s through engine + store, against a bare insert of the same JSON."""
    store = Store(url)
    upgrade(store.engine)
    answers = example_answers(FORM, "gp-shares-child-at-risk")
    recorder = Recorder(Engine(), store)
    recorder.submit(FORM, answers)
    start = time.perf_counter()
    for _ in range(count):
        recorder.submit(FORM, answers)
    ours = count / (time.perf_counter() - start)
    bare_table = Table("bench_bare", MetaData(), Column("id", String(36), primary_key=True), Column("answers", JSON))
    bare_table.create(store.engine, checkfirst=True)
    start = time.perf_counter()
    for _ in range(count):
        with store.engine.connect().execution_options(sharewise_write=True) as connection, connection.begin():
            connection.execute(insert(bare_table).values(id=str(uuid.uuid4()), answers=answers))
    bare = count / (time.perf_counter() - start)
    print(f"records: {ours:,.0f}/s through engine + store; bare insert {bare:,.0f}/s; ratio {bare / ours:.2f}x slower")
    store.close()


def build_log(store: Store, entries: int) -> None:
    """Append ``entries`` correctly chained "viewed" entries in large batches."""
    with store.writing() as connection:
        head = connection.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    seq, prev = head.seq, head.hash
    at = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    while entries > 0:
        rows = []
        for _ in range(min(BATCH, entries)):
            seq += 1
            body = entry_body(seq, at, "viewed", None, "bench", {"via": "bench"})
            entry_hash = link(prev, body)
            rows.append(
                {
                    "seq": seq,
                    "at": at,
                    "action": "viewed",
                    "record_id": None,
                    "actor": "bench",
                    "body": body,
                    "prev_hash": prev,
                    "hash": entry_hash,
                }
            )
            prev = entry_hash
        with store.writing() as connection:
            connection.execute(insert(audit_log), rows)
            connection.execute(audit_head.update().values(seq=seq, hash=prev))
        entries -= len(rows)


def bench_verify(url: str, sizes: list[int]) -> None:
    """Time ``Store.verify`` over logs of each size."""
    store = Store(url)
    upgrade(store.engine)
    built = 0
    for size in sizes:
        build_log(store, size - built)
        built = size
        start = time.perf_counter()
        result = store.verify()
        seconds = time.perf_counter() - start
        assert result.intact and result.entries >= size, result
        print(f"audit verify: {result.entries:,} entries in {seconds:.1f} s ({result.entries / seconds:,.0f} entries/s)")
    store.close()


def main() -> None:
    """Parse options, run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--entries", default="100000,1000000")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = options.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        bench_records(base, options.records)
        verify_url = options.database or f"sqlite:///{Path(folder) / 'verify.db'}"
        bench_verify(verify_url, [int(n) for n in options.entries.split(",")])


if __name__ == "__main__":
    main()
