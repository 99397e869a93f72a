"""Benchmark: submissions through the HTTP API under gunicorn, against a trivial endpoint on the same
server in the same run.

Run: ``python bench/bridge.py [--clients 16] [--seconds 10] [--workers 2] [--threads 8] [--database URL]``.

Starts gunicorn serving ``create_app()`` on a fresh database (default: a temporary SQLite file),
registers a host, then for a fixed time N concurrent clients (threads, one HTTP connection each)
``POST /api/v1/records`` (each with its own Idempotency-Key); then the same clients call ``GET /livez``
(a trivial endpoint). Prints requests/s, p50 and p99 latency, errors, and the ratio.
Goal (issue 6): at least 0.25x the trivial endpoint; p99 <= 50 ms at 16 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from sharewise.forms import example_answers

FORM = "information-sharing-decision"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(env: dict[str, str], *args: str) -> str:
    """Run the sharewise command line; return its output."""
    return subprocess.run(
        [sys.executable, "-m", "sharewise.adapters.cli", *args], env=env, capture_output=True, text=True, check=True
    ).stdout


def drive(url: str, clients: int, seconds: float, request: str, key: str) -> dict[str, float]:
    """Run ``clients`` threads for ``seconds``; return throughput, latency percentiles and errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    body = {"form_id": FORM, "answers": example_answers(FORM, "gp-shares-child-at-risk"), "context": {"case_ref": "BENCH"}}

    def client() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            mine: list[float] = []
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                if request == "submit":
                    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
                    response = http.post("/api/v1/records", json=body, headers=headers)
                    ok = response.status_code == 201
                else:
                    ok = http.get("/livez").status_code == 200
                mine.append(time.perf_counter() - start)
                if not ok:
                    with lock:
                        errors[0] += 1
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rate": len(ordered) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "errors": errors[0],
        "count": len(ordered),
    }


def main() -> None:
    """Start gunicorn, drive it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "SHAREWISE_DATABASE_URL": options.database or f"sqlite:///{Path(folder) / 'bench.db'}",
            "SHAREWISE_SECRET_KEY": secrets.token_urlsafe(40),
            "SHAREWISE_RATE_LIMIT_PER_MINUTE": "100000",
        }
        cli(env, "db", "upgrade")
        key = json.loads(cli(env, "hosts", "add", "bench", "--origin", "https://bench.example", "--json"))["api_key"]
        port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "-w", str(options.workers), "-k", "gthread", "--threads", str(options.threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning", "sharewise.adapters.bridge:create_app()",
        ]  # fmt: skip
        server = subprocess.Popen(command, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{url}/livez").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            submit = drive(url, options.clients, options.seconds, "submit", key)
            trivial = drive(url, options.clients, options.seconds, "trivial", key)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"gunicorn {options.workers} workers x {options.threads} threads, {options.clients} clients, {options.seconds:.0f} s each"
    )
    for name, figures in (("submit", submit), ("trivial", trivial)):
        print(
            f"{name:>8}: {figures['rate']:>7,.0f} req/s  p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms  "
            f"errors {figures['errors']} of {figures['count']:,}"
        )
    print(f"ratio: submissions at {submit['rate'] / trivial['rate']:.2f}x the trivial endpoint's rate")


if __name__ == "__main__":
    main()
