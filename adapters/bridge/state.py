"""What the bridge holds for its lifetime (in ``app.extensions["sharewise"]``, never in globals)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from sharewise.adapters.bridge.ratelimit import RateLimiter
from sharewise.adapters.bridge.settings import Settings
from sharewise.adapters.exports.formats import FormLookup
from sharewise.adapters.observability.metrics import Metrics
from sharewise.core.engine import Engine
from sharewise.core.hosts import HostRegistry
from sharewise.core.store import Store
from sharewise.core.submission import Recorder, utcnow


@dataclass
class Bridge:
    """The engine, the store and the services built on them."""

    settings: Settings
    engine: Engine
    store: Store
    recorder: Recorder
    hosts: HostRegistry
    forms: FormLookup
    limiter: RateLimiter
    metrics: Metrics
    clock: Callable[[], dt.datetime] = utcnow


def bridge() -> Bridge:
    """The running app's ``Bridge``."""
    return current_app.extensions["sharewise"]
