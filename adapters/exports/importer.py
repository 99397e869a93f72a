"""``sharewise import``: load records that sharewise exported (moving between deployments).

Every record is checked before anything is written — shape (the JSON Schema's marshmallow schema, or
the XSD through the hardened parser) and its content hash — and the whole file is imported in one
transaction: all or nothing. A record already present with the same hash is skipped; one present
with different content is a conflict. Each imported record gets an "imported" audit entry holding its
hash (and a "purged" entry recording what remains of an anonymised one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from sharewise.adapters.exports.record_json import record_from_json
from sharewise.adapters.exports.record_xml import records_from_xml
from sharewise.core import strict_json
from sharewise.core.errors import InvalidInput
from sharewise.core.record import Record
from sharewise.core.store import Store, audit
from sharewise.core.store.schema import records

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


@dataclass
class ImportReport:
    """What an import did."""

    imported: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {"imported": self.imported, "already_present": self.already_present}


def read_records(data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Record]:
    """The records in an export (XML, one JSON record, or line-delimited JSON), every one checked."""
    if len(data) > max_bytes:
        raise InvalidInput(f"{source} is larger than the {max_bytes:,}-byte import limit")
    start = data.lstrip()[:1]
    if start == b"<":
        found = [(f"{source}", record) for record in records_from_xml(data, source=source, max_bytes=max_bytes)]
    elif start in (b"{", b"["):
        found = _json_records(data, source)
    else:
        raise InvalidInput(f"{source} is neither a sharewise XML export nor a JSON one")
    problems = [
        f"{where}: record {record.id}'s content does not match its content hash (it was changed after export)"
        for where, record in found
        if record.disposal is None and record.compute_hash() != record.content_hash
    ]
    ids = [record.id for _, record in found]
    problems += [
        f"{source}: record {record_id} appears more than once" for record_id in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise InvalidInput("; ".join(problems))
    return [record for _, record in found]


def _json_records(data: bytes, source: str) -> list[tuple[str, Record]]:
    try:
        whole = strict_json.loads(data, source=source)
    except InvalidInput:
        whole = None
    if isinstance(whole, dict):
        return [(source, record_from_json(whole, source=source))]
    if isinstance(whole, list):
        return [(f"{source} item {n}", record_from_json(item, source=f"{source} item {n}")) for n, item in enumerate(whole, 1)]
    found, problems = [], []
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            found.append((where, record_from_json(strict_json.loads(line, source=where), source=where)))
        except InvalidInput as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidInput("; ".join(problems))
    return found


def import_records(store: Store, batch: list[Record], *, actor: str, now: dt.datetime, source: str) -> ImportReport:
    """Write the records in one transaction (all or nothing), with their audit entries."""
    report = ImportReport()
    with store.writing() as connection:
        store.lock_for_append(connection)
        for record in batch:
            existing = connection.execute(select(records.c.content_hash).where(records.c.id == record.id)).scalar()
            if existing is not None:
                if existing != record.content_hash:
                    raise InvalidInput(f"record {record.id} is already here with different content; nothing was imported")
                report.already_present.append(record.id)
                continue
            detail = {
                "record_hash": record.content_hash,
                "form_id": record.form_id,
                "form_version": record.form_version,
                "source": source,
            }
            entry = audit.append(connection, "imported", record_id=record.id, actor=actor, detail=detail, at=now)
            if record.disposal is not None:
                remains = {
                    "disposal": record.disposal,
                    "record_hash": record.content_hash,
                    "remaining_hash": record.compute_hash(),
                }
                audit.append(
                    connection,
                    "purged",
                    record_id=record.id,
                    actor=actor,
                    detail={**remains, "reason": "imported as disposed of"},
                    at=now,
                )
            store.insert_record(connection, Record(**{**record.__dict__, "created_seq": entry.seq}), None)
            report.imported.append(record.id)
    return report
