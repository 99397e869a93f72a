"""Poison messages (issue 8, item 1), travelled through in test time: among decisions submitted through
the bridge over real HTTP, one record the host's endpoint always answers 500 for, one it always answers
400 for, and one whose payload cannot be rendered (its stored answers damaged, so rendering the XML its
host takes fails).

Each goes to the dead letters after the retry budget (``outbox.MAX_ATTEMPTS``) and none holds up any
other record: every other one, before, between and after them, is delivered at its first attempt. Once
the host and the data are fixed, ``sharewise deliveries replay`` (a subprocess) re-delivers each poison
record, once, under the webhook-id it always had.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
from bridge_processes import cli
from delivery_helpers import Clock, Receiver, delivered_entries, rows, verify
from lxml import etree
from pytest_httpserver import HTTPServer
from sqlalchemy import update
from time_travel import post_decision, settle, travel
from werkzeug import Response

from sharewise.adapters.delivery.relay import Relay, payload
from sharewise.core import outbox
from sharewise.core.store.schema import records
from sharewise.core.store.store import Store

NS = "urn:sharewise:decision-record:1"
#: The most the retries of one row can span: each wait at most its ceiling.
BUDGET = sum((min(outbox.MAX_DELAY, outbox.BASE_DELAY * 2**n) for n in range(outbox.MAX_ATTEMPTS)), dt.timedelta())


def test_poison_messages_are_dead_lettered_without_holding_up_the_rest_and_replayed_after_the_fix(
    store: Store,
    database_url: str,
    relay: Relay,
    add_host: Callable[..., Any],
    httpserver: HTTPServer,
    travelling_bridge: Any,
    clock: Clock,
    base_answers: dict[str, Any],
    http: httpx.Client,
) -> None:
    json_hook, xml_hook = Receiver(httpserver, clock, "/hook"), Receiver(httpserver, clock, "/xml-hook")
    cases = add_host("case-system", webhook=json_hook.url)
    archive = add_host("records-archive", webhook=xml_hook.url, webhook_format="xml")
    submitted_at: dict[str, dt.datetime] = {}

    def submit(host: Any, key: str) -> str:
        record_id = post_decision(http, travelling_bridge.url, host.api_key, key, base_answers)["id"]
        submitted_at[record_id] = clock()
        return record_id

    always_500, good = submit(cases, "always-500"), [submit(cases, "good-1")]
    always_400 = submit(cases, "always-400")
    unrenderable = submit(archive, "unrenderable")
    good += [submit(archive, "good-2"), submit(cases, "good-3")]
    original_answers = store.get(unrenderable).answers
    with store.writing() as connection:  # damaged in storage: the XML renderer cannot read these answers
        connection.execute(update(records).where(records.c.id == unrenderable).values(answers=[original_answers]))
    refuse = {always_500: 500, always_400: 400}
    json_hook.respond = lambda r: Response(status=refuse.get(r.json()["id"], 204))

    travel(relay, clock, store, clock() + dt.timedelta(hours=1))
    good += [submit(cases, "good-4"), submit(archive, "good-5")]  # while the poison is being retried
    travel(relay, clock, store, clock() + dt.timedelta(hours=6))
    good.append(submit(cases, "good-6"))
    settle(relay, clock, store, within=BUDGET)

    row = {d.record_id: d for d in rows(store)}
    for record_id in good:
        assert (row[record_id].state, row[record_id].attempts) == (outbox.DELIVERED, 1), "held up by a poison message"
        assert row[record_id].delivered_at == submitted_at[record_id], "not delivered at once"
    for record_id, status, error in ((always_500, 500, "500"), (always_400, 400, "400"), (unrenderable, None, "AttributeError")):
        dead = row[record_id]
        assert (dead.state, dead.attempts, dead.last_status) == (outbox.DEAD, outbox.MAX_ATTEMPTS, status), dead
        assert error in (dead.last_error or ""), dead.last_error
    for record_id in (always_500, always_400):
        arrivals = json_hook.by_record()[record_id]
        assert len(arrivals) == outbox.MAX_ATTEMPTS and {a.webhook_id for a in arrivals} == {row[record_id].webhook_id}
    assert row[unrenderable].webhook_id not in xml_hook.by_webhook_id(), "nothing was sent for the unrenderable record"
    listed = cli(database_url, "deliveries", "list", "--dead", "--json")
    assert listed.code == 0, listed.err
    dead_letters = sorted(row[r].id for r in (always_500, always_400, unrenderable))
    assert sorted(entry["id"] for entry in json.loads(listed.out)) == dead_letters

    # the fix: the host accepts the records, the damaged row is restored (from a backup, say)
    json_hook.respond = lambda r: Response(status=204)
    with store.writing() as connection:
        connection.execute(update(records).where(records.c.id == unrenderable).values(answers=original_answers))
    replayed = cli(database_url, "deliveries", "replay", *map(str, dead_letters))
    assert (replayed.code, replayed.out.strip()) == (0, "requeued 3 dead letter(s)"), replayed.err
    arrived_before = {r: len(a) for r, a in json_hook.by_record().items()}
    settle(relay, clock, store, within=dt.timedelta(minutes=1))

    assert {d.state for d in rows(store)} == {outbox.DELIVERED}
    for record_id in (always_500, always_400):
        arrivals = json_hook.by_record()[record_id]
        assert len(arrivals) == arrived_before[record_id] + 1, "re-delivered once"
        assert arrivals[-1].webhook_id == row[record_id].webhook_id, "under the webhook-id it always had"
        verify(cases.webhook_secret, arrivals[-1])
    (xml_arrival,) = [a for a in xml_hook.received if a.webhook_id == row[unrenderable].webhook_id]
    root = etree.fromstring(xml_arrival.body)
    assert (root.tag, root.get("id")) == (f"{{{NS}}}record", unrenderable)
    assert xml_arrival.body == payload(store.get(unrenderable), "xml", relay.forms), "the restored record as stored"
    verify(archive.webhook_secret, xml_arrival)
    for record_id in submitted_at:
        assert len(delivered_entries(store, record_id)) == 1
    assert outbox.listing(store, state=outbox.DEAD) == []
    result = store.verify()
    assert result.intact, result.problem
