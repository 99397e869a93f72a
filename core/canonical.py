"""Canonical JSON and hashes: the exact bytes a record's or an audit entry's hash is computed over."""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: The ``prev_hash`` of the first audit entry.
GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> bytes:
    """ASCII JSON (other characters as ``\\u`` escapes) with sorted keys and no insignificant white
    space: stable across runs and databases, and defined for any string — even one holding a broken
    (lone surrogate) character."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def content_hash(value: Any) -> str:
    """``sha256`` of the canonical JSON of ``value``, as 64 hex digits."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
