"""Helpers for the reliability tests: the bridge under gunicorn as a real process group that can be
SIGKILLed and restarted on the same port, practitioners' systems submitting over real HTTP (each
submission retried with its Idempotency-Key until acknowledged), and the ``sharewise`` command line
in a subprocess. (Importable from the tests: conftest.py puts this directory on ``sys.path``.)
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cli_runs import SCRIPT, Result, run_script
from delivery_helpers import CORE, free_port

SECRET_KEY = "reliability-" + "k" * 40
#: What a client treats as "not done, try again with the same key": the bridge is down or restarting
#: (no connection, a connection cut mid-request) or says so (503, the one shape's "try again shortly").
RETRYABLE = frozenset({502, 503, 504})


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clean_environment(**extra: str) -> dict[str, str]:
    """This environment without any SHAREWISE_* setting (the test database variables stay), plus ``extra``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("SHAREWISE_") or k.startswith("SHAREWISE_TEST_")}
    return {**kept, **extra}


def cli(database_url: str, *args: str) -> Result:
    """Run the installed ``sharewise --database URL ARGS`` in a subprocess."""
    cleared = [k for k in os.environ if k.startswith("SHAREWISE_") and not k.startswith("SHAREWISE_TEST_")]
    return run_script("--database", database_url, *args, cleared=cleared)


def wait_for(condition: Callable[[], bool], seconds: float, what: str, *logs: Path) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds`` naming ``what`` (and showing the logs)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            shown = "".join(f"\n--- {log.name}:\n{tail(log)}" for log in logs)
            raise AssertionError(f"timed out after {seconds} s waiting for {what}{shown}")
        time.sleep(0.05)


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def port_is_free(port: int) -> bool:
    """Whether a server could bind the port now (nothing holds it: a killed server's workers are gone)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _gunicorn_control_socket(directory: Path) -> list[str]:
    """gunicorn 24+ opens a control socket in ~/.gunicorn by default: one per server here, in its own directory."""
    from gunicorn import config

    names = {setting.name for setting in config.KNOWN_SETTINGS}
    return ["--control-socket", str(directory / "gunicorn.ctl")] if "control_socket" in names else []


class BridgeProcess:
    """``gunicorn 'sharewise.adapters.bridge:create_app()'`` as in production (configured by SHAREWISE_*
    variables), in a process group of its own so that SIGKILL takes the master and every worker at once,
    as when a machine or container dies."""

    def __init__(
        self, database_url: str, directory: Path, *, workers: int = 1, threads: int = 4, env: Mapping[str, str] | None = None
    ) -> None:
        self.database_url = database_url
        self.env = dict(env or {})
        self.directory = directory
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.directory / f"gunicorn-{self.starts}.log"

    def start(self, ready_within: float = 60) -> None:
        assert self.process is None, "already running"
        wait_for(lambda: port_is_free(self.port), 15, f"port {self.port} to be released")
        self.starts += 1
        env = clean_environment(
            SHAREWISE_DATABASE_URL=self.database_url,
            SHAREWISE_SECRET_KEY=SECRET_KEY,
            SHAREWISE_ENV="production",
            SHAREWISE_RATE_LIMIT_PER_MINUTE="100000",
            **self.env,
        )
        command = [
            sys.executable, "-m", "gunicorn",
            "-w", str(self.workers), "-k", "gthread", "--threads", str(self.threads),
            "-b", f"127.0.0.1:{self.port}",
            *_gunicorn_control_socket(self.directory),
            "sharewise.adapters.bridge:create_app()",
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.directory, start_new_session=True
            )
        wait_for(self._ready, ready_within, f"gunicorn to serve on {self.url}", self.log)

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{tail(self.log)}")
        try:
            return httpx.get(f"{self.url}/livez", timeout=1, trust_env=False).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL the whole process group: no worker finishes its request, nothing is flushed or closed."""
        assert self.process is not None, "not running"
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        """Stop it if it is running (killed: at the end of a test nothing is left to check in it)."""
        if self.process is not None:
            self.kill()

    def logs(self) -> str:
        return "".join(
            f"\n--- gunicorn start {n}:\n{tail(self.directory / f'gunicorn-{n}.log')}" for n in range(1, self.starts + 1)
        )


class WorkerProcess:
    """A ``sharewise worker`` delivery relay process."""

    def __init__(self, database_url: str, log: Path, *, interval: float = 0.1) -> None:
        self.log = log
        command = [str(SCRIPT), "--database", database_url, "worker", "--interval", str(interval)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=clean_environment())

    def stop(self) -> int:
        """SIGTERM (a clean stop after the current delivery); the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


@dataclass(frozen=True)
class Ack:
    """A submission the bridge acknowledged: 201, or 200 for a retry whose first attempt had been stored."""

    key: str
    record_id: str
    status: int
    attempts: int


def submission(answers: Mapping[str, Any], case_ref: str) -> dict[str, Any]:
    return {"form_id": CORE, "answers": dict(answers), "context": {"case_ref": case_ref}}


@dataclass
class Submitters:
    """Client threads, each submitting decisions one after another with a fresh Idempotency-Key, every
    one retried with the same key and body until the bridge acknowledges it (whatever happens to the
    bridge meanwhile: it is restarted on the same port); they stop, each after finishing its current
    decision, when ``stop()`` is called."""

    url: str
    api_key: str
    answers: Mapping[str, Any]
    prefix: str
    threads: int = 4
    give_up_after: float = 60.0
    retryable: frozenset[int] = RETRYABLE
    acks: list[Ack] = field(default_factory=list)
    seen: collections.Counter[str] = field(default_factory=collections.Counter)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, args=(n,), name=f"submitter-{n}") for n in range(self.threads)]

    def start(self) -> Submitters:
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> list[Ack]:
        """Stop after the decisions in hand are acknowledged; every acknowledgement (check ``problems`` too)."""
        self._stop.set()
        for worker in self._workers:
            worker.join(self.give_up_after + 15)
        if any(w.is_alive() for w in self._workers):
            self.problems.append("a submitter did not finish")
        return list(self.acks)

    def retries(self) -> int:
        """Attempts that were not acknowledged (refused connections, cut connections, 5xx)."""
        with self._lock:
            return sum(n for outcome, n in self.seen.items() if outcome not in ("200", "201"))

    def acknowledged(self) -> int:
        with self._lock:
            return len(self.acks)

    def wait_for_more(self, n: int, seconds: float, *logs: Path) -> None:
        """Wait until ``n`` more decisions are acknowledged (or a submitter has given up)."""
        target = self.acknowledged() + n
        wait_for(lambda: self.acknowledged() >= target or bool(self.problems), seconds, f"{n} more acknowledgements", *logs)

    def _run(self, thread: int) -> None:
        with httpx.Client(trust_env=False, timeout=10) as client:
            n = 0
            while not self._stop.is_set() and not self.problems:
                n += 1
                key = f"{self.prefix}-{thread}-{n}"
                try:
                    ack = self._until_acknowledged(client, key, submission(self.answers, key))
                except AssertionError as exc:
                    with self._lock:
                        self.problems.append(str(exc))
                    return
                with self._lock:
                    self.acks.append(ack)

    def _until_acknowledged(self, client: httpx.Client, key: str, body: dict[str, Any]) -> Ack:
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": key}
        deadline = time.monotonic() + self.give_up_after
        attempts = 0
        while True:
            attempts += 1
            try:
                response = client.post(f"{self.url}/api/v1/records", json=body, headers=headers)
            except httpx.TransportError as exc:
                outcome = type(exc).__name__
            else:
                outcome = str(response.status_code)
                if response.status_code in (200, 201):
                    self._count(outcome)
                    replayed = response.headers.get("Idempotent-Replayed") == "true"
                    assert replayed == (response.status_code == 200), f"{key}: {response.status_code}, replayed={replayed}"
                    return Ack(key, response.json()["id"], response.status_code, attempts)
                if response.status_code not in self.retryable:
                    self._count(outcome)
                    raise AssertionError(f"{key}: unexpected {response.status_code}: {response.text[:300]}")
            self._count(outcome)
            if time.monotonic() > deadline:
                raise AssertionError(f"{key}: not acknowledged within {self.give_up_after} s ({attempts} attempts)")
            time.sleep(0.05)

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.seen[outcome] += 1
