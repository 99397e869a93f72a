"""The one hardened XML parser (issue 5 item 6): no DTD, no entities, no network, no XInclude, size and
depth limits; every problem of a document that is not well-formed, or not valid against the XSD, listed
with its line.

Each hostile document is refused within a second with a clear one-line message that leaks nothing it
reached for; tripwires (a named pipe standing in for a local file, a listening socket standing in for a
server) prove nothing was even opened. Through ``sharewise import`` each is exit 2 with one line on
stderr, and nothing is imported.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sharewise.adapters.cli import export_cmd
from sharewise.adapters.exports import importer
from sharewise.adapters.exports.record_xml import NSMAP, q, record_element, record_xml, records_from_xml, xml_schema
from sharewise.adapters.exports.xml_safety import DEFAULT_MAX_BYTES, InvalidXML, UnsafeXML, parse_xml, validate
from sharewise.core.errors import InvalidInput
from sharewise.core.record import Record

SECRET = "root:x:0:0:TRIPWIRE-SECRET-CONTENT:/root:/bin/bash\n"
PASSWD_MARKERS = ("root:", "/bin/", "daemon:", "TRIPWIRE")
XI = 'xmlns:xi="http://www.w3.org/2001/XInclude"'


class FileTripwire:
    """A named pipe serving SECRET to every reader (so a reader never hangs): if anything opens it, ``tripped`` is set."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "secret-file"
        os.mkfifo(self.path)
        self._opened = threading.Event()
        self._releasing = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._releasing:
            try:
                with open(self.path, "w", encoding="utf-8") as pipe:  # blocks until a reader opens the pipe
                    if self._releasing:
                        return
                    self._opened.set()
                    pipe.write(SECRET)
            except OSError:  # the reader went away before reading
                continue

    @property
    def tripped(self) -> bool:
        return self._opened.is_set()

    @property
    def uri(self) -> str:
        return self.path.as_uri()

    def close(self) -> None:
        self._releasing = True
        reader = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self._thread.join(2)
        os.close(reader)


class NetworkTripwire:
    """A listening socket on 127.0.0.1: if anything connects, ``tripped`` is set."""

    def __init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(5)
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            self._connected.set()
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + SECRET.encode())
            connection.close()

    @property
    def tripped(self) -> bool:
        time.sleep(0.05)  # let a connection made just now be accepted
        return self._connected.is_set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/secret"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._server.close()


@pytest.fixture
def file_tripwire(tmp_path: Path) -> Iterator[FileTripwire]:
    wire = FileTripwire(tmp_path)
    yield wire
    wire.close()


@pytest.fixture
def network_tripwire() -> Iterator[NetworkTripwire]:
    wire = NetworkTripwire()
    yield wire
    wire.close()


def billion_laughs() -> bytes:
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", ' <!ENTITY lol "lol">']
    lines += [f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10)]
    lines += ["]>", "<lolz>&lol9;</lolz>"]
    return "\n".join(lines).encode()


def quadratic_blowup() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE kaboom [<!ENTITY a "'
        + b"a" * 100_000
        + b'">]>\n<kaboom>'
        + b"&a;" * 100_000
        + b"</kaboom>"
    )


#: name → (document, words the message must hold). ``{file}`` / ``{url}`` are tripwires.
HOSTILE: dict[str, tuple[str | bytes | Callable[[], bytes], list[str]]] = {
    "billion laughs": (billion_laughs, ["DTD"]),
    "quadratic blow-up": (quadratic_blowup, ["DTD"]),
    "external entity file:///etc/passwd": (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<r>&x;</r>',
        ["DTD"],
    ),
    "external entity to a local file": ('<!DOCTYPE r [<!ENTITY x SYSTEM "{file}">]>\n<r>&x;</r>', ["DTD"]),
    "external entity in an attribute": ('<!DOCTYPE r [<!ENTITY x SYSTEM "{file}">]>\n<r a="&x;"/>', ["DTD"]),
    "external entity http://127.0.0.1:1/": (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:1/">]>\n<r>&x;</r>',
        ["DTD"],
    ),
    "external entity to a local server": ('<!DOCTYPE r [<!ENTITY x SYSTEM "{url}">]>\n<r>&x;</r>', ["DTD"]),
    "external DTD file": ('<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "file:///etc/passwd">\n<r/>', ["DTD"]),
    "external DTD to a local file": ('<!DOCTYPE r SYSTEM "{file}">\n<r/>', ["DTD"]),
    "external DTD to a local server": ('<!DOCTYPE r PUBLIC "-//X//DTD X//EN" "{url}">\n<r/>', ["DTD"]),
    "parameter entities": ('<!DOCTYPE r [<!ENTITY % p SYSTEM "{file}"> %p;]>\n<r/>', ["DTD"]),
    "parameter entities from a server": (
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}"> %p; <!ENTITY % q "<!ENTITY x \'y\'>"> %q;]>\n<r>&x;</r>',
        ["DTD"],
    ),
    "error-based exfiltration": (
        '<!DOCTYPE r [<!ENTITY % file SYSTEM "file:///etc/passwd">'
        "<!ENTITY % eval \"<!ENTITY &#x25; error SYSTEM 'file:///nonexistent/%file;'>\"> %eval; %error;]>\n<r/>",
        ["DTD"],
    ),
    "a bare doctype": ("<!DOCTYPE record>\n<record/>", ["DTD"]),
    "XInclude of /etc/passwd": (
        f'<?xml version="1.0"?>\n<r {XI}>\n<xi:include href="file:///etc/passwd" parse="text"/>\n</r>',
        ["XInclude", "line 3"],
    ),
    "XInclude of a local file, nested": (
        f'<r>\n<a>\n<b {XI}><xi:include href="{{file}}" parse="text"/></b>\n</a>\n</r>',
        ["XInclude", "line 3"],
    ),
    "XInclude from a server": (f'<r {XI}><xi:include href="{{url}}" parse="xml"/></r>', ["XInclude"]),
    "undeclared entity": ('<?xml version="1.0"?>\n<!-- no DTD here -->\n<r>\n<a>&nbsp;</a>\n</r>', ["nbsp", "line 4"]),
    "deeply nested elements": (lambda: b"<a>" * 100_000 + b"</a>" * 100_000, ["depth"]),
}


def hostile(name: str, file_tripwire: FileTripwire | None = None, network_tripwire: NetworkTripwire | None = None) -> bytes:
    document, _ = HOSTILE[name]
    if callable(document):
        return document()
    text = document.format(
        file=file_tripwire.uri if file_tripwire else "file:///etc/passwd",
        url=network_tripwire.url if network_tripwire else "http://127.0.0.1:1/",
    ).replace("{{", "{")
    return text.encode("utf-8")


def assert_clean_refusal(message: str, words: list[str]) -> None:
    assert "\n" not in message.strip(), f"one line expected: {message!r}"
    for marker in PASSWD_MARKERS:
        assert marker not in message, f"{marker!r} leaked into {message!r}"
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"


# ------------------------------------------------------------------------------ the parser


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_documents_are_refused_at_once_without_reaching_out(
    name: str, file_tripwire: FileTripwire, network_tripwire: NetworkTripwire
) -> None:
    data = hostile(name, file_tripwire, network_tripwire)

    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        parse_xml(data, source="upload.xml")
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    message = str(caught.value)
    assert message.startswith("upload.xml ")
    assert_clean_refusal(message, HOSTILE[name][1])
    assert not file_tripwire.tripped, "the parser opened the local file"
    assert not network_tripwire.tripped, "the parser connected to the server"


@pytest.mark.parametrize(
    "name",
    [n for n in HOSTILE if n not in ("deeply nested elements",)],
)
def test_documents_reaching_outside_themselves_are_unsafe(name: str) -> None:
    with pytest.raises(UnsafeXML):
        parse_xml(hostile(name), source="upload.xml")


def test_an_undeclared_entity_is_not_reported_as_a_doctype() -> None:
    """The document has no <!DOCTYPE>: telling its author to remove one sends them looking for nothing."""
    with pytest.raises(UnsafeXML) as caught:
        parse_xml(hostile("undeclared entity"), source="upload.xml")
    assert "DOCTYPE" not in str(caught.value)


def test_the_deep_nesting_message_gives_no_parser_option_to_set() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_xml(hostile("deeply nested elements"), source="upload.xml")
    assert "XML_PARSE_HUGE" not in str(caught.value), str(caught.value)


def test_oversized_input_is_refused_before_parsing() -> None:
    data = b"<r>" + b"x" * 5_000 + b"</r>"

    started = time.perf_counter()
    with pytest.raises(UnsafeXML) as caught:
        parse_xml(data, source="upload.xml", max_bytes=1_000)
    assert time.perf_counter() - started < 1.0

    assert str(caught.value) == "upload.xml is larger than the 1,000-byte limit for XML"
    assert DEFAULT_MAX_BYTES >= 1024 * 1024
    parse_xml(data, source="upload.xml", max_bytes=len(data))  # exactly at the limit is fine


def test_a_huge_single_text_node_is_refused_quickly() -> None:
    data = b"<r>" + b"x" * 12_000_000 + b"</r>"  # over libxml2's 10 MB text-node limit without huge_tree
    started = time.perf_counter()
    with pytest.raises(InvalidInput):
        parse_xml(data, source="upload.xml")
    assert time.perf_counter() - started < 1.0


def test_ordinary_documents_are_accepted() -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n<r a="&lt;&#65;&amp;">Zoë &#x1F600; <![CDATA[<x>]]></r>'
    )
    tree = parse_xml(document.encode(), source="ok.xml")
    root = tree.getroot()
    assert root.get("a") == "<A&"
    assert root.text == "Zoë 😀 <x>"


# ------------------------------------------------------------------------------ every problem, with its line


def test_every_well_formedness_problem_is_listed_with_its_line() -> None:
    data = b'<r a="1" a="2">\n<b c="1" c="2"/>\n<d e="<"/>\n<f g="1" g="3"/>\n</r>'

    with pytest.raises(InvalidXML) as caught:
        parse_xml(data, source="broken.xml")

    error = caught.value
    lines = [problem.line for problem in error.problems]
    assert lines[:3] == [1, 2, 3], error.problems
    message = str(error)
    assert message.startswith("broken.xml is not a valid document: ")
    for line in (1, 2, 3):
        assert f"line {line}: " in message
    assert "redefined" in message


def test_a_truncated_document_names_the_line_where_it_stops() -> None:
    with pytest.raises(InvalidXML) as caught:
        parse_xml(b"<r>\n<a>\n<b>\n", source="cut.xml")
    assert caught.value.problems[-1].line == 4
    assert "line 4" in str(caught.value)


@pytest.mark.parametrize("data", [b"", b"   \n", b"not xml at all", b"<r/><s/>"], ids=["empty", "blank", "text", "two roots"])
def test_other_unreadable_documents_are_invalid_not_unsafe(data: bytes) -> None:
    with pytest.raises(InvalidXML) as caught:
        parse_xml(data, source="odd.xml")
    assert not isinstance(caught.value, UnsafeXML)
    assert caught.value.problems and all(problem.line for problem in caught.value.problems)
    assert "line " in str(caught.value)


def test_every_schema_problem_is_listed_with_its_line(sample_records: dict[str, Record]) -> None:
    record = sample_records["scenario-01"]
    lines = record_xml(record, None).decode("utf-8").splitlines()
    broken_at: dict[int, str] = {}

    def break_line(fragment: str, replacement: str) -> None:
        number = next(n for n, line in enumerate(lines, 1) if fragment in line)
        lines[number - 1] = lines[number - 1].replace(fragment, replacement)
        broken_at[number] = replacement

    break_line(f'id="{record.id}"', 'id="not-a-uuid"')
    break_line('version="1"', 'version="zero"')
    break_line(record.created_at, "yesterday")
    break_line("<reviewRequired>false</reviewRequired>", "<reviewRequired>perhaps</reviewRequired>")
    break_line(f">{record.content_hash}<", ">ABC<")
    data = "\n".join(lines).encode("utf-8")

    with pytest.raises(InvalidXML) as caught:
        records_from_xml(data, source="invalid.xml", max_bytes=DEFAULT_MAX_BYTES)

    error = caught.value
    reported = {problem.line for problem in error.problems}
    assert set(broken_at) <= reported, (sorted(broken_at), error.problems)
    message = str(error)
    for number in broken_at:
        assert f"line {number}: " in message


def test_validate_lists_problems_of_a_bulk_document(sample_records: dict[str, Record]) -> None:
    bulk = etree.Element(q("records"), nsmap=NSMAP)
    for name in ("scenario-01", "scenario-17"):
        bulk.append(record_element(sample_records[name]))
    etree.SubElement(bulk, q("stray"))
    tree = parse_xml(etree.tostring(bulk, pretty_print=True), source="bulk.xml")

    with pytest.raises(InvalidXML) as caught:
        validate(tree, xml_schema(), "bulk.xml")

    assert any("stray" in p.message and p.line for p in caught.value.problems)


def test_more_than_twenty_problems_are_summarised() -> None:
    problems = b"".join(b'<e a="1" a="2"/>\n' for _ in range(30))
    with pytest.raises(InvalidXML) as caught:
        parse_xml(b"<r>\n" + problems + b"</r>", source="many.xml")
    assert [p.line for p in caught.value.problems] == list(range(2, 32))  # every one kept, with its line
    message = str(caught.value)
    assert "line 21: " in message and "line 22: " not in message
    assert message.endswith("; and 10 more")


# ------------------------------------------------------------------------------ the importer and `sharewise import`


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_importer_refuses_hostile_documents(
    name: str, file_tripwire: FileTripwire, network_tripwire: NetworkTripwire
) -> None:
    data = hostile(name, file_tripwire, network_tripwire)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        importer.read_records(data, source="hostile.xml")
    assert time.perf_counter() - started < 1.0
    assert_clean_refusal(str(caught.value), [])
    assert not file_tripwire.tripped and not network_tripwire.tripped


def test_a_hostile_element_inside_a_valid_export_refuses_the_whole_file(sample_records: dict[str, Record]) -> None:
    bulk = etree.Element(q("records"), nsmap=NSMAP)
    for name in ("scenario-01", "scenario-17"):
        bulk.append(record_element(sample_records[name]))
    text = etree.tostring(bulk, encoding="unicode").replace(
        "<context/>",
        f'<context><member name="x" type="string"><xi:include {XI} href="file:///etc/passwd" parse="text"/></member></context>',
        1,
    )
    with pytest.raises(UnsafeXML) as caught:
        importer.read_records(text.encode("utf-8"), source="mixed.xml")
    assert "XInclude" in str(caught.value)
    assert "root:" not in str(caught.value)


def test_sharewise_import_refuses_each_hostile_file_and_imports_nothing(
    sw: Callable[..., Any],
    store: Any,
    make_record: Callable[..., Record],
    base_answers: dict[str, Any],
    tmp_path: Path,
    file_tripwire: FileTripwire,
    network_tripwire: NetworkTripwire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_record("information-sharing-decision", base_answers)
    before = (store.count(), len(store.audit_entries()))
    failures = []
    files = {name: hostile(name, file_tripwire, network_tripwire) for name in HOSTILE}
    files["oversized"] = b"<records>" + b" " * 5_000 + b"</records>"
    limit = 4_000
    monkeypatch.setattr(export_cmd, "DEFAULT_MAX_BYTES", limit)
    monkeypatch.setattr(export_cmd, "read_records", functools.partial(importer.read_records, max_bytes=limit))

    for number, (name, data) in enumerate(files.items()):
        path = tmp_path / f"hostile-{number}.xml"
        path.write_bytes(data)
        started = time.perf_counter()
        result = sw("import", path)
        elapsed = time.perf_counter() - started
        problems = []
        if result.code != 2:
            problems.append(f"exit {result.code}")
        if result.out:
            problems.append(f"stdout {result.out!r}")
        if len(result.err_lines) != 1 or "Traceback" in result.err:
            problems.append(f"stderr {result.err!r}")
        if any(marker in result.err for marker in PASSWD_MARKERS):
            problems.append(f"leaked {result.err!r}")
        if str(path) not in result.err:
            problems.append(f"the file is not named: {result.err!r}")
        if elapsed >= 1.0:
            problems.append(f"took {elapsed:.2f}s")
        if (store.count(), len(store.audit_entries())) != before:
            problems.append("something was imported")
        if problems:
            failures.append(f"{name}: {'; '.join(problems)}")

    assert failures == []
    assert "larger than the 4,000-byte" in result.err
    assert store.verify().intact
    assert not file_tripwire.tripped and not network_tripwire.tripped


def test_sharewise_import_of_an_invalid_export_lists_the_problems_with_lines(
    sw: Callable[..., Any], store: Any, sample_records: dict[str, Record], tmp_path: Path
) -> None:
    record = sample_records["scenario-17"]
    text = record_xml(record, None).decode("utf-8")
    text = text.replace(record.created_at, "yesterday").replace(f'id="{record.id}"', 'id="x"')
    path = tmp_path / "invalid.xml"
    path.write_text(text, encoding="utf-8")

    result = sw("import", path)

    assert result.code == 2 and result.out == ""
    assert len(result.err_lines) == 1, result.err
    assert "line 2: " in result.err and "line 4: " in result.err
    assert store.count() == 0


def test_json_imports_are_not_parsed_as_xml_and_bad_json_is_one_line(sw: Callable[..., Any], store: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"id": "x"}) + "\n{not json\n", encoding="utf-8")

    result = sw("import", path)

    assert result.code == 2 and result.out == ""
    assert len(result.err_lines) == 1, result.err
    assert "line 1" in result.err and "line 2" in result.err
    assert store.count() == 0
