"""``json_text``: the JSON written into stored columns and API responses (by orjson, with the standard
library for what orjson refuses and, in stored text, for anything not plain ASCII). Whatever it writes
must read back as the same value the standard library's text did — a stored record's hash is
recomputed from what is read back."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sharewise.core import json_text
from sharewise.core.canonical import canonical_json

#: Any JSON value Python can hold: wide integers, every float a strict request allows (finite; -0.0),
#: any text (lone surrogates included, which a JSON ``\\ud800`` escape can produce) and any keys.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


#: Values at the edges of what orjson writes itself (a property test rarely draws them).
EDGES = [
    -0.0,
    1e16,
    5e-324,
    1.7976931348623157e308,
    0.1,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
    -(2**63) - 1,
    "\x00",
    "\x7f",
    "\x1f tab\t",
    "😀",
    "é",
    "\ud800",
    {"k": [-0.0, 2**64, "\ud83d"]},
]


def _same(read: Any, written: Any) -> bool:
    """Equal, telling -0.0 from 0.0 and 1 from 1.0 (what a record's canonical JSON, and so its hash, tells apart)."""
    return canonical_json(read) == canonical_json(written)


@given(JSON_VALUES)
@example(EDGES)
def test_stored_text_reads_back_as_the_value_written(value: Any) -> None:
    assert _same(json.loads(json_text.dumps(value)), value)
    assert _same(json.loads(json_text.encode(value)), value)


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_edge_values_read_back_exactly(value: Any) -> None:
    assert _same(json.loads(json_text.dumps(value)), value)
    assert _same(json.loads(json_text.encode(value)), value)


@given(JSON_VALUES)
@example(EDGES)
def test_stored_text_is_ascii_whatever_the_value(value: Any) -> None:
    """As the standard library wrote it: no database encoding, and no dump and restore between databases of
    different encodings, can change a stored character."""
    assert json_text.dumps(value).isascii()


@given(JSON_VALUES)
@example(EDGES)
def test_it_reads_back_exactly_as_the_standard_librarys_text_did(value: Any) -> None:
    """Records stored before and after the change read back alike."""
    assert _same(json.loads(json_text.dumps(value)), json.loads(json.dumps(value)))


@pytest.mark.parametrize(
    "value",
    [
        {"count": 2**70},  # wider than 64 bits
        {"answers": ["bad \ud800 text"]},  # a lone surrogate
        {"nested": {"ok": "é", "wide": -(2**64)}},
    ],
    ids=["wide-integer", "lone-surrogate", "nested-wide-integer"],
)
def test_values_orjson_refuses_are_still_written(value: dict[str, Any]) -> None:
    assert json.loads(json_text.dumps(value)) == value
    body = json_text.encode(value)
    assert body.isascii(), "the fallback escapes what is not ASCII, so the body is valid UTF-8 even with a lone surrogate"
    assert json.loads(body) == value


def test_keys_that_are_not_text_are_written_as_the_standard_library_wrote_them() -> None:
    value = {1: "one", None: "none", False: "no"}
    assert json.loads(json_text.dumps(value)) == json.loads(json.dumps(value)) == {"1": "one", "null": "none", "false": "no"}


def test_stored_text_is_compact_ascii_and_responses_utf8() -> None:
    assert json_text.dumps({"name": "Zoe", "list": [1, 2]}) == '{"name":"Zoe","list":[1,2]}'
    assert json_text.dumps({"name": "Zoë"}) == json.dumps({"name": "Zoë"}) == '{"name": "Zo\\u00eb"}'
    assert json_text.encode({"name": "Zoë", "list": [1, 2]}) == '{"name":"Zoë","list":[1,2]}'.encode()


@pytest.mark.parametrize("value", [dt.date(2026, 11, 25), dt.datetime(2026, 11, 25, 9, 30), {"at": dt.date(2026, 1, 1)}])
def test_what_is_not_json_is_refused_as_before(value: Any) -> None:
    """A date in a JSON column is a programming error: refused, not quietly written as text."""
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        json_text.dumps(value)
    with pytest.raises(TypeError):
        json_text.encode(value)
