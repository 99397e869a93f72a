"""JSON text for stored columns and API responses, encoded by orjson.

A submission encodes its record several times over (seven JSON columns, the response); with the
standard library's encoder that was a tenth of a submission's cost, and orjson takes about a tenth
of that. The text is compact UTF-8. Values orjson refuses — integers wider than 64 bits, keys that
are not strings, broken (lone surrogate) characters — are encoded by the standard library as before,
so nothing that could be stored before is refused now; types neither encodes (dates,
dataclasses) are still refused. (orjson would write NaN as ``null``; none gets this far: requests
refuse it, and a record's hash, computed before it is stored, refuses it too.) Not for hashes:
those cover ``canonical`` JSON, whose bytes must never change.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: Dates and dataclasses are refused, as the standard library refuses them: a column holds JSON values only.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode(value: Any) -> bytes:
    """``value`` as UTF-8 JSON bytes."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")  # ASCII escapes: valid even for a lone surrogate


def dumps(value: Any) -> str:
    """``value`` as JSON text (SQLAlchemy's ``json_serializer``)."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value)
