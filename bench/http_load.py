"""A lean closed-loop HTTP/1.1 load generator for the benchmarks: N keep-alive connections driven from
one thread with ``selectors``, each sending its next request as soon as the last answer is in.

It exists so that the baseline of ``bench/bridge.py`` measures the server, not the client: a client
built on a full HTTP library spends more CPU per request than a trivial Flask endpoint does, and on
a small machine it becomes the ceiling. Here a request is pre-built bytes and an answer is parsed
only as far as its status line and ``Content-Length`` (the server never chunks these answers).
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Builds the bytes of request number ``n`` (to give each one, say, its own Idempotency-Key).
RequestBuilder = Callable[[int], bytes]


def request_bytes(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """One HTTP/1.1 request on a keep-alive connection to 127.0.0.1."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


@dataclass
class LoadResult:
    """What a run measured: every request's latency (seconds), the run's length and failures by status."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    failures: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Completed requests per second."""
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @classmethod
    def pooled(cls, results: list[LoadResult]) -> LoadResult:
        """Several runs as one: every latency, the total time, the failures added up."""
        pooled = cls(elapsed=sum(result.elapsed for result in results))
        for result in results:
            pooled.latencies += result.latencies
            for status, count in result.failures.items():
                pooled.failures[status] = pooled.failures.get(status, 0) + count
        return pooled

    def percentile(self, fraction: float) -> float:
        """The latency (milliseconds) that ``fraction`` of requests did not exceed."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * fraction) - 1))] * 1000


class _Connection:
    """One keep-alive connection: its socket, the answer being read, and when its request went out."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buffer = b""
        self.started = 0.0
        self.answered = 0

    def answer(self) -> tuple[int, bool] | None:
        """``(status, keep_alive)`` once a whole answer is buffered (and consumed), else ``None``."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = self.buffer[:head_end].decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in head[1:])}
        total = head_end + 4 + int(headers.get("content-length", "0"))
        if len(self.buffer) < total:
            return None
        self.buffer = self.buffer[total:]
        return status, headers.get("connection", "").lower() != "close"


def run(
    port: int, clients: int, seconds: float, build: RequestBuilder, *, ok_status: int, reconnect_every: int = 0
) -> LoadResult:
    """Drive ``clients`` connections for ``seconds``; an answer other than ``ok_status`` is a failure.

    With ``reconnect_every`` = N, each connection is closed and opened again after N answers, as a
    client's connection pool recycles connections: a server of several processes then shares the
    load as it would in service (a connection stays with the process that accepted it, so a handful
    kept open for the whole run can land on one process and leave the others idle).
    """
    result = LoadResult()
    selector = selectors.DefaultSelector()
    counter = 0

    def send(connection: _Connection) -> None:
        nonlocal counter
        counter += 1
        connection.started = time.perf_counter()
        connection.sock.sendall(build(counter))  # small requests: the socket buffer takes them whole

    start = time.perf_counter()
    deadline = start + seconds
    for _ in range(clients):
        connection = _Connection(port)
        selector.register(connection.sock, selectors.EVENT_READ, connection)
        send(connection)
    open_connections = clients
    while open_connections:
        for key, _ in selector.select(timeout=5):
            connection = key.data
            chunk = connection.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed a connection mid-answer")
            connection.buffer += chunk
            answered = connection.answer()
            if answered is None:
                continue
            status, keep_alive = answered
            connection.answered += 1
            now = time.perf_counter()
            result.latencies.append(now - connection.started)
            if status != ok_status:
                result.failures[status] = result.failures.get(status, 0) + 1
            if now >= deadline:
                selector.unregister(connection.sock)
                connection.sock.close()
                open_connections -= 1
                continue
            if not keep_alive or (reconnect_every and connection.answered >= reconnect_every):
                selector.unregister(connection.sock)
                connection.sock.close()
                connection = _Connection(port)
                selector.register(connection.sock, selectors.EVENT_READ, connection)
            send(connection)
    result.elapsed = time.perf_counter() - start
    return result
