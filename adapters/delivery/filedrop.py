"""File drop: write the record into the host's directory atomically (a temporary file, flushed to
disk, then renamed), so the host never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Owner read/write, group read: the host's importer reads the directory as a member of its group;
#: nobody else may (the files hold special-category data).
FILE_MODE = 0o640
EXTENSIONS = {"json": "json", "xml": "xml", "fhir-json": "fhir.json", "fhir-xml": "fhir.xml"}


def drop(directory: str, record_id: str, body: bytes, format_name: str) -> Path:
    """Write ``body`` as ``<directory>/<record id>.<ext>``; ``OSError`` if the directory cannot take it."""
    folder = Path(directory)
    target = folder / f"{record_id}.{EXTENSIONS.get(format_name, 'json')}"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".sharewise-", suffix=".partial")
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "wb") as stream:
            stream.write(body)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory_handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory_handle)
    finally:
        os.close(directory_handle)
    return target
