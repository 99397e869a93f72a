"""For ``bench/load.py``: the bridge it drives (gunicorn on a free port, with a registered host, and the
CPU its processes use) and the stored records and drafts it measures against, loaded in bulk."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from sharewise.core import Engine
from sharewise.core.store import Store
from sharewise.core.store.audit import entry_body, link
from sharewise.core.store.database import database_url
from sharewise.core.store.rows import record_values
from sharewise.core.store.schema import audit_head, audit_log, drafts, records
from sharewise.core.submission import Recorder
from sharewise.forms import example_answers

FORM = "information-sharing-decision"
EXAMPLE = "gp-shares-child-at-risk"
HOST = "load"
BATCH = 2_000
PRACTITIONER = {"id": "", "name": "Dr A Example", "role": "GP partner", "agency_type": "health_gp", "public_authority": True}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(env: dict[str, str], *args: str) -> str:
    """Run the sharewise command line; return its output."""
    command = [sys.executable, "-m", "sharewise.adapters.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def ticks(pid: int) -> int:
    """CPU time used by process ``pid`` so far, in clock ticks (Linux ``/proc``; 0 elsewhere)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    return 0


TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_ticks() -> tuple[int, int]:
    """Clock ticks the whole machine has spent busy, and waiting on the disk (Linux ``/proc/stat``)."""
    with contextlib.suppress(OSError, ValueError):
        user, nice, system, _idle, iowait, irq, softirq, *_ = map(int, Path("/proc/stat").read_text().split()[1:9])
        return user + nice + system + irq + softirq, iowait
    return 0, 0


@dataclass
class Server:
    """A running bridge: its URL, the registered host's key, gunicorn's process id and, for a
    PostgreSQL database on this machine, a way to find the database's server processes."""

    url: str
    key: str
    pid: int
    probe: Any = None

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn and its workers."""
        return sum(ticks(pid) for pid in [self.pid, *self.children()]) / TICKS_PER_SECOND

    def children(self) -> list[int]:
        """gunicorn's worker processes."""
        with contextlib.suppress(OSError):
            return [int(pid) for pid in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()]
        return []

    def database_ticks(self) -> dict[int, int]:
        """CPU ticks so far of each PostgreSQL server process connected to the database (empty unless
        PostgreSQL runs on this machine)."""
        if self.probe is None:
            return {}
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        with self.probe.connect() as connection:
            return {pid: ticks(pid) for pid in connection.execute(query).scalars()}


def local_postgresql(database: str) -> Any:
    """An engine for looking at PostgreSQL's own processes, when the database is on this machine."""
    url = make_url(database_url(database))
    if url.get_backend_name() != "postgresql" or url.host not in ("127.0.0.1", "localhost", "::1") or not Path("/proc").is_dir():
        return None
    return create_engine(url, poolclass=NullPool)


@contextlib.contextmanager
def bridge(database: str, workers: int, threads: int, log: Path) -> Iterator[Server]:
    """A gunicorn bridge on a free port, with a registered host; its output (a JSON line per request)
    goes to ``log``."""
    env = {
        **os.environ,
        "SHAREWISE_DATABASE_URL": database,
        "SHAREWISE_SECRET_KEY": secrets.token_urlsafe(40),
        "SHAREWISE_RATE_LIMIT_PER_MINUTE": "100000",
    }
    cli(env, "db", "upgrade")
    try:
        key = json.loads(cli(env, "hosts", "add", HOST, "--origin", "https://load.example", "--json"))["api_key"]
    except subprocess.CalledProcessError:  # a database kept from an earlier run
        key = json.loads(cli(env, "hosts", "rotate-key", HOST, "--json"))["api_key"]
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
        "-b", f"127.0.0.1:{port}", "--log-level", "warning", "sharewise.adapters.bridge:create_app()",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/livez").status_code == 200:
                    break
            if server.poll() is not None:
                sys.exit(f"the bridge did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Server(url, key, server.pid, local_postgresql(database))
    finally:
        server.terminate()
        server.wait(timeout=30)
        failures = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line or '"ERROR"' in line]
        print(f"server log: {len(failures)} errors or tracebacks", *failures[:3], sep="\n  ")


def populate(database: str, count: int) -> float:
    """Top the database up to ``count`` records of the load host, in bulk; return the seconds it took.

    One real submission is cloned (fresh id, idempotency key, hash and sequence), each clone with its
    "created" audit entry chained after the last, as ``Recorder.submit`` would write them.
    """
    started = time.perf_counter()
    store = Store(database)
    have = store.count()
    if have >= count:
        return 0.0
    template = Recorder(Engine(), store).submit(FORM, example_answers(FORM, EXAMPLE), host=HOST).record
    remaining = count - have - 1
    while remaining > 0:
        with store.writing() as connection:
            store.lock_for_append(connection)
            seq, prev = connection.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
            rows, entries = [], []
            at = dt.datetime.fromisoformat(template.created_at)
            for _ in range(min(BATCH, remaining)):
                seq += 1
                clone = replace(template, id=str(uuid.uuid4()), idempotency_key=f"ui-{uuid.uuid4()}", created_seq=seq)
                clone = replace(clone, content_hash=clone.compute_hash())
                detail = {"record_hash": clone.content_hash, "form_id": FORM, "form_version": clone.form_version}
                detail["supersedes"] = None
                body = entry_body(seq, at, "created", clone.id, HOST, detail)
                entry_hash = link(prev, body)
                entries.append(
                    {"seq": seq, "at": at, "action": "created", "record_id": clone.id, "actor": HOST}
                    | {"body": body, "prev_hash": prev, "hash": entry_hash}
                )
                rows.append(record_values(clone, None))
                prev = entry_hash
            connection.execute(insert(audit_log), entries)
            connection.execute(insert(records), rows)
            connection.execute(audit_head.update().values(seq=seq, hash=prev))
        remaining -= len(rows)
    settle(store)
    store.close()
    return time.perf_counter() - started


def settle(store: Store) -> None:
    """After a bulk load: table statistics as autovacuum would gather them in time, and everything
    written out to disk, so that the measurements after it do not wait on the bulk load's writes."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
            with contextlib.suppress(Exception):  # needs superuser or pg_checkpoint
                connection.execute(text("CHECKPOINT"))
    else:
        with store.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if hasattr(os, "sync"):
        os.sync()


def populate_drafts(database: str, count: int) -> None:
    """Add ``count`` unfinished drafts of the load host (other practitioners' forms, half answered)."""
    store = Store(database)
    answers = example_answers(FORM, EXAMPLE)
    half = dict(list(answers.items())[: len(answers) // 2])
    now = dt.datetime.now(dt.UTC)
    times = {"created_at": now, "updated_at": now, "expires_at": now + dt.timedelta(days=30)}
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(count, start + BATCH)):
            someone = {**PRACTITIONER, "id": f"other-{n}"}
            context = {"case_ref": f"OPEN-{n}", "practitioner": someone}
            rows.append({"id": str(uuid.uuid4()), "form_id": FORM, "form_version": 1, "answers": half, "host": HOST})
            rows[-1] |= {"author": someone, "context": context, **times}
        with store.writing() as connection:
            connection.execute(insert(drafts), rows)
    store.close()


def healthz(url: str, times: int = 10) -> float:
    """Median ``GET /healthz`` time in milliseconds (it counts the records)."""
    with httpx.Client(base_url=url, timeout=120) as http:
        spent = []
        for _ in range(times):
            start = time.perf_counter()
            http.get("/healthz").raise_for_status()
            spent.append(time.perf_counter() - start)
    return statistics.median(spent) * 1000
