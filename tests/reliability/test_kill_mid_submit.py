"""A process killed mid-submit leaves the whole record with its audit entry, or nothing
(issue 4, "Failure behaviour"): SIGKILL a submitting process at random moments, then check that
every acknowledged submission is stored once, with its "created" entry, and the chain is intact."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sharewise.core.store import Store
from sharewise.core.store.migrate import upgrade

KILLS = 3
SUBMITTER = """
import sys
from sharewise.core import Engine
from sharewise.core.store import Store
from sharewise.core.submission import Recorder
from sharewise.forms import example_answers

recorder = Recorder(Engine(), Store(sys.argv[1]))
answers = example_answers("information-sharing-decision", "gp-shares-child-at-risk")
print("ready", flush=True)
n = 0
while True:
    n += 1
    record = recorder.submit("information-sharing-decision", answers, idempotency_key=f"{sys.argv[2]}-{n}").record
    print("acknowledged", record.id, flush=True)
"""


def _run_and_kill(url: str, run: int, rng: random.Random, log: Path) -> list[str]:
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-c", SUBMITTER, url, f"run{run}"], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while "ready" not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.2, 1.5))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    lines = log.read_text().splitlines()
    assert "ready" in lines, f"the submitter did not start:\n{log.read_text()}"
    return [line.split()[1] for line in lines if line.startswith("acknowledged ") and len(line.split()) == 2]


def test_sigkill_mid_submit_leaves_whole_records_or_nothing(database_url: str, tmp_path: Path) -> None:
    store = Store(database_url)
    upgrade(store.engine)
    rng = random.Random(20261125)
    acknowledged: list[str] = []
    for run in range(KILLS):
        acknowledged += _run_and_kill(database_url, run, rng, tmp_path / f"run{run}.log")
    assert acknowledged, "no submission was acknowledged before the kills"
    result = store.verify()
    assert result.intact, result.problem
    assert result.records == store.count()
    for record_id in acknowledged:
        assert store.get(record_id).id == record_id
    created = [entry for entry in store.audit_entries() if entry.action == "created"]
    assert len(created) == store.count() == len({entry.record_id for entry in created})
    store.close()
