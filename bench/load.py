"""Benchmark: practitioners completing the embedded form through a real bridge, under load.

Run: ``python bench/load.py [--users 16] [--seconds 20] [--workers 2] [--threads 8] [--database URL] [--drafts N]``
or, to see how cost grows with stored records and with concurrency,
``python bench/load.py --records 1000,10000,100000 [--concurrency 1,4,16] [--seconds 15]``.

Starts gunicorn serving ``create_app()`` on a database (default: a fresh temporary SQLite file;
``--database`` for PostgreSQL, or a SQLite file kept between runs), registers a host with
``sharewise hosts add --json``, then N simulated practitioners (threads, one HTTP connection and one
cookie session each) repeat, for a fixed time and without pauses: ``POST /api/v1/launch`` with the
host's key → open the launch URL → GET and POST every page of the core form with the answers of
``examples/gp-shares-child-at-risk.json`` (CSRF token and ``rendered`` names read from each page;
redirects followed; a page that grows follow-ups is posted again; "There is a problem" links on
"check your answers" are followed) → submit, acknowledging every warning → the confirmation.

Prints completed decisions/s and requests/s; p50/p95/p99 latency per step, over every request and
per whole decision; errors (any status other than 2xx/3xx, or a failed connection — 422s, which
a page may answer on purpose, are counted apart); and the ratio of the form's request rate to
the baseline measured in the same run: the same users calling ``GET /livez``, a trivial endpoint
on the same server. With ``--records``, the database is topped up (directly, in bulk: records
cloned from one real submission, each with its own id, hash and chained audit entry) to each
count in turn and the flow measured at each concurrency, with ``GET /healthz`` timed alongside.
``--drafts N`` first adds N other practitioners' unfinished drafts. The server, the bulk loading
and the CPU accounting are in ``bench/load_setup.py``. Figures are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from load_setup import (
    EXAMPLE,
    FORM,
    PRACTITIONER,
    TICKS_PER_SECOND,
    Server,
    bridge,
    healthz,
    machine_ticks,
    populate,
    populate_drafts,
)

from sharewise.adapters.webform.fields import typed_value
from sharewise.core import Engine
from sharewise.forms import example_answers

STEPS = ("launch", "open", "page", "save", "check", "submit", "done")
MAX_REQUESTS = 80  # per decision: far more than the form needs, so a loop is caught

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_PAGE_TOKEN = re.compile(r'name="page_token" value="([^"]*)"')
_RENDERED = re.compile(r'name="rendered" value="([^"]+)"')
_ACKNOWLEDGE = re.compile(r'name="acknowledge" type="checkbox" value="([^"]+)"')
_PROBLEMS = re.compile(r'govuk-error-summary__list">(.*?)</ul>', re.S)
_HREF = re.compile(r'href="([^"]+)"')


class Abandoned(Exception):
    """This decision cannot go on (an error, an unexpected page, or the time is up)."""


@dataclass
class Figures:
    """What one run measured (shared by the user threads; ``add`` under the lock)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    decisions: list[float] = field(default_factory=list)
    errors: int = 0
    unprocessable: int = 0
    abandoned: int = 0
    samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    database_cpu: float | None = None
    machine: tuple[float, float] = (0.0, 0.0)  # cores busy in all, cores waiting on the disk
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, other: Figures) -> None:
        """Merge one user's figures."""
        with self.lock:
            for step, values in other.latencies.items():
                self.latencies.setdefault(step, []).extend(values)
            self.decisions += other.decisions
            self.errors += other.errors
            self.unprocessable += other.unprocessable
            self.abandoned += other.abandoned
            self.samples += other.samples[: max(0, 5 - len(self.samples))]

    def requests(self) -> list[float]:
        """Every request's latency."""
        return [value for values in self.latencies.values() for value in values]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile of ``values`` in milliseconds (nearest rank); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] * 1000


# ---- one practitioner ---------------------------------------------------------------------------------


class Practitioner:
    """One simulated practitioner: a connection, a cookie session, and the example answers."""

    def __init__(self, url: str, key: str, number: int, deadline: float, questions: Any) -> None:
        self.http = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
        self.key = key
        self.number = number
        self.deadline = deadline
        self.questions = questions
        self.answers = example_answers(FORM, EXAMPLE)
        self.cookie = ""
        self.figures = Figures()

    def request(self, step: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One timed request; the session cookie kept by hand (it is ``Secure``, and this is plain http)."""
        if time.perf_counter() >= self.deadline:
            raise Abandoned("time is up")
        headers = kwargs.pop("headers", {})
        if self.cookie:
            headers["Cookie"] = f"sharewise_session={self.cookie}"
        start = time.perf_counter()
        try:
            response = self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            self.figures.errors += 1
            self.figures.samples.append(f"{step}: {type(error).__name__}")
            raise Abandoned(step) from None
        self.figures.latencies[step].append(time.perf_counter() - start)
        for cookie in response.headers.get_list("set-cookie"):
            if cookie.startswith("sharewise_session="):
                self.cookie = cookie.split(";", 1)[0].split("=", 1)[1]
        if response.status_code == 422:
            self.figures.unprocessable += 1
        elif response.status_code >= 400:
            self.figures.errors += 1
            self.figures.samples.append(f"{step}: HTTP {response.status_code}")
            raise Abandoned(step)
        return response

    def decide(self) -> None:
        """One decision from launch to confirmation."""
        started = time.perf_counter()
        self.cookie = ""
        practitioner = {**PRACTITIONER, "id": f"load-{self.number}"}
        context = {"case_ref": f"LOAD-{uuid.uuid4().hex[:12]}", "practitioner": practitioner}
        launched = self.request(
            "launch",
            "POST",
            "/api/v1/launch",
            json={"form_id": FORM, "context": context},
            headers={"Authorization": f"Bearer {self.key}"},
        )
        location = self.redirect(self.request("open", "GET", self.expect(launched, 201).json()["url"]))
        for _ in range(MAX_REQUESTS):
            path = urlsplit(location).path
            if path.startswith("/embed/section/"):
                location = self.complete_page(location)
            elif path == "/embed/check":
                location = self.check(location)
            elif path == "/embed/done":
                self.expect(self.request("done", "GET", location), 200)
                self.figures.decisions.append(time.perf_counter() - started)
                return
            else:
                self.protocol(f"unexpected redirect to {path}")
        self.protocol("the form did not end")

    def complete_page(self, location: str) -> str:
        """GET a page, then POST its answers until it leads on (a page may grow follow-ups first)."""
        page = self.expect(self.request("page", "GET", location), 200)
        for _ in range(5):
            response = self.request("save", "POST", location, data=self.page_data(page.text))
            if response.status_code == 303:
                return self.redirect(response)
            if response.status_code == 422:
                raise Abandoned("the page refused the example answers")
            page = self.expect(response, 200)
        self.protocol("a page kept asking for more")
        raise AssertionError  # unreachable

    def check(self, location: str) -> str:
        """ "Check your answers": follow a problem's link if there is one, else submit."""
        page = self.expect(self.request("check", "GET", location), 200)
        problems = _PROBLEMS.search(page.text)
        if problems:
            links = [html.unescape(href).split("#", 1)[0] for href in _HREF.findall(problems.group(1))]
            links = [href for href in links if href.startswith("/embed/section/")]
            if links:
                return self.complete_page(links[0])
        data = {"csrf_token": self.one(_CSRF, page.text), "acknowledge": _ACKNOWLEDGE.findall(page.text)}
        return self.redirect(self.request("submit", "POST", location, data=data))

    def page_data(self, page: str) -> dict[str, Any]:
        """The POST body for a page: its tokens, the questions it showed, and their example answers."""
        data: dict[str, Any] = {
            "csrf_token": self.one(_CSRF, page),
            "page_token": self.one(_PAGE_TOKEN, page),
            "action": "continue",
            "rendered": _RENDERED.findall(page),
        }
        for question_id in data["rendered"]:
            question = self.questions[question_id]
            shown = typed_value(question, self.answers.get(question_id))
            if isinstance(shown, dict):
                data.update({f"{question_id}-{part}": value for part, value in shown.items()})
            elif shown != [] and shown != "":
                data[question_id] = shown
        return data

    def redirect(self, response: httpx.Response) -> str:
        """Where a 303 leads."""
        return self.expect(response, 303).headers["location"]

    def expect(self, response: httpx.Response, status: int) -> httpx.Response:
        """``response``, if it has ``status``; otherwise the decision is abandoned as an error."""
        if response.status_code != status:
            self.protocol(f"{response.request.method} {urlsplit(str(response.url)).path} gave {response.status_code}")
        return response

    def one(self, pattern: re.Pattern[str], page: str) -> str:
        """The first match of ``pattern`` on the page, or an error."""
        found = pattern.search(page)
        if found is None:
            self.protocol(f"no {pattern.pattern[6:20]}… on the page")
        return html.unescape(found.group(1)) if found else ""

    def protocol(self, problem: str) -> None:
        """The server answered something the flow cannot go on from: an error."""
        self.figures.errors += 1
        self.figures.samples.append(problem)
        raise Abandoned(problem)


def drive(server: Server, users: int, seconds: float, *, trivial: bool = False) -> Figures:
    """``users`` practitioners deciding (or calling ``/livez``) without pauses for ``seconds``."""
    total = Figures()
    questions = Engine().form(FORM).questions
    server_cpu, client_cpu, database = server.cpu_seconds(), time.process_time(), server.database_ticks()
    machine = machine_ticks()
    started = time.perf_counter()
    deadline = started + seconds

    def run(number: int) -> None:
        user = Practitioner(server.url, server.key, number, deadline, questions)
        with user.http:
            while time.perf_counter() < deadline:
                try:
                    if trivial:
                        user.expect(user.request("open", "GET", "/livez"), 200)
                    else:
                        user.decide()
                except Abandoned:
                    if time.perf_counter() < deadline:
                        user.figures.abandoned += 1
        total.add(user.figures)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total.elapsed = time.perf_counter() - started
    total.server_cpu, total.client_cpu = server.cpu_seconds() - server_cpu, time.process_time() - client_cpu
    busy, waiting = (now - then for now, then in zip(machine_ticks(), machine, strict=True))
    total.machine = (busy / TICKS_PER_SECOND / total.elapsed, waiting / TICKS_PER_SECOND / total.elapsed)
    if server.probe is not None:
        after = server.database_ticks()
        total.database_cpu = sum(spent - database.get(pid, 0) for pid, spent in after.items()) / TICKS_PER_SECOND
    return total


# ---- reporting ----------------------------------------------------------------------------------------


def report(figures: Figures, baseline: Figures) -> None:
    """The per-step table and the totals of one run."""
    print(f"{'step':>9} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    rows = [(step, figures.latencies[step]) for step in STEPS] + [("request", figures.requests())]
    for name, values in [*rows, ("decision", figures.decisions), ("/livez", baseline.requests())]:
        print(
            f"{name:>9} {len(values):>7,} {percentile(values, 0.5):>8.1f} {percentile(values, 0.95):>8.1f} "
            f"{percentile(values, 0.99):>8.1f}"
        )
    print(summary(figures, baseline))
    for sample in figures.samples:
        print(f"  error: {sample}")


def summary(figures: Figures, baseline: Figures) -> str:
    """Throughput, errors, CPU and the ratio."""
    requests = len(figures.requests())
    rate, trivial = requests / figures.elapsed, len(baseline.requests()) / baseline.elapsed
    per_decision = figures.server_cpu / len(figures.decisions) * 1000 if figures.decisions else 0.0
    per_request = figures.server_cpu / max(requests, 1) * 1000
    trivial_cpu = baseline.server_cpu / max(len(baseline.requests()), 1) * 1000
    return (
        f"decisions {len(figures.decisions) / figures.elapsed:,.2f}/s  requests {rate:,.0f}/s  "
        f"errors {figures.errors}  422s {figures.unprocessable}  abandoned {figures.abandoned}\n"
        f"server CPU {figures.server_cpu / figures.elapsed:.2f} cores, {per_decision:,.0f} ms per decision, "
        f"{per_request:.1f} ms per request; load generator {figures.client_cpu / figures.elapsed:.2f} cores"
        f"{database_line(figures)}\n"
        f"machine: {figures.machine[0]:.2f} cores busy in all (of {os.cpu_count()}), "
        f"{figures.machine[1]:.2f} waiting on the disk\n"
        f"/livez {trivial:,.0f}/s (server {trivial_cpu:.2f} ms CPU per request); "
        f"ratio: form requests at {rate / trivial:.3f}x the trivial endpoint's rate"
    )


COLUMNS = (
    "records", "users", "decisions/s", "requests/s", "p50 ms", "p95 ms", "p99 ms", "decision p50 / p99 ms",
    "server CPU ms/decision", "PostgreSQL CPU ms/decision", "errors", "rate vs first count", "/healthz ms",
)  # fmt: skip


def grow(server: Server, database: str, counts: list[int], levels: list[int], seconds: float) -> None:
    """At each stored-record count, the flow at each concurrency; then one table of them all."""
    baselines = {users: drive(server, users, min(seconds, 10), trivial=True) for users in levels}
    table: list[str] = []
    first: dict[int, float] = {}
    for count in counts:
        took = populate(database, count)
        probe = healthz(server.url)
        print(f"\n==== {count:,} records (topped up in {took:,.0f} s); GET /healthz median {probe:,.1f} ms")
        for users in levels:
            figures = drive(server, users, seconds)
            print(f"-- {users} users")
            report(figures, baselines[users])
            rate = len(figures.decisions) / figures.elapsed
            first.setdefault(users, rate)
            growth = f"{rate / first[users]:.2f}x" if first[users] else "-"
            table.append(f"{count:,} | {users} | {table_cells(figures)} | {growth} | {probe:,.1f}")
    print("", " | ".join(COLUMNS), *table, sep="\n")


def table_cells(figures: Figures) -> str:
    """One run's figures as cells of the summary table (markdown-ready)."""
    requests, done = figures.requests(), max(len(figures.decisions), 1)
    database = "-" if figures.database_cpu is None else f"{figures.database_cpu / done * 1000:,.0f}"
    cells = [
        f"{len(figures.decisions) / figures.elapsed:.2f}",
        f"{len(requests) / figures.elapsed:,.0f}",
        *(f"{percentile(requests, share):,.0f}" for share in (0.5, 0.95, 0.99)),
        f"{percentile(figures.decisions, 0.5):,.0f} / {percentile(figures.decisions, 0.99):,.0f}",
        f"{figures.server_cpu / done * 1000:,.0f}",
        database,
        str(figures.errors),
    ]
    return " | ".join(cells)


def database_line(figures: Figures) -> str:
    """PostgreSQL's CPU (its server processes for this database), when it could be measured."""
    if figures.database_cpu is None:
        return ""
    per_decision = figures.database_cpu / len(figures.decisions) * 1000 if figures.decisions else 0.0
    return f"; PostgreSQL {figures.database_cpu / figures.elapsed:.2f} cores, {per_decision:,.0f} ms per decision"


def main() -> None:
    """Start the bridge, drive it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16, help="concurrent practitioners (without --records)")
    parser.add_argument("--seconds", type=float, default=20, help="how long each measurement runs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file); its records are kept")
    parser.add_argument("--records", help="stored record counts to measure at, e.g. 1000,10000,100000")
    parser.add_argument("--concurrency", default="1,4,16", help="users at each record count (with --records)")
    parser.add_argument("--drafts", type=int, default=0, help="unfinished drafts of other practitioners to add first")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = options.database or f"sqlite:///{Path(folder) / 'load.db'}"
        with bridge(database, options.workers, options.threads, Path(folder) / "bridge.log") as server:
            print(f"gunicorn {options.workers} workers x {options.threads} threads on {database.split(':', 1)[0]}")
            if options.drafts:
                populate_drafts(database, options.drafts)
                print(f"{options.drafts:,} unfinished drafts of other practitioners added")
            if not options.records:
                figures = drive(server, options.users, options.seconds)
                baseline = drive(server, options.users, options.seconds, trivial=True)
                print(f"{options.users} users, {options.seconds:.0f} s each")
                report(figures, baseline)
                return
            levels = [int(n) for n in options.concurrency.split(",")]
            grow(server, database, [int(n) for n in options.records.split(",")], levels, options.seconds)


if __name__ == "__main__":
    main()
