"""A server trusts an API key it has checked for ``SHAREWISE_AUTH_CACHE_SECONDS`` (default 2) before
reading the database again (issue 6, item 8: an API call no longer costs a database read). A key
rotated in the server's own process stops at once; one changed by another process (the command line
beside a running server) stops within that time; with 0 every request reads the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from sharewise.core import hosts as hosts_module
from sharewise.core.hosts import HostRegistry, key_hash, new_api_key
from sharewise.core.store.schema import hosts


def change_key_elsewhere(store: Any, name: str) -> None:
    """What ``sharewise hosts rotate-key`` in another process does to the database."""
    with store.engine.begin() as connection:
        connection.execute(update(hosts).where(hosts.c.name == name).values(api_key_hash=key_hash(new_api_key())))


def status(client: Any, key: str) -> int:
    return client.get("/api/v1/records", headers={"Authorization": f"Bearer {key}"}).status_code


class Clock:
    """``time.monotonic`` for ``sharewise.core.hosts``, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(hosts_module.time, "monotonic", moved)
    return moved


def test_a_key_changed_by_another_process_stops_within_the_cache_time(make_app, host_a, host_b, store, clock) -> None:
    client = make_app().test_client()
    assert status(client, host_a.api_key) == 200

    change_key_elsewhere(store, host_a.name)

    clock.now += 1.5
    assert status(client, host_a.api_key) == 200, "within 2 s the server still trusts the key it checked"
    clock.now += 1.0
    assert status(client, host_a.api_key) == 401, "after 2 s it reads the database again and refuses the old key"
    assert status(client, host_b.api_key) == 200


def test_with_no_cache_a_key_changed_elsewhere_stops_at_once(make_app, host_a, store, clock) -> None:
    client = make_app(auth_cache_seconds=0).test_client()
    assert status(client, host_a.api_key) == 200

    change_key_elsewhere(store, host_a.name)

    assert status(client, host_a.api_key) == 401


def test_a_key_rotated_in_this_process_stops_at_once_despite_the_cache(make_app, host_a, store, clock) -> None:
    client = make_app().test_client()
    assert status(client, host_a.api_key) == 200

    rotated = HostRegistry(store).rotate_key(host_a.name, now=dt.datetime.now(dt.UTC))

    assert status(client, host_a.api_key) == 401
    assert status(client, rotated.api_key) == 200


def test_a_wrong_key_is_checked_against_the_database_every_time(make_app, host_a, store, clock) -> None:
    """Only keys that authenticated are kept: a key that failed is not trusted later, and a new host's
    key works at once."""
    client = make_app().test_client()
    assert status(client, "sw_" + "0" * 40) == 401

    added = HostRegistry(store).add("host-new", origins=["https://new.example"], now=dt.datetime.now(dt.UTC))

    assert status(client, added.api_key) == 200
