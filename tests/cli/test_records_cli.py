"""The record-keeping command line (issue 4, item 7): ``submit``, ``records``, ``drafts``, ``audit``,
``retention`` and ``db``, in-process through ``main`` and, for a few runs, as the installed script.

Exit codes: 0 ok; 1 refused or problems found (the findings say why); 2 bad usage or unreadable
input, with one line on stderr and no traceback. Every test runs on SQLite, and on PostgreSQL when
SHAREWISE_TEST_POSTGRES_URL is set (``database_url``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

CORE = "information-sharing-decision"
SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "scenarios"
SCENARIO_01 = SCENARIOS / "01-gp-shares-without-consent-child-at-risk.json"
NATIONAL_CLASS = "safeguarding-decision"
NATIONAL_REVIEW_ON = "2044-11-21"  # scenario 01: decided 2026-11-21, child aged 7
ENVIRONMENT = (
    "SHAREWISE_DATABASE_URL",
    "SHAREWISE_ACTOR",
    "SHAREWISE_RETENTION_DISPOSAL",
    "SHAREWISE_DRAFT_DAYS",
    "SHAREWISE_PLUGINS",
    "SHAREWISE_DEBUG",
)

Run = Callable[..., Any]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No settings from the surrounding shell; a default ./sharewise.db would land in tmp_path/cwd."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHAREWISE_ACTOR", "test.actor")
    working = tmp_path / "cwd"
    working.mkdir()
    monkeypatch.chdir(working)


@pytest.fixture
def answers() -> dict[str, Any]:
    """Valid answers with no findings (scenario 01)."""
    return json.loads(SCENARIO_01.read_text(encoding="utf-8"))["answers"]


@pytest.fixture
def sw(cli: Run, database_url: str) -> Run:
    """``sw("records", "list")``: the command line on this test's database, migrated first."""

    def run(*args: str | Path, **options: Any) -> Any:
        return cli("--database", database_url, *args, **options)

    upgraded = run("db", "upgrade")
    assert upgraded.code == 0, upgraded.err
    return run


@pytest.fixture
def files(write_json: Callable[..., Path], answers: dict[str, Any]) -> dict[str, Path]:
    """Answer files: valid, one warning (ISD-19), two warnings (ISD-8, ISD-19), an error (no purpose)."""
    without_purpose = {k: v for k, v in answers.items() if k != "purpose"}
    return {
        "valid": write_json(answers, "valid.json"),
        "letter": write_json({**answers, "share_method": "letter"}, "letter.json"),
        "two": write_json({**answers, "share_method": "letter", "minimum_necessary": False}, "two.json"),
        "error": write_json(without_purpose, "error.json"),
        "corrected": write_json({**answers, "shared_with": "Duty social worker A. Person, MASH"}, "corrected.json"),
    }


def submit_json(sw: Run, path: Path, *extra: str) -> dict[str, Any]:
    result = sw("submit", CORE, path, "--json", *extra)
    assert result.code == 0, result.out + result.err
    return result.json()


def audit_actions(sw: Run, record_id: str | None = None) -> list[str]:
    args = ["audit", "log", "--json"] + (["--record", record_id] if record_id else [])
    result = sw(*args)
    assert result.code == 0, result.err
    return [entry["action"] for entry in result.json()]


def one_line(result: Any, code: int = 2) -> str:
    assert result.code == code, f"expected exit {code}, got {result.code}: {result.out!r} {result.err!r}"
    assert "Traceback" not in result.out + result.err
    assert result.out == "", result.out
    assert len(result.err_lines) == 1, result.err
    return result.err_lines[0]


# ------------------------------------------------------------------------------ submit


def test_submit_prints_the_record(sw: Run, files: dict[str, Path]) -> None:
    result = sw("submit", CORE, files["valid"])

    assert result.code == 0, result.err
    assert result.err == ""
    first = result.out.splitlines()[0]
    assert first.startswith("Recorded ")
    record_id = first.removeprefix("Recorded ").strip()
    assert f"{CORE} v1" in result.out
    assert "review required: no" in result.out
    assert f"{NATIONAL_CLASS}, review on {NATIONAL_REVIEW_ON}" in result.out
    listed = sw("records", "list")
    assert listed.code == 0 and record_id in listed.out


def test_submit_json_has_the_record(sw: Run, files: dict[str, Path], answers: dict[str, Any]) -> None:
    doc = submit_json(sw, files["valid"])

    assert isinstance(doc["id"], str) and doc["id"]
    assert doc["replayed"] is False
    assert doc["form_id"] == CORE and doc["form_version"] == 1
    assert doc["answers"] == answers
    assert doc["findings"] == [] and doc["acknowledged_warnings"] == []
    assert doc["review_required"] is False
    assert doc["author"] == {"id": "test.actor"}  # SHAREWISE_ACTOR
    assert doc["host"] == "local"
    assert {"forms", "england"} <= set(doc["plugins"])
    assert (doc["retention_class"], doc["review_on"]) == (NATIONAL_CLASS, NATIONAL_REVIEW_ON)
    assert len(doc["content_hash"]) == 64
    dt.datetime.fromisoformat(doc["created_at"])
    (entry,) = sw("audit", "log", "--json").json()
    assert (entry["action"], entry["record_id"], entry["actor"]) == ("created", doc["id"], "test.actor")
    assert entry["detail"]["record_hash"] == doc["content_hash"]


def test_submit_with_an_unacknowledged_warning_is_refused(sw: Run, files: dict[str, Path]) -> None:
    result = sw("submit", CORE, files["letter"])

    assert result.code == 1
    assert "Not recorded" in result.out
    assert "ISD-19" in result.out.splitlines()[0]
    assert "share_method" in result.out
    doc = sw("submit", CORE, files["letter"], "--json").json()
    assert doc["recorded"] is False
    assert doc["unacknowledged"] == ["ISD-19"]
    assert [f["rule"] for f in doc["findings"] if f["severity"] == "warning"] == ["ISD-19"]
    assert "id" not in doc
    assert sw("records", "list", "--json").json() == []
    assert sw("audit", "log", "--json").json() == []


def test_submit_names_every_unacknowledged_warning(sw: Run, files: dict[str, Path]) -> None:
    none_acknowledged = sw("submit", CORE, files["two"], "--json")
    assert none_acknowledged.code == 1
    assert sorted(none_acknowledged.json()["unacknowledged"]) == ["ISD-19", "ISD-8"]
    text_report = sw("submit", CORE, files["two"])
    assert "ISD-19" in text_report.out.splitlines()[0] and "ISD-8" in text_report.out.splitlines()[0]

    one_acknowledged = sw("submit", CORE, files["two"], "--ack", "ISD-8", "--json")
    assert one_acknowledged.code == 1
    assert one_acknowledged.json()["unacknowledged"] == ["ISD-19"]

    both = submit_json(sw, files["two"], "--ack", "ISD-8", "--ack", "ISD-19")
    assert sorted(both["acknowledged_warnings"]) == ["ISD-19", "ISD-8"]
    assert both["review_required"] is True


def test_submit_with_errors_is_refused_listing_the_findings(sw: Run, files: dict[str, Path]) -> None:
    result = sw("submit", CORE, files["error"])

    assert result.code == 1
    assert "Not recorded" in result.out
    assert "purpose" in result.out and "error" in result.out
    doc = sw("submit", CORE, files["error"], "--json").json()
    assert doc["recorded"] is False
    assert doc["valid"] is False
    assert [f["field"] for f in doc["findings"] if f["severity"] == "error"] == ["purpose"]
    assert sw("records", "list", "--json").json() == []
    assert sw("audit", "log", "--json").json() == []


def test_acknowledging_a_warning_that_is_not_there_is_refused(sw: Run, files: dict[str, Path]) -> None:
    result = sw("submit", CORE, files["valid"], "--ack", "ISD-19", "--json")

    assert result.code == 1
    doc = result.json()
    assert doc["recorded"] is False
    assert doc["unexpected_acknowledgements"] == ["ISD-19"]
    assert "ISD-19" in doc["reason"]
    assert sw("records", "list", "--json").json() == []


def test_acknowledged_warning_is_recorded_and_listed_for_review(sw: Run, files: dict[str, Path]) -> None:
    plain = submit_json(sw, files["valid"])
    flagged = submit_json(sw, files["letter"], "--ack", "ISD-19")

    assert flagged["review_required"] is True
    assert flagged["acknowledged_warnings"] == ["ISD-19"]
    assert [f["rule"] for f in flagged["findings"]] == ["ISD-19"]
    listed = sw("records", "list", "--review-required", "--json").json()
    assert [r["id"] for r in listed] == [flagged["id"]]
    text_list = sw("records", "list", "--review-required")
    assert flagged["id"] in text_list.out and plain["id"] not in text_list.out
    assert "review required" in text_list.out
    everything = sw("records", "list", "--json").json()
    assert [r["id"] for r in everything] == [plain["id"], flagged["id"]]
    readable = sw("submit", CORE, files["letter"], "--ack", "ISD-19")
    assert readable.code == 0 and "acknowledged ISD-19" in readable.out


def test_idempotency_key_returns_the_first_record(sw: Run, files: dict[str, Path]) -> None:
    first = submit_json(sw, files["valid"], "--idempotency-key", "form-42")
    again = submit_json(sw, files["valid"], "--idempotency-key", "form-42")

    assert again["id"] == first["id"]
    assert (first["replayed"], again["replayed"]) == (False, True)
    readable = sw("submit", CORE, files["valid"], "--idempotency-key", "form-42")
    assert readable.code == 0
    assert first["id"] in readable.out and "Already recorded" in readable.out
    assert len(sw("records", "list", "--json").json()) == 1
    assert audit_actions(sw) == ["created"]


def test_idempotency_conflict_is_one_line_exit_2(sw: Run, files: dict[str, Path]) -> None:
    first = submit_json(sw, files["valid"], "--idempotency-key", "form-43")

    line = one_line(sw("submit", CORE, files["corrected"], "--idempotency-key", "form-43"))

    assert "form-43" in line and first["id"] in line
    assert len(sw("records", "list", "--json").json()) == 1


def test_submit_accepts_an_envelope_with_its_plugins(sw: Run, write_json: Callable[..., Path]) -> None:
    scenario = json.loads((SCENARIOS / "20-liverpool-early-help-shared-without-consent.json").read_text(encoding="utf-8"))
    path = write_json({"form": CORE, "plugins": ["liverpool"], "answers": scenario["answers"]}, "envelope.json")

    doc = submit_json(sw, path, "--ack", "LIV-1")

    assert "liverpool" in doc["plugins"]
    assert doc["retention_class"] == "early_help"


# ------------------------------------------------------------------------------ records show / list


def test_records_show_writes_a_viewed_entry(sw: Run, files: dict[str, Path], answers: dict[str, Any]) -> None:
    record = submit_json(sw, files["valid"])

    shown = sw("records", "show", record["id"], "--json")

    assert shown.code == 0, shown.err
    doc = shown.json()
    assert doc["id"] == record["id"]
    assert doc["answers"] == answers
    assert doc["versions"] == [record["id"]]
    assert doc["legal_hold"] is None
    assert doc["content_hash"] == record["content_hash"]
    assert doc["superseded_by"] is None
    entries = sw("audit", "log", "--record", record["id"], "--json").json()
    assert [e["action"] for e in entries] == ["created", "viewed"]
    assert entries[1]["actor"] == "test.actor"

    readable = sw("records", "show", record["id"])
    assert readable.code == 0
    assert record["id"] in readable.out
    assert answers["purpose"] in readable.out
    assert record["content_hash"] in readable.out
    assert audit_actions(sw, record["id"]) == ["created", "viewed", "viewed"]


def test_records_list_text_and_empty(sw: Run, files: dict[str, Path]) -> None:
    empty = sw("records", "list")
    assert empty.code == 0 and "no records" in empty.out
    assert sw("records", "list", "--json").json() == []

    record = submit_json(sw, files["valid"])
    listed = sw("records", "list")
    assert listed.code == 0
    assert record["id"] in listed.out and f"{CORE} v1" in listed.out


def test_unknown_record_id_is_one_line_exit_2(sw: Run) -> None:
    line = one_line(sw("records", "show", "no-such-record"))
    assert "no-such-record" in line
    assert sw("audit", "log", "--json").json() == []  # nothing was viewed


# ------------------------------------------------------------------------------ amend


def test_amend_supersedes_with_a_reason_and_both_stay_readable(sw: Run, files: dict[str, Path], answers: dict[str, Any]) -> None:
    original = submit_json(sw, files["valid"])

    result = sw("records", "amend", original["id"], files["corrected"], "--reason", "Named the social worker", "--json")

    assert result.code == 0, result.out + result.err
    new = result.json()
    assert new["id"] != original["id"]
    assert new["supersedes"] == original["id"]
    assert new["amendment_reason"] == "Named the social worker"
    assert new["answers"]["shared_with"] == "Duty social worker A. Person, MASH"
    assert new["replayed"] is False

    old = sw("records", "show", original["id"], "--json").json()
    assert old["answers"] == answers
    assert old["superseded_by"] == new["id"]
    assert old["versions"] == [original["id"], new["id"]]
    latest = sw("records", "show", new["id"], "--json").json()
    assert latest["versions"] == [original["id"], new["id"]]
    readable = sw("records", "show", original["id"])
    assert f"superseded by {new['id']}" in readable.out
    assert "Named the social worker" in readable.out

    entries = sw("audit", "log", "--json").json()
    amended = [e for e in entries if e["action"] == "amended"]
    assert [e["record_id"] for e in amended] == [new["id"]]
    assert amended[0]["detail"]["record_hash"] == new["content_hash"]
    assert amended[0]["detail"]["supersedes"] == original["id"]
    assert sw("audit", "verify").code == 0


def test_amend_text_output(sw: Run, files: dict[str, Path]) -> None:
    original = submit_json(sw, files["valid"])

    result = sw("records", "amend", original["id"], files["corrected"], "--reason", "Named the social worker")

    assert result.code == 0
    assert result.out.startswith("Recorded ")
    assert f"amends {original['id']}: Named the social worker" in result.out


def test_amending_a_superseded_record_is_refused_naming_the_latest(sw: Run, files: dict[str, Path]) -> None:
    original = submit_json(sw, files["valid"])
    new = sw("records", "amend", original["id"], files["corrected"], "--reason", "first", "--json").json()

    line = one_line(sw("records", "amend", original["id"], files["valid"], "--reason", "second"))

    assert new["id"] in line
    assert len(sw("records", "list", "--json").json()) == 2


def test_amend_needs_a_reason(sw: Run, files: dict[str, Path]) -> None:
    original = submit_json(sw, files["valid"])

    missing = sw("records", "amend", original["id"], files["corrected"])
    assert missing.code == 2
    assert "--reason" in missing.err
    assert "Traceback" not in missing.err
    blank = one_line(sw("records", "amend", original["id"], files["corrected"], "--reason", "   "))
    assert "reason" in blank
    assert len(sw("records", "list", "--json").json()) == 1


def test_amend_with_a_warning_needs_the_acknowledgement(sw: Run, files: dict[str, Path]) -> None:
    original = submit_json(sw, files["valid"])

    refused = sw("records", "amend", original["id"], files["letter"], "--reason", "sent by letter", "--json")
    assert refused.code == 1
    assert refused.json()["recorded"] is False
    assert refused.json()["unacknowledged"] == ["ISD-19"]

    done = sw("records", "amend", original["id"], files["letter"], "--reason", "sent by letter", "--ack", "ISD-19", "--json")
    assert done.code == 0
    assert done.json()["review_required"] is True


def test_amend_accepts_an_envelope_like_submit(sw: Run, files: dict[str, Path], write_json: Callable[..., Path]) -> None:
    """``records amend ID ANSWERS.json`` takes the same answer files as ``submit FORM ANSWERS.json``."""
    scenario_envelope = write_json(json.loads(SCENARIO_01.read_text(encoding="utf-8")), "scenario.json")
    assert sw("submit", CORE, scenario_envelope).code == 0
    original = submit_json(sw, files["valid"])

    result = sw("records", "amend", original["id"], scenario_envelope, "--reason", "restated from the scenario file")

    assert result.code == 0, result.out[:400] + result.err


def test_amend_unknown_record_is_one_line_exit_2(sw: Run, files: dict[str, Path]) -> None:
    line = one_line(sw("records", "amend", "no-such-record", files["valid"], "--reason", "fix"))
    assert "no-such-record" in line


# ------------------------------------------------------------------------------ legal holds


def test_hold_and_release(sw: Run, files: dict[str, Path]) -> None:
    record = submit_json(sw, files["valid"])

    held = sw("records", "hold", record["id"], "--reason", "Litigation: claim 123")
    assert held.code == 0, held.err
    assert "legal hold" in held.out
    hold = sw("records", "show", record["id"], "--json").json()["legal_hold"]
    assert hold["reason"] == "Litigation: claim 123"
    assert hold["placed_by"] == "test.actor"
    assert "Litigation: claim 123" in sw("records", "show", record["id"]).out

    twice = one_line(sw("records", "hold", record["id"], "--reason", "again"))
    assert "already on legal hold" in twice

    released = sw("records", "release", record["id"], "--reason", "Claim settled")
    assert released.code == 0, released.err
    assert sw("records", "show", record["id"], "--json").json()["legal_hold"] is None
    not_held = one_line(sw("records", "release", record["id"], "--reason", "again"))
    assert "not on legal hold" in not_held

    entries = sw("audit", "log", "--record", record["id"], "--json").json()
    assert [e["action"] for e in entries if e["action"] in ("held", "released")] == ["held", "released"]
    assert [e["detail"]["reason"] for e in entries if e["action"] in ("held", "released")] == [
        "Litigation: claim 123",
        "Claim settled",
    ]
    assert sw("audit", "verify").code == 0


def test_hold_unknown_record_is_one_line_exit_2(sw: Run) -> None:
    assert "no-such-record" in one_line(sw("records", "hold", "no-such-record", "--reason", "x"))


# ------------------------------------------------------------------------------ drafts


def test_draft_saved_resumed_and_submitted_becomes_a_record(
    sw: Run, write_json: Callable[..., Path], answers: dict[str, Any]
) -> None:
    partial = {k: answers[k] for k in ("trigger", "sharer_agency_type", "purpose")}

    saved = sw("drafts", "save", CORE, write_json(partial, "partial.json"), "--json")
    assert saved.code == 0, saved.out + saved.err
    draft = saved.json()
    assert draft["form"] == {"id": CORE, "version": 1}
    assert draft["answers"] == partial
    listed = sw("drafts", "list", "--json").json()
    assert [d["id"] for d in listed] == [draft["id"]]
    assert draft["id"] in sw("drafts", "list").out
    shown = sw("drafts", "show", draft["id"])
    assert shown.code == 0 and json.loads(shown.out) == partial

    # Incomplete answers cannot be submitted; the draft stays.
    refused = sw("drafts", "submit", draft["id"], "--json")
    assert refused.code == 1
    assert refused.json()["recorded"] is False
    assert sw("drafts", "show", draft["id"]).code == 0
    assert sw("records", "list", "--json").json() == []

    # Resume: replace the answers, then submit.
    resumed = sw("drafts", "save", CORE, write_json(answers, "complete.json"), "--id", draft["id"], "--json")
    assert resumed.code == 0 and resumed.json()["id"] == draft["id"]
    submitted = sw("drafts", "submit", draft["id"], "--json")
    assert submitted.code == 0, submitted.out + submitted.err
    record = submitted.json()
    assert record["answers"] == answers
    assert [r["id"] for r in sw("records", "list", "--json").json()] == [record["id"]]

    # The draft is gone.
    assert sw("drafts", "list", "--json").json() == []
    assert draft["id"] in one_line(sw("drafts", "show", draft["id"]))
    assert sw("audit", "verify").code == 0


def test_draft_submit_with_a_warning_needs_the_acknowledgement(
    sw: Run, write_json: Callable[..., Path], answers: dict[str, Any]
) -> None:
    draft = sw("drafts", "save", CORE, write_json({**answers, "share_method": "letter"}), "--json").json()

    refused = sw("drafts", "submit", draft["id"])
    assert refused.code == 1 and "ISD-19" in refused.out
    done = sw("drafts", "submit", draft["id"], "--ack", "ISD-19", "--json")
    assert done.code == 0
    assert done.json()["review_required"] is True
    assert sw("drafts", "list", "--json").json() == []


def test_draft_with_shape_problems_is_not_saved(sw: Run, write_json: Callable[..., Path]) -> None:
    result = sw("drafts", "save", CORE, write_json({"child_age": "seven", "no_such_question": 1}), "--json")

    assert result.code == 1
    doc = result.json()
    assert doc["saved"] is False
    assert {f["field"] for f in doc["findings"]} >= {"child_age"}
    assert sw("drafts", "list", "--json").json() == []
    readable = sw("drafts", "save", CORE, write_json({"child_age": "seven"}))
    assert readable.code == 1 and "Not saved" in readable.out


def test_draft_discard(sw: Run, write_json: Callable[..., Path]) -> None:
    draft = sw("drafts", "save", CORE, write_json({"trigger": "own_concern"}), "--json").json()

    discarded = sw("drafts", "discard", draft["id"])

    assert discarded.code == 0 and draft["id"] in discarded.out
    assert sw("drafts", "list", "--json").json() == []
    assert "no drafts" in sw("drafts", "list").out
    assert draft["id"] in one_line(sw("drafts", "discard", draft["id"]))
    assert sw("records", "list", "--json").json() == []


def test_purge_expired_deletes_expired_drafts(sw: Run, database_url: str, engine: Any) -> None:
    from sharewise.core.drafts import Drafts
    from sharewise.core.store import Store

    store = Store(database_url)
    try:
        now = dt.datetime.now(dt.UTC)
        fresh = Drafts(engine, store, days=30, clock=lambda: now).save(CORE, {"trigger": "own_concern"})
        long_ago = Drafts(engine, store, days=30, clock=lambda: now - dt.timedelta(days=60))
        old = long_ago.save(CORE, {"trigger": "own_concern"})
        long_ago.save(CORE, {"trigger": "request_received"})
    finally:
        store.close()
    # Expired drafts are neither listed nor shown.
    assert [d["id"] for d in sw("drafts", "list", "--json").json()] == [fresh.id]
    assert "expired" in one_line(sw("drafts", "show", old.id))

    purged = sw("drafts", "purge-expired")

    assert purged.code == 0, purged.err
    assert "deleted 2 expired draft" in purged.out
    assert "deleted 0 expired draft" in sw("drafts", "purge-expired").out
    assert [d["id"] for d in sw("drafts", "list", "--json").json()] == [fresh.id]
    assert old.id in one_line(sw("drafts", "show", old.id))


# ------------------------------------------------------------------------------ audit


def test_audit_verify_and_log(sw: Run, files: dict[str, Path]) -> None:
    empty = sw("audit", "verify", "--json")
    assert empty.code == 0 and empty.json()["intact"] is True

    a = submit_json(sw, files["valid"])
    b = submit_json(sw, files["letter"], "--ack", "ISD-19")
    sw("records", "show", a["id"])

    verified = sw("audit", "verify")
    assert verified.code == 0
    assert verified.out.startswith("intact")
    doc = sw("audit", "verify", "--json").json()
    assert doc["intact"] is True and doc["problem"] is None
    assert (doc["entries"], doc["records"]) == (3, 2)

    log = sw("audit", "log", "--json").json()
    assert [(e["seq"], e["action"], e["record_id"]) for e in log] == [
        (1, "created", a["id"]),
        (2, "created", b["id"]),
        (3, "viewed", a["id"]),
    ]
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(log))
    assert doc["head_hash"] == log[-1]["hash"]
    only_b = sw("audit", "log", "--record", b["id"], "--json").json()
    assert [(e["action"], e["record_id"]) for e in only_b] == [("created", b["id"])]
    readable = sw("audit", "log")
    assert readable.code == 0
    assert len(readable.out.splitlines()) == 3
    assert "viewed" in readable.out and "test.actor" in readable.out


def test_audit_verify_finds_an_altered_record(sw: Run, database_url: str, files: dict[str, Path]) -> None:
    from sharewise.core.store import Store

    record = submit_json(sw, files["valid"])
    store = Store(database_url)
    try:
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE records SET host = 'elsewhere' WHERE id = :id"), {"id": record["id"]})
    finally:
        store.close()

    result = sw("audit", "verify")

    assert result.code == 1
    assert "NOT INTACT" in result.out and record["id"] in result.out


# ------------------------------------------------------------------------------ retention


def test_retention_due(sw: Run, files: dict[str, Path]) -> None:
    record = submit_json(sw, files["valid"])

    assert sw("retention", "due", "--as-of", "2030-01-01", "--json").json() == []
    assert "nothing is due" in sw("retention", "due", "--as-of", "2030-01-01").out
    due = sw("retention", "due", "--as-of", "2050-01-01", "--json")
    assert due.code == 0
    assert due.json() == [
        {
            "record_id": record["id"],
            "form_id": CORE,
            "retention_class": NATIONAL_CLASS,
            "review_on": NATIONAL_REVIEW_ON,
            "action": "review",
            "legal_hold": None,
        }
    ]
    assert record["id"] in sw("retention", "due", "--as-of", "2050-01-01").out


def test_retention_apply_without_a_policy_leaves_records_for_review(sw: Run, files: dict[str, Path]) -> None:
    record = submit_json(sw, files["valid"])

    result = sw("retention", "apply", "--as-of", "2050-01-01", "--json")

    assert result.code == 0
    assert result.json() == {"disposed": [], "refused": [], "awaiting_review": [record["id"]]}
    assert sw("records", "show", record["id"], "--json").code == 0


def test_retention_apply_deletes_due_records_but_not_held_ones(
    sw: Run, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    doomed = submit_json(sw, files["valid"])
    held = submit_json(sw, files["corrected"])
    assert sw("records", "hold", held["id"], "--reason", "Subject access request pending").code == 0
    monkeypatch.setenv("SHAREWISE_RETENTION_DISPOSAL", f"{NATIONAL_CLASS}=delete")

    due = sw("retention", "due", "--as-of", "2050-01-01", "--json").json()
    assert {d["record_id"]: (d["action"], d["legal_hold"]) for d in due} == {
        doomed["id"]: ("delete", None),
        held["id"]: ("delete", "Subject access request pending"),
    }
    result = sw("retention", "apply", "--as-of", "2050-01-01", "--json")

    assert result.code == 0, result.err
    report = result.json()
    assert report["disposed"] == [{"record_id": doomed["id"], "action": "delete"}]
    assert report["refused"] == [{"record_id": held["id"], "legal_hold": "Subject access request pending"}]
    assert doomed["id"] in one_line(sw("records", "show", doomed["id"]))
    assert sw("records", "show", held["id"], "--json").code == 0
    purged = [e for e in sw("audit", "log", "--json").json() if e["action"] == "purged"]
    assert [e["record_id"] for e in purged] == [doomed["id"]]
    assert purged[0]["detail"]["record_hash"] == doomed["content_hash"]
    assert sw("audit", "verify").code == 0
    assert [d["record_id"] for d in sw("retention", "due", "--as-of", "2050-01-01", "--json").json()] == [held["id"]]


def test_retention_apply_anonymises(
    sw: Run, files: dict[str, Path], answers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    record = submit_json(sw, files["valid"])
    monkeypatch.setenv("SHAREWISE_RETENTION_DISPOSAL", f"{NATIONAL_CLASS}=anonymise")

    result = sw("retention", "apply", "--as-of", "2050-01-01")

    assert result.code == 0, result.err
    assert f"anonymised {record['id']}" in result.out
    doc = sw("records", "show", record["id"], "--json").json()
    assert doc["disposal"] == "anonymised"
    assert "purpose" not in doc["answers"]  # free text removed
    assert doc["answers"]["decision"] == answers["decision"]  # coded answers kept
    assert doc["author"] == {} and doc["context"] == {}
    assert sw("audit", "verify").code == 0
    assert sw("retention", "due", "--as-of", "2050-01-01", "--json").json() == []


def test_retention_policy_that_cannot_be_read_is_one_line_exit_2(sw: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREWISE_RETENTION_DISPOSAL", f"{NATIONAL_CLASS}=shred")
    assert "SHAREWISE_RETENTION_DISPOSAL" in one_line(sw("retention", "apply", "--as-of", "2050-01-01"))


# ------------------------------------------------------------------------------ db


def test_db_upgrade_and_current(cli: Run, database_url: str) -> None:
    first = cli("--database", database_url, "db", "upgrade")
    assert first.code == 0, first.err
    assert "migrated from an empty database to schema revision" in first.out
    revision = first.out.strip().rsplit(" ", 1)[-1]
    again = cli("--database", database_url, "db", "upgrade")
    assert again.code == 0 and f"already at schema revision {revision}" in again.out
    current = cli("--database", database_url, "db", "current")
    assert current.code == 0
    assert f"schema revision {revision} (this sharewise needs {revision})" in current.out


def test_an_unmigrated_postgresql_database_is_one_line_exit_2(cli: Run, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        # The embedded default sets up an empty SQLite file on first use.
        assert cli("--database", database_url, "records", "list", "--json").json() == []
        return
    line = one_line(cli("--database", database_url, "records", "list"))
    assert "sharewise db upgrade" in line
    none = cli("--database", database_url, "db", "current")
    assert none.code == 0 and "schema revision none" in none.out


def test_database_from_the_environment(
    cli: Run, sw: Run, database_url: str, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHAREWISE_DATABASE_URL", database_url)

    result = cli("submit", CORE, files["valid"], "--json")

    assert result.code == 0, result.err
    record_id = result.json()["id"]
    assert [r["id"] for r in sw("records", "list", "--json").json()] == [record_id]
    assert cli("records", "show", record_id, "--json").json()["id"] == record_id
    assert not Path("sharewise.db").exists()


def test_database_option_overrides_the_environment(
    cli: Run, sw: Run, database_url: str, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHAREWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'from-environment.db'}")

    record = submit_json(sw, files["valid"])

    assert [r["id"] for r in sw("records", "list", "--json").json()] == [record["id"]]
    assert cli("records", "list", "--json").json() == []  # the environment's database is another one


# ------------------------------------------------------------------------------ input errors


def test_missing_answers_file_is_one_line_exit_2(sw: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    for args in (("submit", CORE, missing), ("drafts", "save", CORE, missing)):
        assert "nowhere.json" in one_line(sw(*args))
    assert sw("records", "list", "--json").json() == []


def test_invalid_json_is_one_line_exit_2(sw: Run, tmp_path: Path, files: dict[str, Path]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"trigger": "own_concern",', encoding="utf-8")
    record = submit_json(sw, files["valid"])

    for args in (
        ("submit", CORE, broken),
        ("records", "amend", record["id"], broken, "--reason", "fix"),
        ("drafts", "save", CORE, broken),
    ):
        assert "broken.json" in one_line(sw(*args)), args
    assert len(sw("records", "list", "--json").json()) == 1


def test_unknown_form_is_one_line_exit_2(sw: Run, files: dict[str, Path]) -> None:
    assert "no-such-form" in one_line(sw("submit", "no-such-form", files["valid"]))


def test_database_in_a_missing_directory_is_one_line_exit_2(cli: Run, tmp_path: Path, files: dict[str, Path]) -> None:
    target = tmp_path / "no-such-directory" / "sharewise.db"
    for database in (f"sqlite:///{target}", str(target)):
        for args in (("records", "list"), ("submit", CORE, files["valid"]), ("audit", "verify")):
            line = one_line(cli("--database", database, *args))
            assert "no-such-directory" in line, line
    assert not target.parent.exists()


def test_unreachable_postgresql_is_one_line_exit_2(cli: Run) -> None:
    line = one_line(cli("--database", "postgresql://nobody@127.0.0.1:1/none", "records", "list"))
    assert "127.0.0.1" in line


def test_database_url_that_cannot_be_used_is_one_line_exit_2(cli: Run) -> None:
    one_line(cli("--database", "nosuchdriver://host/db", "records", "list"))


# ------------------------------------------------------------------------------ the installed script


def test_console_script_submits_and_verifies(script: Run, cli: Run, database_url: str, files: dict[str, Path]) -> None:
    assert cli("--database", database_url, "db", "upgrade").code == 0
    env = {"SHAREWISE_DATABASE_URL": database_url, "SHAREWISE_ACTOR": "script.actor"}

    submitted = script("submit", CORE, files["letter"], "--ack", "ISD-19", "--idempotency-key", "s-1", "--json", env=env)

    assert submitted.code == 0, submitted.err
    doc = submitted.json()
    assert doc["replayed"] is False and doc["review_required"] is True
    assert doc["author"] == {"id": "script.actor"}
    verified = script("audit", "verify", env=env)
    assert verified.code == 0 and verified.out.startswith("intact: 1 audit entries, 1 records"), verified.out + verified.err
    assert cli("--database", database_url, "records", "show", doc["id"], "--json").json()["id"] == doc["id"]


def test_console_script_errors_are_one_line(script: Run, tmp_path: Path, files: dict[str, Path]) -> None:
    result = script("--database", str(tmp_path / "missing-dir" / "x.db"), "records", "show", "abc")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1 and "missing-dir" in result.err
