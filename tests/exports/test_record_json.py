"""The canonical JSON of a decision record (issue 5 item 1): ``record_to_json`` / ``record_from_json`` and
the published JSON Schema (2020-12).

Every kind of stored record (each valid worked scenario, a consent record, rich host context and author,
unicode, characters XML cannot carry, an amendment chain, an anonymised record) validates against the
schema and reads back to the same record with the same content hash. Anything else is refused with
``InvalidInput`` naming the path of every problem — and whatever the reader refuses, the schema refuses.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from scenario_files import load_scenarios

from sharewise.adapters.exports.record_json import FORMAT_ID, RecordSchema, json_schema, record_from_json, record_to_json
from sharewise.core.errors import InvalidInput
from sharewise.core.record import CONTENT_FIELDS, Record

SAMPLES = [f"scenario-{s['file'][:2]}" for s in load_scenarios() if s["expect"]["valid"]] + [
    "consent-record",
    "rich",
    "controls",
    "original",
    "amended",
    "anonymised",
]
FIELDS = [*CONTENT_FIELDS, "content_hash", "disposal", "remaining_hash"]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def exported(sample_records: dict[str, Record]) -> dict[str, Any]:
    """The scenario 01 record's JSON, as text would carry it."""
    return json.loads(json.dumps(record_to_json(sample_records["scenario-01"])))


def schema_problems(validator: Draft202012Validator, data: Any) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(data)]


# ------------------------------------------------------------------------------ the schema


def test_the_schema_is_a_2020_12_schema_for_the_format(validator: Draft202012Validator) -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == FORMAT_ID == "urn:sharewise:decision-record:1"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == sorted(FIELDS)
    assert list(schema["properties"]) == FIELDS
    assert schema["$defs"]["Finding"]["additionalProperties"] is False
    # every reference resolves inside the document
    text = json.dumps(schema)
    assert "#/components/" not in text
    for name in schema["$defs"]:
        assert f'"#/$defs/{name}"' in text


def test_sharewise_schema_prints_the_json_schema(cli: Callable[..., Any]) -> None:
    result = cli("schema", "--format", "json-schema")

    assert result.code == 0, result.err
    assert result.err == ""
    assert json.loads(result.out) == json_schema()


def test_the_marshmallow_schema_and_the_json_schema_name_the_same_fields() -> None:
    assert list(RecordSchema().fields) == FIELDS


# ------------------------------------------------------------------------------ every kind of record


@pytest.mark.parametrize("name", SAMPLES)
def test_record_json_validates_against_the_schema(
    name: str, sample_records: dict[str, Record], validator: Draft202012Validator
) -> None:
    data = record_to_json(sample_records[name])

    assert schema_problems(validator, data) == []
    assert list(data) == FIELDS
    # plain JSON: no NaN, no Python-only types
    assert json.loads(json.dumps(data, allow_nan=False)) == data


@pytest.mark.parametrize("name", SAMPLES)
def test_record_json_round_trips_exactly(
    name: str,
    sample_records: dict[str, Record],
    same_record: Callable[[Record, Record], bool],
    canonical: Callable[[Any], str],
) -> None:
    record = sample_records[name]
    text = json.dumps(record_to_json(record), ensure_ascii=False)

    back = record_from_json(json.loads(text))

    assert same_record(back, record)
    assert canonical(back.content()) == canonical(record.content())  # types too: True is not 1, 1 is not 1.0
    assert back.content_hash == record.content_hash
    if record.disposal is None:
        assert back.compute_hash() == record.content_hash
    else:  # an anonymised record keeps its original hash; what remains hashes as it did when stored
        assert back.compute_hash() == record.compute_hash() != record.content_hash


def test_the_json_carries_what_the_record_holds(sample_records: dict[str, Record]) -> None:
    rich = record_to_json(sample_records["rich"])
    assert rich["context"]["subject"]["name"] == "Zoë Ødegård-Nguyễn"
    assert rich["context"]["scores"][4] == 12345678901234567890
    assert rich["context"][""] == "empty key"
    assert rich["author"]["roles"] == ["gp", "safeguarding_lead"]
    assert rich["host"] == "clinic-ü 北"
    assert "\n\t• bruising" in rich["answers"]["decision_reasons"]
    assert rich["plugins"] == {"forms": "0.1.0", "england": "0.1.0"}

    amended = record_to_json(sample_records["amended"])
    assert amended["supersedes"] == sample_records["original"].id
    assert amended["amendment_reason"] == "Wrong recipient recorded:\nit was A. Person — corrected"
    assert record_to_json(sample_records["original"])["supersedes"] is None

    anonymised = record_to_json(sample_records["anonymised"])
    assert anonymised["disposal"] == "anonymised"
    assert anonymised["context"] == {} and anonymised["author"] == {}
    assert "decision_reasons" not in anonymised["answers"]
    assert anonymised["answers"]["decision"] == "share"

    warned = record_to_json(sample_records["scenario-04"])
    assert warned["review_required"] is True
    assert warned["acknowledged_warnings"]
    assert {f["severity"] for f in warned["findings"]} >= {"warning"}
    assert set(warned["findings"][0]) == {"rule", "severity", "field", "message", "reference", "plugin"}

    liverpool = record_to_json(sample_records["scenario-20"])
    assert "liverpool" in liverpool["plugins"]


# ------------------------------------------------------------------------------ refusing what is not a record


def _without(*names: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for name in names:
            del data[name]

    return change


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``a.b[0].c`` style paths (only dict keys and list indexes)."""

    def change(data: dict[str, Any]) -> None:
        steps: list[Any] = []
        for part in path.split("."):
            name, _, rest = part.partition("[")
            steps.append(name)
            if rest:
                steps.append(int(rest.rstrip("]")))
        target: Any = data
        for step in steps[:-1]:
            target = target[step]
        target[steps[-1]] = value

    return change


BAD_INPUTS: dict[str, tuple[Callable[[dict[str, Any]], None], list[str]]] = {
    "missing id": (_without("id"), ["id"]),
    "missing several": (_without("answers", "content_hash", "disposal"), ["answers", "content_hash", "disposal"]),
    "missing finding fields": (_set("findings", [{"rule": "ISD-1"}]), ["findings[0].severity", "findings[0].message"]),
    "form_version as text": (_set("form_version", "1"), ["form_version"]),
    "form_version as boolean": (_set("form_version", True), ["form_version"]),
    "form_version zero": (_set("form_version", 0), ["form_version"]),
    "answers as a list": (_set("answers", []), ["answers"]),
    "findings as an object": (_set("findings", {}), ["findings"]),
    "acknowledged warning not text": (_set("acknowledged_warnings", ["ISD-1", 7]), ["acknowledged_warnings[1]"]),
    "plugin version not text": (_set("plugins", {"england": 1}), ["plugins.england"]),
    "context as text": (_set("context", "CS-1"), ["context"]),
    "author as null": (_set("author", None), ["author"]),
    "host as a number": (_set("host", 5), ["host"]),
    "host empty": (_set("host", ""), ["host"]),
    "review_required as text": (_set("review_required", "yes"), ["review_required"]),
    "review_required as a number": (_set("review_required", 1), ["review_required"]),
    "severity unknown": (
        _set("findings", [{"rule": "X", "severity": "fatal", "field": None, "message": "m", "reference": None, "plugin": None}]),
        ["findings[0].severity"],
    ),
    "id not a uuid": (_set("id", "not-a-uuid"), ["id"]),
    "id upper-case uuid": (_set("id", "6AE15210-FCE7-42F1-A5DD-D99C024B4D8B"), ["id"]),
    "supersedes not a uuid": (_set("supersedes", "123"), ["supersedes"]),
    "hash too short": (_set("content_hash", "abc123"), ["content_hash"]),
    "hash upper case": (_set("content_hash", "A" * 64), ["content_hash"]),
    "created_at with Z": (_set("created_at", "2026-11-21T09:30:00.000000Z"), ["created_at"]),
    "created_at without micros": (_set("created_at", "2026-11-21T09:30:00+00:00"), ["created_at"]),
    "created_at another zone": (_set("created_at", "2026-11-21T09:30:00.000000+01:00"), ["created_at"]),
    "created_at impossible": (_set("created_at", "2026-13-45T25:61:00.000000+00:00"), ["created_at"]),
    "review_on as a UK date": (_set("review_on", "21/11/2044"), ["review_on"]),
    "review_on impossible": (_set("review_on", "2044-02-30"), ["review_on"]),
    "disposal unknown": (_set("disposal", "deleted"), ["disposal"]),
    "unknown key": (_set("exported_by", "someone"), ["exported_by"]),
    "unknown finding key": (
        _set(
            "findings",
            [{"rule": "X", "severity": "advice", "field": None, "message": "m", "reference": None, "plugin": None, "extra": 1}],
        ),
        ["findings[0].extra"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_naming_each_path(case: str, exported: dict[str, Any]) -> None:
    change, paths = BAD_INPUTS[case]
    data = copy.deepcopy(exported)
    change(data)

    with pytest.raises(InvalidInput) as caught:
        record_from_json(data, source="export.json line 3")

    message = str(caught.value)
    assert message.startswith("export.json line 3 is not a sharewise decision record: ")
    problems = message.split(": ", 1)[1]
    for path in paths:
        assert f"{path}: " in problems, f"{path} not named in {message!r}"
    assert "\n" not in message


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_the_schema_refuses_what_the_reader_refuses(case: str, exported: dict[str, Any], validator: Draft202012Validator) -> None:
    """An integrator validating with the published schema sees the same verdict as ``sharewise import``."""
    change, _ = BAD_INPUTS[case]
    data = copy.deepcopy(exported)
    change(data)

    assert schema_problems(validator, data) != [], "the JSON Schema accepts a record that record_from_json must refuse"


def test_every_problem_is_listed_at_once(exported: dict[str, Any]) -> None:
    data = copy.deepcopy(exported)
    data.update(id="x", form_version="one", created_at="today", content_hash="", surplus=True)
    del data["host"]
    data["findings"] = [{"rule": "ISD-1", "severity": "warning", "field": None, "message": 5, "reference": None, "plugin": None}]

    with pytest.raises(InvalidInput) as caught:
        record_from_json(data)

    message = str(caught.value)
    for path in ("id", "form_version", "created_at", "content_hash", "surplus", "host", "findings[0].message"):
        assert f"{path}: " in message, f"{path} not named in {message!r}"


@pytest.mark.parametrize("value", [None, [], "a record", 42, True], ids=repr)
def test_a_document_that_is_not_an_object_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInput, match="is not a sharewise decision record"):
        record_from_json(value)


def test_null_where_null_is_allowed_is_accepted(exported: dict[str, Any]) -> None:
    data = copy.deepcopy(exported)
    data.update(supersedes=None, amendment_reason=None, disposal=None)
    assert record_from_json(data).supersedes is None
