"""Rate limits on launching and submitting: a sliding window per host and action, in this process.

Each gunicorn worker keeps its own window, so the effective limit is ``workers × limit`` (see
docs/deployment.md); a shared limit would need shared state the embedded default does not have.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from sharewise.adapters.bridge.errors import ApiError

WINDOW_SECONDS = 60.0


class RateLimiter:
    """At most ``limit`` events per key in any ``WINDOW_SECONDS``."""

    def __init__(self, limit: int, clock: type[time.monotonic] | None = None) -> None:
        self.limit = limit
        self._clock = clock or time.monotonic
        self._events: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, host: str, action: str) -> None:
        """Count one event; raise a 429 ``ApiError`` with ``Retry-After`` when over the limit."""
        now = self._clock()
        with self._lock:
            events = self._events[(host, action)]
            while events and events[0] <= now - WINDOW_SECONDS:
                events.popleft()
            if len(events) >= self.limit:
                wait = max(1, int(events[0] + WINDOW_SECONDS - now) + 1)
                raise ApiError(
                    429, f"too many {action} requests: at most {self.limit} a minute", headers={"Retry-After": str(wait)}
                )
            events.append(now)
