"""A full run over real processes (issue 8 item 5): the bridge under gunicorn with two workers and the
shipped config (``-c python:sharewise.adapters.bridge.gunicorn_conf``), a ``sharewise worker`` relay,
prometheus_client's multiprocess mode shared by all three, hosts registered with ``sharewise hosts add``,
webhooks on pytest-httpserver. A host launches a form, the launch URL is opened, answers are checked,
decisions submitted (with a finding, replayed, refused), one delivered and one dead-lettered (410 Gone).

Then: every line either process wrote on stderr is a JSON object; the request lines carry the request
ids, host names, route templates and rule ids; the relay lines the record ids and the webhooks' host
names; and none of the personal data or secrets used appears anywhere. ``/metrics`` needs the token,
parses, is all ``sharewise_*``, and adds up what the three processes counted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cli_runs import SCRIPT, run_main
from delivery_helpers import Receiver, free_port
from observability_helpers import ANSWERS, CONTEXT, CORE, PERSONAL, TOKEN, json_lines, leaks, parse, rule_ids

from sharewise.core import outbox
from sharewise.core.store.store import Store

GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET_KEY = "observability-secret-key-" + "k" * 20


def wait_for(condition: Callable[[], bool], seconds: float, what: str, *logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            shown = "".join(f"\n--- {log.name}:\n{log.read_text()[-3000:]}" for log in logs if log.exists())
            raise AssertionError(f"timed out after {seconds} s waiting for {what}{shown}")
        time.sleep(0.05)


class Processes:
    """Processes started by a test, each with its stdout and stderr in files; stopped by a signal (SIGTERM
    unless told otherwise: gunicorn stops at once on SIGINT, where SIGTERM waits for its workers)."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.env = env
        self.started: list[tuple[subprocess.Popen[bytes], signal.Signals]] = []

    def start(self, name: str, args: list[str], stop: signal.Signals = signal.SIGTERM) -> tuple[Path, Path]:
        out, err = self.directory / f"{name}.out", self.directory / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            self.started.append((subprocess.Popen(args, stdout=stdout, stderr=stderr, env=self.env), stop))
        return out, err

    def stop(self) -> None:
        for process, stop in self.started:
            if process.poll() is None:
                process.send_signal(stop)
        for process, _ in self.started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture
def processes(tmp_path: Path, database_url: str) -> Iterator[Processes]:
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {k: v for k, v in os.environ.items() if not (k.startswith(("SHAREWISE_", "PROMETHEUS_")) and "_TEST_" not in k)}
    env.update(
        SHAREWISE_DATABASE_URL=database_url,
        SHAREWISE_SECRET_KEY=SECRET_KEY,
        SHAREWISE_METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
    )
    running = Processes(tmp_path, env)
    yield running
    running.stop()


def add_host(capsys: pytest.CaptureFixture[str], database_url: str, name: str, webhook: str) -> dict[str, str]:
    added = run_main(
        capsys,
        "--database",
        database_url,
        "hosts",
        "add",
        name,
        "--origin",
        "https://cases.example.org",
        "--webhook",
        webhook,
        "--json",
    )
    assert added.code == 0, added.err
    return added.json()


def test_a_full_run_logs_json_without_personal_data_and_counts_across_processes(
    store: Store,
    database_url: str,
    processes: Processes,
    receiver: Receiver,
    clock: Any,
    base_answers: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    hook_token = "hooktoken-NARWHAL-2231"
    hook_url = f"{receiver.url}?token={hook_token}"
    gone = Receiver(receiver.server, clock, path="/retired")
    gone.answer(410)
    case_system = add_host(capsys, database_url, "case-system", hook_url)
    retired = add_host(capsys, database_url, "retired-system", gone.url)
    secrets = [TOKEN, SECRET_KEY, hook_token, hook_url, gone.url]
    secrets += [case_system["api_key"], case_system["webhook_secret"], retired["api_key"], retired["webhook_secret"]]

    port = free_port()
    bridge_out, bridge_err = processes.start(
        "gunicorn",
        [str(GUNICORN), "-c", "python:sharewise.adapters.bridge.gunicorn_conf", "-w", "2", "-b", f"127.0.0.1:{port}"],
        stop=signal.SIGINT,
    )
    worker_out, worker_err = processes.start("worker", [str(SCRIPT), "worker", "--interval", "0.1"])
    base = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=base, trust_env=False, timeout=20)
    auth = {"Authorization": f"Bearer {case_system['api_key']}"}

    def answers_ok() -> bool:
        try:
            return http.get("/livez").status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answers_ok, 60, "gunicorn to answer", bridge_err)
    request_ids: dict[str, str] = {}

    def call(label: str, method: str, url: str, **options: Any) -> httpx.Response:
        response = http.request(method, url, **options)
        request_ids[label] = response.headers["X-Request-Id"]
        return response

    launched = call("launch", "POST", "/api/v1/launch", json={"form_id": CORE, "context": CONTEXT}, headers=auth)
    assert launched.status_code == 201, launched.text
    launch_path = urlsplit(launched.json()["url"]).path
    secrets.append(launch_path.rsplit("/", 1)[1])
    assert call("open", "GET", launch_path).status_code == 303
    answers = {**base_answers, **ANSWERS, "share_method": "letter"}  # ISD-19, a warning
    checked = call("check", "POST", f"/api/v1/forms/{CORE}/check", json={"answers": answers, "context": CONTEXT}, headers=auth)
    assert checked.status_code == 200
    body = {"form_id": CORE, "answers": answers, "context": CONTEXT, "acknowledged_warnings": ["ISD-19"]}
    created = call("submit", "POST", "/api/v1/records", json=body, headers={**auth, "Idempotency-Key": "decision-1"})
    assert created.status_code == 201, created.text
    replayed = call("replay", "POST", "/api/v1/records", json=body, headers={**auth, "Idempotency-Key": "decision-1"})
    assert replayed.status_code == 200
    refused_body = {**body, "answers": {k: v for k, v in answers.items() if k != "purpose"}}
    refused = call("refuse", "POST", "/api/v1/records", json=refused_body, headers={**auth, "Idempotency-Key": "decision-2"})
    assert refused.status_code == 422
    to_retired = call(
        "retired",
        "POST",
        "/api/v1/records",
        json={"form_id": CORE, "answers": base_answers},
        headers={
            "Authorization": f"Bearer {retired['api_key']}",
            "Idempotency-Key": "decision-3",
            "X-Request-Id": "caller-id-42",
        },
    )
    assert to_retired.status_code == 201
    assert to_retired.headers["X-Request-Id"] == "caller-id-42"

    settled = {outbox.DELIVERED: 1, outbox.DEAD: 1}
    wait_for(lambda: outbox.counts(store) == settled, 30, "one delivery and one dead letter", worker_err)
    assert len(receiver.received) == 1 and len(gone.received) == 1

    # /metrics: the token, then what all three processes counted
    assert http.get("/metrics").status_code == 401
    assert http.get("/metrics", headers={"Authorization": "Bearer not-the-metrics-token"}).status_code == 401
    assert http.get("/metrics", headers=auth).status_code == 401
    scraped = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    found = parse(scraped.text)
    assert [name for name in found.families if not name.startswith("sharewise_")] == []
    assert found.labelled("sharewise_submissions_total", "result", host="case-system") == {
        "created": 1,
        "replayed": 1,
        "refused": 1,
    }
    assert found.value("sharewise_submissions_total", host="retired-system", result="created") == 1
    assert found.value("sharewise_launches_total", host="case-system") == 1
    assert found.labelled("sharewise_findings_total", "source", rule="ISD-19", severity="warning") == {
        "check": 1,
        "submission": 2,  # the decision recorded, and the refused one (which also misses an answer)
    }
    assert found.value("sharewise_findings_total", rule="required", severity="error", source="submission") == 1
    assert found.labelled("sharewise_deliveries_total", "outcome") == {"delivered": 1, "gone": 1}, "the worker's counts"
    assert found.value("sharewise_deliveries_total", host="case-system", target="webhook", outcome="delivered") == 1
    assert found.total("sharewise_http_requests_total", route="/api/v1/records", method="POST") == 4
    assert found.value("sharewise_outbox_dead_letters") == 1
    assert found.value("sharewise_outbox_pending") == 0
    assert found.value("sharewise_delivery_lag_seconds") == 0
    assert found.value("sharewise_database_up") == 1

    processes.stop()
    bridge_lines = json_lines(bridge_err.read_text(encoding="utf-8"), "gunicorn stderr")
    worker_lines = json_lines(worker_err.read_text(encoding="utf-8"), "worker stderr")

    requests = {line["request_id"]: line for line in bridge_lines if line["logger"] == "sharewise.http"}
    expected = {
        "launch": ("case-system", "/api/v1/launch", 201, None),
        "open": ("-", "/embed/launch/<code>", 303, None),
        "check": ("case-system", "/api/v1/forms/<form_id>/check", 200, ["ISD-19"]),
        "submit": ("case-system", "/api/v1/records", 201, rule_ids(created.json()["findings"])),
        "replay": ("case-system", "/api/v1/records", 200, ["ISD-19"]),
        "refuse": ("case-system", "/api/v1/records", 422, ["ISD-19", "required"]),
        "retired": ("retired-system", "/api/v1/records", 201, []),  # a submission without findings
    }
    for label, (host, route, status, rules) in expected.items():
        line = requests.get(request_ids[label])
        assert line is not None, f"no request line for {label} ({request_ids[label]})"
        assert (line["host"], line["route"], line["status"], line.get("rules")) == (host, route, status, rules), line
        assert line["level"] == "INFO" and isinstance(line["duration_ms"], int | float)
    assert any(line["logger"] == "gunicorn.error" for line in bridge_lines), "gunicorn's own lines are JSON too"

    relay_lines = {line["record_id"]: line for line in worker_lines if line["logger"] == "sharewise.relay"}
    delivered = relay_lines[created.json()["id"]]
    dead = relay_lines[to_retired.json()["id"]]
    assert (delivered["outcome"], delivered["host"], delivered["webhook_host"]) == ("delivered", "case-system", "127.0.0.1")
    assert (dead["outcome"], dead["host"], dead["status"]) == ("gone", "retired-system", 410)

    written = "".join(path.read_text(encoding="utf-8") for path in (bridge_out, bridge_err, worker_out, worker_err))
    assert leaks(written, PERSONAL + secrets) == []
    assert leaks(json.dumps(bridge_lines + worker_lines), [urlsplit(hook_url).query, "/retired"]) == []
