"""JSON text for stored columns and API responses, encoded by orjson.

A submission encodes its record several times over (seven JSON columns, the response); with the
standard library's encoder that was a tenth of a submission's cost, and orjson takes about a tenth
of that.

- Stored text (``dumps``, SQLAlchemy's ``json_serializer``) stays ASCII, as the standard library
  wrote it: a database whose encoding is not UTF-8 (or a dump moved between databases) must not be
  able to change a stored character, and so a record's hash. orjson writes UTF-8, so text that is
  not plain ASCII — and anything orjson refuses: integers wider than 64 bits, keys that are not
  strings, broken (lone surrogate) characters — is written by the standard library, exactly as
  before. Nothing that could be stored before is refused now.
- Response bodies (``encode``) are UTF-8, as ``json.dumps(..., ensure_ascii=False)`` gave them.

orjson also writes a few Python values the standard library refuses (UUIDs, plain enums) or writes
differently (NaN as ``null``). sharewise hands neither encoder such values: request bodies are strict
JSON (no NaN), records are hashed — with the standard library's canonical JSON, which refuses NaN —
before they are stored, and dates and dataclasses are refused by both (a column holds JSON values
only). Not for hashes: those cover ``canonical`` JSON, whose bytes must never change.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: Dates and dataclasses are refused, as the standard library refuses them: a column holds JSON values only.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode(value: Any) -> bytes:
    """``value`` as UTF-8 JSON bytes (for a response body)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")  # ASCII escapes: valid even for a lone surrogate


def dumps(value: Any) -> str:
    """``value`` as ASCII JSON text (SQLAlchemy's ``json_serializer``)."""
    try:
        text = orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value)
    return text.decode("ascii") if text.isascii() else json.dumps(value)
