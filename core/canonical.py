"""Canonical JSON and hashes: the exact bytes a record's or an audit entry's hash is computed over."""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: The ``prev_hash`` of the first audit entry.
GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant white space (stable across runs and databases)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def content_hash(value: Any) -> str:
    """``sha256`` of the canonical JSON of ``value``, as 64 hex digits."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def chained_hash(prev_hash: str, entry: Any) -> str:
    """``sha256(prev_hash ‖ canonical JSON of entry)``: one link of the audit chain."""
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(canonical_json(entry))
    return digest.hexdigest()
