"""Hostile XML on every XML entry point (docs/security.md, threat T10): ``POST /api/v1/records`` with an XML
record (as ``application/xml``, ``text/xml`` and with a charset), XML sent to the JSON-only endpoints, and
``sharewise import``.

Each hostile document is a real, otherwise valid record with the attack spliced in, so that a parser
that let the attack through would store something. Each must be refused at once — a 4xx in the one error
shape (the API) or exit 2 with one line (the command line) — never a 500, with nothing stored and nothing
opened: a named pipe stands in for a local file, a listening socket for a server, and neither may be
touched.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runs import run_main
from scenario_files import SCENARIO_01
from security_helpers import CORE, is_error_shape

from sharewise.adapters.exports.record_xml import record_xml
from sharewise.core import Engine
from sharewise.core.store import Store
from sharewise.core.store.migrate import upgrade
from sharewise.core.submission import Recorder

SECRET = "root:x:0:0:TRIPWIRE-CONTENT:/root:/bin/bash\n"
CASE_REF = "XML-CASE-0042"
XI = 'xmlns:xi="http://www.w3.org/2001/XInclude"'


class Tripwires:
    """A named pipe (a local file) and a listening socket (a server): ``touched`` says whether anything
    opened either. The pipe is served in a thread, so a reader never hangs."""

    def __init__(self, directory: Path) -> None:
        self.file = directory / "secret"
        os.mkfifo(self.file)
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/secret"
        self._hits: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._pipe, daemon=True), threading.Thread(target=self._socket, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _pipe(self) -> None:
        while not self._stop.is_set():
            try:
                with open(self.file, "w", encoding="utf-8") as pipe:  # blocks until a reader opens it
                    if self._stop.is_set():
                        return
                    self._hits.append("file")
                    pipe.write(SECRET)
            except OSError:
                continue

    def _socket(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self._hits.append("network")
            connection.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + SECRET.encode())
            connection.close()

    @property
    def touched(self) -> list[str]:
        time.sleep(0.05)  # let a connection made just now be accepted
        return list(self._hits)

    def close(self) -> None:
        self._stop.set()
        reader = os.open(self.file, os.O_RDONLY | os.O_NONBLOCK)  # release the pipe's writer
        self._threads[0].join(2)
        os.close(reader)
        self._threads[1].join(2)
        self.server.close()


@pytest.fixture
def tripwires(tmp_path: Path) -> Iterator[Tripwires]:
    wires = Tripwires(tmp_path)
    yield wires
    wires.close()


@pytest.fixture(scope="module")
def valid_xml(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A sharewise XML record (made once, in a database of its own), which both entry points accept."""
    source = Store(f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}")
    upgrade(source.engine)
    answers = json.loads(SCENARIO_01.read_text(encoding="utf-8"))["answers"]
    record = Recorder(engine, source).submit(CORE, answers, idempotency_key="x", context={"case_ref": CASE_REF}).record
    source.close()
    return record_xml(record, engine.form(CORE))


def spliced(valid: bytes, *, dtd: str = "", case_ref: str = CASE_REF, before_root: str = "") -> bytes:
    """The valid record with a DTD (and anything else) before its root and ``case_ref`` replaced."""
    text = valid.decode("utf-8")
    declaration, _, rest = text.partition("\n")
    assert declaration.startswith("<?xml") and f">{CASE_REF}<" in rest
    return f"{declaration}\n{before_root}{dtd}{rest.replace(f'>{CASE_REF}<', f'>{case_ref}<')}".encode()


def laughs() -> str:
    entities = ['<!ENTITY l0 "XML-">'] + [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)]
    return f"<!DOCTYPE record [{''.join(entities)}]>\n"


#: name → (document from the valid record and the tripwires, words the refusal must hold).
HOSTILE: dict[str, Callable[[bytes, Tripwires], bytes]] = {
    "billion laughs": lambda v, t: spliced(v, dtd=laughs(), case_ref="&l9;"),
    "quadratic blow-up": lambda v, t: spliced(
        v, dtd=f'<!DOCTYPE record [<!ENTITY a "{"a" * 20_000}">]>\n', case_ref="&a;" * 20_000
    ),
    "an internal entity": lambda v, t: spliced(v, dtd=f'<!DOCTYPE record [<!ENTITY c "{CASE_REF}">]>\n', case_ref="&c;"),
    "an external entity (file)": lambda v, t: spliced(
        v, dtd=f'<!DOCTYPE record [<!ENTITY x SYSTEM "{t.file.as_uri()}">]>\n', case_ref="&x;"
    ),
    "an external entity (/etc/passwd)": lambda v, t: spliced(
        v, dtd='<!DOCTYPE record [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n', case_ref="&x;"
    ),
    "an external entity (http)": lambda v, t: spliced(
        v, dtd=f'<!DOCTYPE record [<!ENTITY x SYSTEM "{t.url}">]>\n', case_ref="&x;"
    ),
    "parameter entities (http)": lambda v, t: spliced(v, dtd=f'<!DOCTYPE record [<!ENTITY % p SYSTEM "{t.url}"> %p;]>\n'),
    "an external DTD (file)": lambda v, t: spliced(v, dtd=f'<!DOCTYPE record SYSTEM "{t.file.as_uri()}">\n'),
    "an external DTD (http)": lambda v, t: spliced(v, dtd=f'<!DOCTYPE record PUBLIC "-//X//DTD X//EN" "{t.url}">\n'),
    "a bare DOCTYPE": lambda v, t: spliced(v, dtd="<!DOCTYPE record>\n"),
    "XInclude (file)": lambda v, t: spliced(v, case_ref=f'<xi:include {XI} href="{t.file.as_uri()}" parse="text"/>'),
    "XInclude (http)": lambda v, t: spliced(v, case_ref=f'<xi:include {XI} href="{t.url}" parse="text"/>'),
    "an undeclared entity": lambda v, t: spliced(v, case_ref="&nbsp;"),
    "deep nesting": lambda v, t: spliced(v, case_ref="<a>" * 5_000 + "</a>" * 5_000),
    "UTF-16 hiding a DOCTYPE": lambda v, t: (
        spliced(v, dtd=f'<!DOCTYPE record [<!ENTITY x SYSTEM "{t.file.as_uri()}">]>\n', case_ref="&x;")
        .decode()
        .replace("encoding='UTF-8'", "encoding='UTF-16'")
        .encode("utf-16")
    ),
    "EBCDIC hiding a DOCTYPE": lambda v, t: (
        spliced(v, dtd=f'<!DOCTYPE record [<!ENTITY x SYSTEM "{t.file.as_uri()}">]>\n', case_ref="&x;")
        .decode()
        .replace("encoding='UTF-8'", "encoding='IBM037'")
        .encode("cp037")
    ),
    "UTF-7 hiding a DOCTYPE": lambda v, t: (
        spliced(v)
        .decode()
        .replace("encoding='UTF-8'", "encoding='UTF-7'")
        .replace(
            "\n<record",
            f"\n+ADw-!DOCTYPE record +AFs-+ADw-!ENTITY x SYSTEM +ACI-{t.file.as_uri()}+ACI-+AD4-+AF0-+AD4-\n<record",
            1,
        )
        .encode()
    ),
    "a NUL character": lambda v, t: spliced(v, case_ref="a\x00b"),
    "a NUL character reference": lambda v, t: spliced(v, case_ref="a&#0;b"),
    "invalid UTF-8": lambda v, t: spliced(v).replace(CASE_REF.encode(), b"\xff\xfe\xfd"),
    "truncated": lambda v, t: v[: len(v) // 2],
}
#: What the parser must not follow even though it accepts the document (it never processes them).
IGNORED: dict[str, Callable[[bytes, Tripwires], bytes]] = {
    "a stylesheet processing instruction": lambda v, t: spliced(v, before_root=f'<?xml-stylesheet href="{t.url}"?>\n'),
    "an xsi:schemaLocation": lambda v, t: spliced(v).replace(
        b"<record ",
        f'<record xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x {t.url}" '.encode(),
        1,
    ),
}
XML_TYPES = ["application/xml", "text/xml", "application/xml; charset=utf-8"]


def post_xml(client: Any, host: Any, data: bytes, content_type: str, key: str) -> Any:
    return client.post("/api/v1/records", data=data, headers={**host.auth, "Idempotency-Key": key, "Content-Type": content_type})


def test_a_valid_xml_record_is_accepted(app, host_a, valid_xml, store):
    """The positive control: the record the attacks are spliced into is stored when sent as it is."""
    for n, content_type in enumerate(XML_TYPES):
        response = post_xml(app.test_client(), host_a, valid_xml, content_type, f"valid-{n}")
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        assert response.get_json()["context"]["case_ref"] == CASE_REF
    assert store.count() == 3


def test_hostile_xml_submissions_are_refused(app, host_a, valid_xml, tripwires, store, failures):
    for name, make in HOSTILE.items():
        document = make(valid_xml, tripwires)
        for content_type in XML_TYPES:
            with failures.case(f"{name} as {content_type}"):
                started = time.perf_counter()
                response = post_xml(app.test_client(), host_a, document, content_type, f"{name}-{content_type}")
                elapsed = time.perf_counter() - started
                text = response.get_data(as_text=True)
                assert 400 <= response.status_code < 500, f"{response.status_code}: {text[:300]}"
                assert is_error_shape(response), text[:300]
                message = response.get_json()["message"]
                assert "\n" not in message.strip(), f"not one line: {message!r}"
                assert elapsed < 2.0, f"took {elapsed:.1f}s"
                assert "TRIPWIRE" not in text and "root:" not in text
    failures.check()
    assert store.count() == 0, "a hostile document was stored"
    assert tripwires.touched == [], "the parser reached outside the document"


def test_an_oversized_xml_submission_is_413(make_app, host_a, valid_xml, store):
    app = make_app(max_body_bytes=len(valid_xml) + 100)
    padded = spliced(valid_xml, case_ref="x" * 200)

    response = post_xml(app.test_client(), host_a, padded, "application/xml", "big")

    assert response.status_code == 413 and is_error_shape(response)
    assert post_xml(app.test_client(), host_a, valid_xml, "application/xml", "fits").status_code == 201
    assert store.count() == 1


@pytest.mark.parametrize("name", list(IGNORED))
def test_references_in_an_accepted_document_are_never_followed(name, app, host_a, valid_xml, tripwires):
    response = post_xml(app.test_client(), host_a, IGNORED[name](valid_xml, tripwires), "application/xml", name)

    assert response.status_code in (201, 422), response.get_data(as_text=True)[:300]
    assert tripwires.touched == []


@pytest.mark.parametrize("path", [f"/api/v1/forms/{CORE}/check", "/api/v1/launch", "/api/v1/records/{record}/amendments"])
def test_xml_sent_to_json_endpoints_is_refused_unread(path, app, api, host_a, valid_xml, tripwires, base_answers, store):
    record = api.created(host_a, base_answers)
    document = HOSTILE["an external entity (file)"](valid_xml, tripwires)

    response = app.test_client().post(
        path.format(record=record["id"]),
        data=document,
        headers={**host_a.auth, "Idempotency-Key": "xml-to-json", "Content-Type": "application/xml"},
    )

    assert 400 <= response.status_code < 500 and is_error_shape(response), response.status_code
    assert store.count() == 1
    assert tripwires.touched == []


def test_sharewise_import_refuses_each_hostile_file_and_imports_nothing(
    database_url, store, valid_xml, tripwires, tmp_path, capsys, failures
):
    for name, make in HOSTILE.items():
        with failures.case(name):
            path = tmp_path / f"{name.replace(' ', '-').replace('/', '')}.xml"
            path.write_bytes(make(valid_xml, tripwires))
            result = run_main(capsys, "--database", database_url, "import", path)
            assert result.code == 2, f"exit {result.code}: {result.out[:200]} {result.err[:200]}"
            assert len(result.err_lines) == 1 and "Traceback" not in result.err, result.err
            assert "content hash" not in result.err, f"refused only for its hash, not by the parser: {result.err}"
            assert "TRIPWIRE" not in result.err and "root:" not in result.err
    failures.check()
    assert store.count() == 0
    assert tripwires.touched == []
    path = tmp_path / "valid.xml"
    path.write_bytes(valid_xml)
    result = run_main(capsys, "--database", database_url, "import", path, "--json")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["imported"]) == 1, "positive control: the untouched file imports"
