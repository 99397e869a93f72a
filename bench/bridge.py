"""Benchmark: submissions through the HTTP API under gunicorn, against a trivial endpoint on the same
server in the same run.

Run: ``python bench/bridge.py [--clients 16] [--seconds 5] [--rounds 3] [--workers 2] [--threads 8]
[--reconnect-every 50] [--database URL]``.

Starts gunicorn as in production (``gunicorn_conf``: JSON logs, here to a file) serving
``create_app()`` on a fresh database (default: a temporary SQLite file), registers a host, warms up,
then for a fixed time N concurrent clients (keep-alive connections driven by ``http_load``, a lean
client, so that the client is not the ceiling) ``POST /api/v1/records``, each with its own
Idempotency-Key; then the same clients call ``GET /livez``, a trivial endpoint on the same server,
as the baseline. The two take turns for several rounds, so that a change in the machine's speed
during the run (a shared machine's neighbours) weighs on both alike. Prints each round's rates and
ratio, then over all rounds: requests/s, p50 and p99 latency, failures, and the ratio.
Goal (issue 6): at least 0.25x the trivial endpoint; p99 <= 50 ms at 16 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from sharewise.forms import example_answers

sys.path.insert(0, str(Path(__file__).parent))
import http_load

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


def drive(port: int, options: argparse.Namespace, seconds: float, request: str, key: str) -> http_load.LoadResult:
    """Run ``options.clients`` keep-alive connections for ``seconds`` against one endpoint."""
    clients, again = options.clients, options.reconnect_every
    if request == "trivial":
        trivial = http_load.request_bytes("GET", "/livez", {})
        return http_load.run(port, clients, seconds, lambda _n: trivial, ok_status=200, reconnect_every=again)
    body = {"form_id": FORM, "answers": example_answers(FORM, "gp-shares-child-at-risk"), "context": {"case_ref": "BENCH"}}
    encoded = json.dumps(body).encode("utf-8")
    run_id = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def submission(n: int) -> bytes:
        return http_load.request_bytes("POST", "/api/v1/records", {**headers, "Idempotency-Key": f"{run_id}-{n}"}, encoded)

    return http_load.run(port, clients, seconds, submission, ok_status=201, reconnect_every=again)


def main() -> None:
    """Start gunicorn, drive it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5, help="length of each phase of each round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of submissions then the trivial endpoint")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--reconnect-every", type=int, default=50, help="requests per connection before it is reopened (0: never)"
    )
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
            sys.executable, "-m", "gunicorn", "-c", "python:sharewise.adapters.bridge.gunicorn_conf",
            "-w", str(options.workers), "-k", "gthread", "--threads", str(options.threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning",
        ]  # fmt: skip
        log_path = Path(folder) / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(command, env=env, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{url}/livez").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                sys.exit(f"the server did not start:\n{log_path.read_text()[-2000:]}")
            drive(port, options, 1, "submit", key)  # warm-up: connections, compiled statements
            rounds = []
            for number in range(1, options.rounds + 1):
                submit = drive(port, options, options.seconds, "submit", key)
                trivial = drive(port, options, options.seconds, "trivial", key)
                rounds.append((submit, trivial))
                print(
                    f"round {number}: submit {submit.rate:,.0f} req/s, trivial {trivial.rate:,.0f} req/s, "
                    f"ratio {submit.rate / trivial.rate:.2f}x",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    submit = http_load.LoadResult.pooled([submit for submit, _ in rounds])
    trivial = http_load.LoadResult.pooled([trivial for _, trivial in rounds])
    print(
        f"gunicorn {options.workers} workers x {options.threads} threads, {options.clients} clients, "
        f"{options.rounds} rounds of {options.seconds:g} s each, "
        f"connections reopened every {options.reconnect_every or 'never'} requests"
    )
    for name, result in (("submit", submit), ("trivial", trivial)):
        print(
            f"{name:>8}: {result.rate:>7,.0f} req/s  p50 {result.percentile(0.5):6.1f} ms  "
            f"p99 {result.percentile(0.99):6.1f} ms  "
            f"failures {sum(result.failures.values())} of {len(result.latencies):,} {result.failures or ''}"
        )
    print(f"ratio: submissions at {submit.rate / trivial.rate:.2f}x the trivial endpoint's rate")


if __name__ == "__main__":
    main()
