"""Bridge configuration: ``SHAREWISE_*`` environment variables, overridden by ``create_app(config)``."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sharewise.adapters.observability import logs
from sharewise.adapters.observability.metrics import MetricsConfigurationError, checked_token
from sharewise.core.errors import SharewiseError
from sharewise.core.plugins import plugins_from_env


class ConfigurationError(SharewiseError):
    """The bridge cannot start with this configuration."""


@dataclass(frozen=True)
class Settings:
    """Everything the bridge needs to know; see docs/operations.md and docs/integrators/bridge.md."""

    environment: str = "production"
    secret_key: str = ""
    #: Earlier secret keys, still accepted on cookies and page tokens signed with them (never used to sign).
    secret_key_fallbacks: tuple[str, ...] = ()
    database_url: str | None = None
    plugins: tuple[str, ...] = ()
    public_url: str | None = None
    max_body_bytes: int = 1024 * 1024
    launch_ttl: dt.timedelta = dt.timedelta(minutes=5)
    rate_limit_per_minute: int = 60
    #: How long a server trusts an API key it has checked before reading the database again (0: never).
    auth_cache_seconds: int = 2
    relay: bool = False
    demo_origins: tuple[str, ...] = ()
    #: ``json`` or ``text`` (default: ``text`` in development, else ``json``); a level name.
    log_format: str = ""
    log_level: str = ""
    #: ``/metrics`` needs ``Authorization: Bearer <token>``; without a token it is served only in development.
    metrics_token: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def development(self) -> bool:
        """Development mode: a generated secret key is allowed, and cookies work over plain http."""
        return self.environment == "development"


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def from_environment(environ: Mapping[str, str] = os.environ, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from ``SHAREWISE_*`` variables, then ``overrides`` (keys named as ``Settings`` fields)."""
    environment = environ.get("SHAREWISE_ENV", "production").strip() or "production"
    if environment not in ("production", "development"):
        raise ConfigurationError(f"SHAREWISE_ENV must be production or development, not {environment!r}")
    settings = Settings(
        environment=environment,
        secret_key=environ.get("SHAREWISE_SECRET_KEY", ""),
        secret_key_fallbacks=tuple(
            key.strip() for key in environ.get("SHAREWISE_SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
        ),
        database_url=environ.get("SHAREWISE_DATABASE_URL") or None,
        plugins=tuple(plugins_from_env(environ)),
        public_url=(environ.get("SHAREWISE_PUBLIC_URL") or "").rstrip("/") or None,
        max_body_bytes=_int(environ, "SHAREWISE_MAX_BODY_BYTES", 1024 * 1024, 1024, 100 * 1024 * 1024),
        launch_ttl=dt.timedelta(seconds=_int(environ, "SHAREWISE_LAUNCH_TTL_SECONDS", 300, 30, 3600)),
        rate_limit_per_minute=_int(environ, "SHAREWISE_RATE_LIMIT_PER_MINUTE", 60, 1, 100_000),
        auth_cache_seconds=_int(environ, "SHAREWISE_AUTH_CACHE_SECONDS", 2, 0, 60),
        log_format=environ.get("SHAREWISE_LOG_FORMAT", ""),
        log_level=environ.get("SHAREWISE_LOG_LEVEL", ""),
        metrics_token=environ.get("SHAREWISE_METRICS_TOKEN") or None,
    )
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(overrides or {}) - known)
    if unknown:
        raise ConfigurationError(f"unknown configuration keys: {', '.join(unknown)}")
    settings = replace(settings, **dict(overrides or {}))
    if not settings.secret_key:
        if not settings.development:
            raise ConfigurationError(
                "SHAREWISE_SECRET_KEY is not set: the bridge refuses to start without one outside development"
            )
        settings = replace(settings, secret_key=secrets.token_urlsafe(32))
    if len(settings.secret_key) < 32:
        raise ConfigurationError("SHAREWISE_SECRET_KEY must be at least 32 characters (use a long random value)")
    if isinstance(settings.secret_key_fallbacks, str):
        raise ConfigurationError("secret_key_fallbacks must be a list of earlier secret keys, not one string")
    settings = replace(settings, secret_key_fallbacks=tuple(settings.secret_key_fallbacks))
    for number, key in enumerate(settings.secret_key_fallbacks, start=1):
        if not isinstance(key, str) or len(key) < 32:
            raise ConfigurationError(
                f"SHAREWISE_SECRET_KEY_FALLBACKS: key {number} is shorter than 32 characters "
                "(list earlier values of SHAREWISE_SECRET_KEY, separated by commas)"
            )
    return _observability(settings)


def _observability(settings: Settings) -> Settings:
    """The log format and level resolved (defaults by environment), the metrics token checked."""
    wanted = {"SHAREWISE_LOG_FORMAT": settings.log_format or "", "SHAREWISE_LOG_LEVEL": settings.log_level or ""}
    try:
        log_format, level = logs.settings(wanted, development=settings.development)
        token = checked_token(settings.metrics_token)
    except (logs.LogConfigurationError, MetricsConfigurationError) as exc:
        raise ConfigurationError(str(exc)) from None
    return replace(settings, log_format=log_format, log_level=logging.getLevelName(level), metrics_token=token)
