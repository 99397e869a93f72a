"""``sharewise import`` (issue 5 item 6): records another deployment exported come back identical.

Every export form (line-delimited JSON, one pretty JSON record from ``records show``, a bulk XML
``records`` document, one XML ``record``) imports into a fresh database with the same ids, content and
hashes, an "imported" audit entry each, and an intact audit chain. An import is all or nothing: a record
changed after export, a conflict with a record already here, or one bad record among good ones refuses
the whole file, naming the line or item. Importing the same file again imports nothing new.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sharewise.adapters.exports.importer import import_records, read_records
from sharewise.adapters.exports.record_json import record_to_json
from sharewise.adapters.exports.record_xml import NSMAP, q, record_element
from sharewise.core.canonical import content_hash
from sharewise.core.errors import InvalidInput
from sharewise.core.record import Record

CORE = "information-sharing-decision"
Run = Callable[..., Any]


def scenario_answers(valid_scenarios: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    return next(s for s in valid_scenarios if s["file"].startswith(prefix))["answers"]


@pytest.fixture
def exported_records(
    store: Any,
    make_record: Callable[..., Record],
    amend_record: Callable[..., Record],
    anonymise_record: Callable[[Record], Record],
    valid_scenarios: list[dict[str, Any]],
) -> list[Record]:
    """Records of several forms in this test's store — a chain, rich context, an anonymised one — in commit order."""
    base = scenario_answers(valid_scenarios, "01")
    make_record(CORE, base, context={"case_ref": "CS-1", "subject": {"name": "Zoë", "nhs_number": "9434765919"}})
    make_record("csods-disclosure", scenario_answers(valid_scenarios, "18"), author={"id": "pc.example", "name": "PC Ä"})
    make_record("dvds-disclosure", scenario_answers(valid_scenarios, "15"), host="police-force")
    make_record(CORE, scenario_answers(valid_scenarios, "20"), plugins=["liverpool"], context={"case_ref": "LCC-9"})
    original = make_record(CORE, base, context={"case_ref": "CS-2", "odd": "bell\x07"})
    amend_record(original, {**base, "shared_with": "Duty social worker A. Person, MASH"}, reason="Wrong recipient")
    doomed = make_record(CORE, base, context={"case_ref": "CS-3"}, author={"id": "someone"})
    anonymise_record(doomed)
    return list(store.iter_records())


#: The session's sample records (see conftest) written into export files for the refusal tests.
FILE_SAMPLES = ["scenario-01", "scenario-18", "scenario-17", "scenario-20", "original", "amended", "anonymised", "rich"]


@pytest.fixture
def sample_export(sample_records: dict[str, Record], tmp_path: Path) -> tuple[Path, list[Record]]:
    """A line-delimited JSON export of the sample records (made elsewhere), and those records."""
    records = [sample_records[name] for name in FILE_SAMPLES]
    path = tmp_path / "samples.jsonl"
    _write_lines(path, [record_to_json(r) for r in records])
    return path, records


def export_file(sw: Run, tmp_path: Path, format_name: str, name: str) -> Path:
    path = tmp_path / name
    result = sw("export", "--format", format_name, "--out", path)
    assert result.code == 0, result.err
    return path


def import_into(cli: Run, url: str, path: Path, *extra: str) -> Any:
    return cli("--database", url, "import", path, *extra)


def snapshot(store: Any) -> tuple[int, int, str]:
    verification = store.verify()
    return store.count(), verification.entries, verification.head_hash


def assert_refused(result: Any, *expected: str) -> str:
    assert result.code == 2, f"exit {result.code}: {result.out!r} {result.err!r}"
    assert "Traceback" not in result.out + result.err
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    for text in expected:
        assert text in result.err, f"{text!r} not in {result.err!r}"
    return result.err


def assert_same_records(fresh: Any, records: list[Record], same_record: Callable[[Record, Record], bool]) -> None:
    imported = list(fresh.iter_records())
    assert [r.id for r in imported] == [r.id for r in records]
    for got, want in zip(imported, records, strict=True):
        assert same_record(got, want), got.id
        if want.disposal is None:
            assert got.compute_hash() == want.content_hash
    verification = fresh.verify()
    assert verification.intact, verification.problem
    assert verification.records == len(records)


# ------------------------------------------------------------------------------ every export form comes back identical


@pytest.mark.parametrize(("format_name", "name"), [("json", "export.jsonl"), ("xml", "export.xml")])
def test_a_bulk_export_imports_into_a_fresh_database_unchanged(
    format_name: str,
    name: str,
    sw: Run,
    cli: Run,
    store: Any,
    fresh_store: Any,
    fresh_database_url: str,
    exported_records: list[Record],
    same_record: Callable[[Record, Record], bool],
    tmp_path: Path,
) -> None:
    path = export_file(sw, tmp_path, format_name, name)

    result = import_into(cli, fresh_database_url, path, "--json")

    assert result.code == 0, result.err
    assert result.json() == {"imported": [r.id for r in exported_records], "already_present": []}
    assert_same_records(fresh_store, exported_records, same_record)
    for record in exported_records:
        entries = fresh_store.audit_entries(record_id=record.id)
        actions = [e.action for e in entries]
        assert actions[0] == "imported"
        assert entries[0].detail["record_hash"] == record.content_hash
        assert entries[0].detail["source"] == name
        assert entries[0].actor == "export.tester"
        assert actions == (["imported", "purged"] if record.disposal else ["imported"])
    # the chain survives: the amendment still supersedes the original, and both are readable
    amended = next(r for r in exported_records if r.supersedes)
    chain = fresh_store.chain(amended.id)
    assert [r.id for r in chain] == [amended.supersedes, amended.id]
    assert chain[0].superseded_by == amended.id
    # an anonymised record stays anonymised, with only its coded answers
    gone = next(r for r in exported_records if r.disposal)
    assert fresh_store.get(gone.id).disposal == "anonymised"
    assert fresh_store.get(gone.id).context == {}


def test_exporting_the_imported_records_gives_the_same_export(
    sw: Run, cli: Run, fresh_database_url: str, fresh_store: Any, exported_records: list[Record], tmp_path: Path
) -> None:
    first = export_file(sw, tmp_path, "json", "first.jsonl")
    assert import_into(cli, fresh_database_url, first).code == 0

    again = cli("--database", fresh_database_url, "export", "--format", "json")

    assert again.code == 0, again.err
    assert again.out.encode("utf-8") == first.read_bytes()


@pytest.mark.parametrize("format_name", ["json", "xml"])
def test_one_record_from_records_show_imports(
    format_name: str,
    sw: Run,
    cli: Run,
    fresh_database_url: str,
    fresh_store: Any,
    make_record: Callable[..., Record],
    base_answers: dict[str, Any],
    same_record: Callable[[Record, Record], bool],
    tmp_path: Path,
) -> None:
    record = make_record(CORE, base_answers, context={"case_ref": "CS-1", "subject": {"name": "Zoë"}}, author={"id": "dr.a"})
    shown = sw("records", "show", record.id, "--format", format_name)
    assert shown.code == 0, shown.err
    if format_name == "json":
        assert shown.out.startswith("{\n  ")  # pretty, one document
    path = tmp_path / f"one.{format_name}"
    path.write_text(shown.out, encoding="utf-8")

    result = import_into(cli, fresh_database_url, path)

    assert result.code == 0, result.err
    assert result.out.strip() == f"imported 1 record(s) from {path}; 0 already present"
    assert_same_records(fresh_store, [record], same_record)


def test_a_json_array_of_records_imports(
    store: Any, sample_records: dict[str, Record], same_record: Callable[[Record, Record], bool]
) -> None:
    records = [sample_records[name] for name in FILE_SAMPLES]
    data = json.dumps([record_to_json(r) for r in records], indent=1).encode("utf-8")

    batch = read_records(data, source="array.json")
    report = import_records(store, batch, actor="importer", now=dt.datetime.now(dt.UTC), source="array.json")

    assert report.imported == [r.id for r in records]
    assert_same_records(store, records, same_record)


@pytest.mark.parametrize("value", [-0.0, 1e300, 1.0e-300], ids=["negative zero", "huge float", "tiny float"])
def test_a_record_with_any_json_number_imports_with_its_hash_intact(
    value: float,
    sw: Run,
    store: Any,
    sample_records: dict[str, Record],
    same_record: Callable[[Record, Record], bool],
    tmp_path: Path,
) -> None:
    """A host's context is JSON: whatever number it holds, the imported record must still match its hash
    (PostgreSQL's jsonb turns -0.0 into 0.0 and 1e300 into an integer; the canonical JSON then differs)."""
    original = sample_records["scenario-01"]
    changed = dataclasses.replace(original, context={"case_ref": "CS-9", "score": value})
    record = dataclasses.replace(changed, content_hash=changed.compute_hash())
    path = tmp_path / "numbers.jsonl"
    _write_lines(path, [record_to_json(record)])

    result = sw("import", path)

    assert result.code == 0, result.err
    assert_same_records(store, [record], same_record)


# ------------------------------------------------------------------------------ importing again


@pytest.mark.parametrize("format_name", ["json", "xml"])
def test_importing_twice_imports_nothing_new(
    format_name: str,
    sw: Run,
    store: Any,
    sample_export: tuple[Path, list[Record]],
    sample_records: dict[str, Record],
    form_of: Callable[[Record], Any],
    tmp_path: Path,
) -> None:
    path, records = sample_export
    if format_name == "xml":
        path = write_bulk_xml(tmp_path / "samples.xml", records, form_of)
    assert sw("import", path).code == 0
    before = snapshot(store)

    again = sw("import", path, "--json")

    assert again.code == 0, again.err
    assert again.json() == {"imported": [], "already_present": [r.id for r in records]}
    assert snapshot(store) == before
    plain = sw("import", path)
    assert plain.out.strip() == f"imported 0 record(s) from {path}; {len(records)} already present"
    assert snapshot(store) == before


def test_importing_into_the_database_it_came_from_changes_nothing(
    sw: Run, store: Any, make_record: Callable[..., Record], base_answers: dict[str, Any], tmp_path: Path
) -> None:
    made = [make_record(CORE, base_answers), make_record(CORE, base_answers, context={"case_ref": "CS-2"})]
    path = export_file(sw, tmp_path, "xml", "export.xml")
    count = store.count()

    result = sw("import", path, "--json")

    assert result.code == 0, result.err
    assert result.json() == {"imported": [], "already_present": [r.id for r in made]}
    assert store.count() == count
    assert [e.action for e in store.audit_entries()].count("imported") == 0
    assert store.verify().intact


# ------------------------------------------------------------------------------ all or nothing


def write_bulk_xml(path: Path, records: list[Record], form_of: Callable[[Record], Any]) -> Path:
    bulk = etree.Element(q("records"), nsmap=NSMAP)
    for record in records:
        bulk.append(record_element(record, form_of(record)))
    path.write_bytes(etree.tostring(bulk, pretty_print=True, xml_declaration=True, encoding="UTF-8"))
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def _rehash(data: dict[str, Any]) -> dict[str, Any]:
    """The record with a content hash that matches its (changed) content — a forger's export."""
    content = {k: v for k, v in data.items() if k not in ("content_hash", "disposal", "remaining_hash")}
    return {**data, "content_hash": content_hash(content)}


def test_a_record_changed_after_export_refuses_the_file(sw: Run, store: Any, sample_export: tuple[Path, list[Record]]) -> None:
    path, _ = sample_export
    records = _lines(path)
    records[2]["answers"]["decision_reasons"] = "Edited after export."
    _write_lines(path, records)

    err = assert_refused(sw("import", path), records[2]["id"], "changed after export", "line 3")

    assert str(path) in err
    assert store.count() == 0 and store.audit_entries() == []


def test_an_xml_record_changed_after_export_refuses_the_file(
    sw: Run, store: Any, sample_records: dict[str, Record], form_of: Callable[[Record], Any], tmp_path: Path
) -> None:
    records = [sample_records[name] for name in FILE_SAMPLES]
    path = write_bulk_xml(tmp_path / "samples.xml", records, form_of)
    text = path.read_text(encoding="utf-8").replace("<code>share</code>", "<code>do_not_share</code>", 1)
    path.write_text(text, encoding="utf-8")

    assert_refused(sw("import", path), records[0].id, "changed after export")

    assert store.count() == 0


def test_an_anonymised_record_changed_after_export_is_refused(
    sw: Run, store: Any, sample_export: tuple[Path, list[Record]]
) -> None:
    """What remains of an anonymised record is evidence too (its coded answers): it must not be editable in transit."""
    path, _ = sample_export
    records = _lines(path)
    gone = next(n for n, r in enumerate(records) if r["disposal"])
    records[gone]["answers"]["decision"] = "do_not_share"
    _write_lines(path, records)

    assert_refused(sw("import", path), records[gone]["id"])

    assert store.count() == 0


def test_a_conflict_with_a_record_already_here_refuses_the_file(
    sw: Run, store: Any, sample_export: tuple[Path, list[Record]], tmp_path: Path
) -> None:
    path, _ = sample_export
    records = _lines(path)
    first = tmp_path / "first.jsonl"
    _write_lines(first, records[:1])
    assert sw("import", first).code == 0
    before = snapshot(store)
    # the same id with different (consistently hashed) content, and records not yet imported
    records[0]["answers"]["decision_reasons"] = "Another deployment's version of this decision."
    records[0] = _rehash(records[0])
    _write_lines(path, records)

    assert_refused(sw("import", path), records[0]["id"], "different content", "nothing was imported")

    assert snapshot(store) == before


def test_one_bad_json_line_among_good_ones_refuses_the_file_naming_the_line(
    sw: Run, store: Any, sample_export: tuple[Path, list[Record]]
) -> None:
    path, _ = sample_export
    records = _lines(path)
    del records[3]["created_at"]
    records[5]["form_version"] = "one"
    _write_lines(path, records)

    err = assert_refused(sw("import", path), "line 4", "created_at", "line 6", "form_version")

    assert "line 1" not in err
    assert store.count() == 0


def test_a_line_that_is_not_json_is_named(sw: Run, store: Any, sample_export: tuple[Path, list[Record]]) -> None:
    path, _ = sample_export
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][: len(lines[1]) // 2]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert_refused(sw("import", path), "line 2")

    assert store.count() == 0


def test_one_bad_item_in_a_json_array_is_named(sample_records: dict[str, Record]) -> None:
    items = [record_to_json(sample_records[name]) for name in FILE_SAMPLES]
    items[1]["id"] = "not-a-uuid"

    with pytest.raises(InvalidInput, match=r"array\.json item 2 is not a sharewise decision record: id: "):
        read_records(json.dumps(items).encode("utf-8"), source="array.json")


def test_one_bad_record_in_a_bulk_xml_export_refuses_the_file_naming_its_line(
    sw: Run, store: Any, sample_records: dict[str, Record], form_of: Callable[[Record], Any], tmp_path: Path
) -> None:
    records = [sample_records[name] for name in FILE_SAMPLES]
    path = write_bulk_xml(tmp_path / "samples.xml", records, form_of)
    lines = path.read_text(encoding="utf-8").splitlines()
    third = records[2]
    number = next(n for n, line in enumerate(lines, 1) if f'id="{third.id}"' in line)
    created = next(n for n in range(number, len(lines) + 1) if "<createdAt>" in lines[n - 1])
    lines[created - 1] = lines[created - 1].replace(third.created_at, "last Tuesday")
    path.write_text("\n".join(lines), encoding="utf-8")

    assert_refused(sw("import", path), f"line {created}", "createdAt")

    assert store.count() == 0


def test_a_record_twice_in_one_file_is_refused(sample_records: dict[str, Record]) -> None:
    line = json.dumps(record_to_json(sample_records["scenario-01"]))

    with pytest.raises(InvalidInput, match="appears more than once"):
        read_records(f"{line}\n{line}\n".encode(), source="twice.jsonl")


def test_a_second_amendment_of_the_same_record_is_refused_cleanly(
    sw: Run, store: Any, engine: Any, sample_records: dict[str, Record], valid_scenarios: list[dict[str, Any]], tmp_path: Path
) -> None:
    """Both deployments amended the same decision: the chains fork, which the import must refuse whole."""
    from sharewise.core.submission import Recorder

    original, amended = sample_records["original"], sample_records["amended"]
    first = tmp_path / "original.jsonl"
    _write_lines(first, [record_to_json(original)])
    assert sw("import", first).code == 0
    Recorder(engine, store).amend(original.id, scenario_answers(valid_scenarios, "01"), reason="Amended here, too")
    before = snapshot(store)
    path = tmp_path / "fork.jsonl"
    _write_lines(path, [record_to_json(sample_records["scenario-18"]), record_to_json(amended)])

    assert_refused(sw("import", path))

    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("review_on", "2044-02-30"), ("created_at", "2026-13-45T25:00:00.000000+00:00")],
    ids=["impossible review date", "impossible creation time"],
)
def test_an_impossible_date_is_refused_as_bad_input_not_an_internal_error(
    field: str, value: str, sw: Run, store: Any, sample_export: tuple[Path, list[Record]]
) -> None:
    path, _ = sample_export
    records = _lines(path)
    records[1][field] = value
    records[1] = _rehash(records[1])
    _write_lines(path, records)

    assert_refused(sw("import", path), "line 2", field)

    assert store.count() == 0


def test_a_value_the_json_schema_forbids_is_not_imported(sw: Run, store: Any, sample_export: tuple[Path, list[Record]]) -> None:
    """``review_required`` is a JSON boolean in the published schema; "yes" is not one."""
    path, _ = sample_export
    records = _lines(path)
    records[0]["review_required"] = "yes" if records[0]["review_required"] else "no"
    _write_lines(path, records)

    assert_refused(sw("import", path), "line 1", "review_required")

    assert store.count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "neither"),
        (b"id,form\n1,2\n", "neither"),
        (b"[1]", "item 1 is not a sharewise decision record"),
    ],
    ids=["empty", "csv", "json array of numbers"],
)
def test_files_that_are_not_exports_are_refused(content: bytes, expected: str, sw: Run, store: Any, tmp_path: Path) -> None:
    path = tmp_path / "odd.dat"
    path.write_bytes(content)

    assert_refused(sw("import", path), str(path), expected)

    assert store.count() == 0
