"""Drafts: saving incomplete answers (shape checks only), resuming, discarding, expiry and host
isolation; drafts are never records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sharewise.core.drafts import DraftNotFound, DraftRefused, Drafts, draft_days
from sharewise.core.errors import InvalidInput, SharewiseError
from sharewise.core.store import Store

FORM = "information-sharing-decision"


@pytest.fixture
def drafts(engine: Any, store: Any, clock: Any) -> Drafts:
    """Drafts on the test store, kept the default 30 days, on the fixed clock."""
    return Drafts(engine, store, clock=clock)


def test_save_a_new_draft(drafts: Drafts, clock: Any) -> None:
    draft = drafts.save(FORM, {"trigger": "own_concern"}, host="emis", author={"id": "u1"}, context={"case": "C-1"})
    assert draft.form_id == FORM and draft.form_version == 1
    assert dict(draft.answers) == {"trigger": "own_concern"}
    assert (draft.host, dict(draft.author), dict(draft.context)) == ("emis", {"id": "u1"}, {"case": "C-1"})
    assert draft.created_at == draft.updated_at == clock()
    assert draft.expires_at == clock() + dt.timedelta(days=30)
    assert drafts.get(draft.id) == draft
    as_json = draft.to_dict()
    assert as_json["form"] == {"id": FORM, "version": 1}
    assert as_json["created_at"] == "2026-11-25T09:30:15.123456+00:00"
    assert as_json["expires_at"] == "2026-12-25T09:30:15.123456+00:00"


def test_saving_again_by_id_replaces_the_answers(drafts: Drafts, clock: Any) -> None:
    first = drafts.save(FORM, {"trigger": "own_concern"}, context={"case": "C-1"})
    clock.advance(days=3)
    second = drafts.save(FORM, {"trigger": "request_received", "child_age": 9}, draft_id=first.id)
    assert second.id == first.id
    assert dict(second.answers) == {"trigger": "request_received", "child_age": 9}
    assert second.created_at == first.created_at
    assert second.updated_at == clock()
    assert second.expires_at == clock() + dt.timedelta(days=30), "saving again extends the expiry"
    assert dict(second.context) == {"case": "C-1"}, "the context is kept unless given"
    assert len(drafts.list()) == 1
    third = drafts.save(FORM, {}, draft_id=first.id, context={"case": "C-2"})
    assert dict(third.answers) == {} and dict(third.context) == {"case": "C-2"}


def test_saving_by_an_unknown_id_is_refused(drafts: Drafts) -> None:
    with pytest.raises(DraftNotFound):
        drafts.save(FORM, {}, draft_id="no-such-draft")
    assert drafts.list() == []


def test_saving_by_id_for_another_form_is_refused(drafts: Drafts, scenario_answers: Any) -> None:
    draft = drafts.save(FORM, {"trigger": "own_concern"})
    with pytest.raises(InvalidInput, match=FORM):
        drafts.save("csods-disclosure", {}, draft_id=draft.id)
    assert dict(drafts.get(draft.id).answers) == {"trigger": "own_concern"}


def test_incomplete_answers_are_fine(drafts: Drafts) -> None:
    for answers in (
        {},
        {"trigger": "own_concern"},
        {"decision": "share"},  # an answer to a question not shown yet is fine in a draft
        {"child_age": 7, "purpose": "Drafting — ünïcode ✓"},
    ):
        draft = drafts.save(FORM, answers)
        assert dict(drafts.get(draft.id).answers) == answers


def test_complete_answers_are_fine_too(drafts: Drafts, base_answers: dict[str, Any]) -> None:
    draft = drafts.save(FORM, base_answers)
    assert dict(drafts.get(draft.id).answers) == base_answers


SHAPE_PROBLEMS = [
    ({"child_age": "seven"}, "child_age", "type"),
    ({"trigger": "no_such_option"}, "trigger", "option"),
    ({"no_such_question": 1}, "no_such_question", "unknown"),
    ({"sharer_is_public_authority": "yes"}, "sharer_is_public_authority", "type"),
]


def test_shape_problems_refuse_the_save(drafts: Drafts) -> None:
    for answers, field, rule in SHAPE_PROBLEMS:
        with pytest.raises(DraftRefused) as caught:
            drafts.save(FORM, {"trigger": "own_concern", **answers})
        assert [(f.field, f.rule, f.severity) for f in caught.value.findings] == [(field, rule, "error")], answers
        assert "1 problem" in str(caught.value)
    assert drafts.list() == []


def test_answers_that_are_not_an_object_are_refused(drafts: Drafts) -> None:
    with pytest.raises(DraftRefused) as caught:
        drafts.save(FORM, ["not", "an", "object"])
    assert caught.value.findings


def test_several_problems_are_all_reported(drafts: Drafts) -> None:
    with pytest.raises(DraftRefused) as caught:
        drafts.save(FORM, {"child_age": "seven", "bogus": True})
    assert {f.field for f in caught.value.findings} == {"child_age", "bogus"}
    assert "2 problems" in str(caught.value)


def test_replacing_with_bad_answers_keeps_the_old_ones(drafts: Drafts) -> None:
    draft = drafts.save(FORM, {"trigger": "own_concern"})
    with pytest.raises(DraftRefused):
        drafts.save(FORM, {"child_age": "seven"}, draft_id=draft.id)
    assert dict(drafts.get(draft.id).answers) == {"trigger": "own_concern"}


def test_list_is_newest_first(drafts: Drafts, clock: Any) -> None:
    a = drafts.save(FORM, {"trigger": "own_concern"})
    clock.advance(minutes=1)
    b = drafts.save(FORM, {"trigger": "request_received"})
    clock.advance(minutes=1)
    c = drafts.save(FORM, {})
    assert [d.id for d in drafts.list()] == [c.id, b.id, a.id]
    clock.advance(minutes=1)
    drafts.save(FORM, {"urgency": "routine"}, draft_id=a.id)
    assert [d.id for d in drafts.list()] == [a.id, c.id, b.id], "order is by the last save"


def test_get_and_discard(drafts: Drafts) -> None:
    keep = drafts.save(FORM, {"trigger": "own_concern"})
    drop = drafts.save(FORM, {})
    drafts.discard(drop.id)
    with pytest.raises(DraftNotFound):
        drafts.get(drop.id)
    with pytest.raises(DraftNotFound):
        drafts.discard(drop.id)
    with pytest.raises(DraftNotFound):
        drafts.get("never-existed")
    assert [d.id for d in drafts.list()] == [keep.id]


def test_expired_drafts_are_gone(drafts: Drafts, clock: Any, raw: Any) -> None:
    old = drafts.save(FORM, {"trigger": "own_concern"})
    clock.advance(days=30)
    assert drafts.get(old.id) == old, "still there on the last moment of its 30 days"
    clock.advance(microseconds=1)
    with pytest.raises(DraftNotFound) as caught:
        drafts.get(old.id)
    assert "expired" in str(caught.value)
    assert "2026-12-25" in str(caught.value)
    assert drafts.list() == []
    with pytest.raises(DraftNotFound):
        drafts.discard(old.id)
    assert raw.count("drafts") == 1, "not yet purged: nothing has been saved since"
    fresh = drafts.save(FORM, {})
    assert raw.count("drafts") == 1, "saving any draft purges the expired ones"
    assert [d.id for d in drafts.list()] == [fresh.id]


def test_resuming_an_expired_draft_is_refused(drafts: Drafts, clock: Any) -> None:
    old = drafts.save(FORM, {"trigger": "own_concern"})
    clock.advance(days=31)
    with pytest.raises(DraftNotFound, match="expired"):
        drafts.save(FORM, {"trigger": "request_received"}, draft_id=old.id)
    assert drafts.list() == []


def test_purge_expired(drafts: Drafts, clock: Any, raw: Any) -> None:
    drafts.save(FORM, {})
    drafts.save(FORM, {"trigger": "own_concern"})
    clock.advance(days=20)
    recent = drafts.save(FORM, {})  # purges nothing: the others have 10 days left
    assert raw.count("drafts") == 3
    clock.advance(days=11)
    assert drafts.purge_expired() == 2
    assert raw.count("drafts") == 1
    assert drafts.purge_expired() == 0
    assert [d.id for d in drafts.list()] == [recent.id]


def test_days_can_be_configured(engine: Any, store: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    short = Drafts(engine, store, clock=clock, days=2)
    draft = short.save(FORM, {})
    assert draft.expires_at == clock() + dt.timedelta(days=2)
    monkeypatch.setenv("SHAREWISE_DRAFT_DAYS", "7")
    from_env = Drafts(engine, store, clock=clock)
    assert from_env.days == 7
    assert from_env.save(FORM, {}).expires_at == clock() + dt.timedelta(days=7)
    clock.advance(days=3)
    with pytest.raises(DraftNotFound, match="expired"):
        from_env.get(draft.id)


@pytest.mark.parametrize(("raw_value", "days"), [("", 30), ("  ", 30), ("1", 1), ("45", 45), (" 10 ", 10), ("365", 365)])
def test_draft_days_parsing(raw_value: str, days: int) -> None:
    assert draft_days({"SHAREWISE_DRAFT_DAYS": raw_value}) == days
    assert draft_days({}) == 30


@pytest.mark.parametrize("raw_value", ["0", "366", "-1", "abc", "1.5", "7d", "٣", "1e2"])
def test_draft_days_bad_values(raw_value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        draft_days({"SHAREWISE_DRAFT_DAYS": raw_value})
    message = str(caught.value)
    assert "SHAREWISE_DRAFT_DAYS" in message and repr(raw_value) in message
    assert "\n" not in message


def test_drafts_refuse_a_bad_setting(engine: Any, clock: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREWISE_DRAFT_DAYS", "thirty")
    with pytest.raises(SharewiseError, match="SHAREWISE_DRAFT_DAYS"):
        Drafts(engine, Store(f"sqlite:///{tmp_path / 'unused.db'}"), clock=clock)


def test_host_isolation(drafts: Drafts) -> None:
    mine = drafts.save(FORM, {"trigger": "own_concern"}, host="emis")
    theirs = drafts.save(FORM, {}, host="systmone")
    assert drafts.get(mine.id, host="emis") == mine
    with pytest.raises(DraftNotFound):
        drafts.get(mine.id, host="systmone")
    with pytest.raises(DraftNotFound):
        drafts.discard(mine.id, host="systmone")
    with pytest.raises(DraftNotFound):
        drafts.save(FORM, {"trigger": "request_received"}, draft_id=mine.id, host="systmone")
    assert dict(drafts.get(mine.id).answers) == {"trigger": "own_concern"}
    assert [d.id for d in drafts.list(host="systmone")] == [theirs.id]
    assert [d.id for d in drafts.list(host="emis")] == [mine.id]
    assert {d.id for d in drafts.list()} == {mine.id, theirs.id}


def test_a_draft_with_text_that_cannot_be_stored_is_refused_cleanly(drafts: Drafts, store: Any) -> None:
    """A lone surrogate (a JSON ``\\ud800`` escape) is not valid Unicode text: refused with a sharewise error on
    every database, not stored on one and a driver error on the other."""
    with pytest.raises(SharewiseError):
        drafts.save(FORM, {"purpose": "bad \ud800 text"})
    assert drafts.list() == []


def test_drafts_are_never_records(drafts: Drafts, store: Any, base_answers: dict[str, Any], cli: Any) -> None:
    drafts.save(FORM, base_answers)
    drafts.save(FORM, {"trigger": "own_concern"})
    assert store.list() == []
    assert store.count() == 0
    verification = store.verify()
    assert verification.intact and verification.records == 0
    listed = cli("--database", store.url, "records", "list", "--json")
    assert listed.code == 0 and listed.json() == []
