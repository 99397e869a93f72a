"""One webhook attempt: POST the record, signed per Standard Webhooks, never following redirects."""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass

import httpx
from standardwebhooks import Webhook

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class Attempt:
    """What a delivery attempt came to."""

    ok: bool
    status: int | None
    error: str | None = None
    retry_after: dt.timedelta | None = None
    gone: bool = False


def signed_headers(secrets: tuple[str, ...], webhook_id: str, body: bytes, media_type: str, now: dt.datetime) -> dict[str, str]:
    """The Standard Webhooks headers (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``): one
    ``v1,…`` signature per secret, separated by spaces (a receiver accepts a delivery if any matches)."""
    if isinstance(secrets, str) or not secrets:
        raise ValueError("sign with a tuple of one or more webhook secrets")
    text = body.decode("utf-8")
    signature = " ".join(Webhook(secret).sign(webhook_id, now, text) for secret in secrets)
    return {
        "content-type": media_type,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "user-agent": "sharewise-relay",
    }


def post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str], now: dt.datetime) -> Attempt:
    """POST once. Only a 2xx is success; 410 means the endpoint is gone; redirects are not followed."""
    try:
        response = client.post(url, content=body, headers=headers, timeout=TIMEOUT, follow_redirects=False)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return Attempt(False, None, f"{type(exc).__name__}: could not reach the webhook")
    if 200 <= response.status_code < 300:
        return Attempt(True, response.status_code)
    if response.status_code == 410:
        return Attempt(False, 410, "410 Gone: the host retired this webhook", gone=True)
    error = f"HTTP {response.status_code}" + (" (redirects are not followed)" if 300 <= response.status_code < 400 else "")
    return Attempt(False, response.status_code, error, retry_after(response.headers.get("retry-after"), now))


def retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a wait, capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = dt.timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        wait = when - now
    return max(dt.timedelta(0), min(wait, dt.timedelta(days=1)))
