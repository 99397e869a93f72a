"""``sharewise export`` and ``sharewise records show --format`` (issue 5 item 5).

Every format to standard output and to ``--out`` (the same bytes), ``--since``, unknown formats, an
integrator's own stylesheet, stylesheets that reach for files or the network (refused: the mappings run
with ``XSLTAccessControl.DENY_ALL``), one "exported" audit entry per run, drafts never exported, and
streaming: the peak memory of exporting 2,000 records is no more than that of 200.

Every test using the database runs on SQLite, and on PostgreSQL when SHAREWISE_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import json
import os
import socket
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from sharewise.adapters.exports import formats
from sharewise.adapters.exports.record_json import json_schema, record_from_json, record_to_json
from sharewise.adapters.exports.record_xml import NS, records_from_xml, xml_schema
from sharewise.adapters.exports.xml_safety import parse_xml
from sharewise.core import Engine
from sharewise.core.record import Record

CORE = "information-sharing-decision"
FHIR = "http://hl7.org/fhir"
EXPORT = "urn:sharewise:export:1"
CASE_NOTE = "urn:sharewise:host:case-note:1"
ALL_FORMATS = ["json", "xml", "fhir-json", "fhir-xml", "xslt:case-note"]
SECRET = "TOP-SECRET-CONTENT root:x:0:0"
Run = Callable[..., Any]


def at(day: str, hour: int = 9) -> Callable[[], dt.datetime]:
    moment = dt.datetime.fromisoformat(f"{day}T{hour:02d}:30:00+00:00")
    return lambda: moment


@pytest.fixture
def three(
    make_record: Callable[..., Record], base_answers: dict[str, Any], valid_scenarios: list[dict[str, Any]]
) -> list[Record]:
    """Three records of three forms, made on 20, 21 and 22 November 2026."""
    dvds = next(s for s in valid_scenarios if s["file"].startswith("17"))["answers"]
    csods = next(s for s in valid_scenarios if s["file"].startswith("18"))["answers"]
    return [
        make_record(CORE, base_answers, clock=at("2026-11-20"), context={"case_ref": "CS-1", "subject": {"name": "Zoë"}}),
        make_record("dvds-disclosure", dvds, clock=at("2026-11-21", 0)),
        make_record("csods-disclosure", csods, clock=at("2026-11-22"), author={"id": "pc.example"}),
    ]


@pytest.fixture
def one(sqlite_store: Any, submit_to: Callable[..., Record], base_answers: dict[str, Any]) -> Record:
    """One record in ``sqlite_store`` (for behaviour that does not depend on the database)."""
    return submit_to(sqlite_store, CORE, base_answers, context={"case_ref": "CS-1"})


def ok(result: Any) -> Any:
    assert result.code == 0, f"exit {result.code}: {result.err!r}"
    assert "Traceback" not in result.err
    return result


def one_line_error(result: Any, *expected: str) -> str:
    assert result.code == 2, f"exit {result.code}: {result.out!r} {result.err!r}"
    assert "Traceback" not in result.out + result.err
    assert len(result.err_lines) == 1, result.err
    for text in expected:
        assert text in result.err, f"{text!r} not in {result.err!r}"
    return result.err


def exported_entries(store: Any) -> list[Any]:
    return [e for e in store.audit_entries() if e.action == "exported"]


# ------------------------------------------------------------------------------ every format


def test_json_export_is_one_schema_valid_record_per_line(sw: Run, store: Any, three: list[Record]) -> None:
    result = ok(sw("export", "--format", "json"))

    lines = result.out.splitlines()
    assert len(lines) == 3 and result.out.endswith("\n")
    validator = Draft202012Validator(json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    for line, record in zip(lines, three, strict=True):
        data = json.loads(line)
        assert list(validator.iter_errors(data)) == []
        assert data == record_to_json(record)
        assert record_from_json(data).compute_hash() == record.content_hash
    assert result.err == ""


def test_xml_export_is_a_valid_records_document(sw: Run, store: Any, three: list[Record]) -> None:
    result = ok(sw("export", "--format", "xml"))

    tree = parse_xml(result.out.encode("utf-8"), source="export.xml")
    assert tree.getroot().tag == f"{{{NS}}}records"
    assert xml_schema().validate(tree), xml_schema().error_log
    back = records_from_xml(result.out.encode("utf-8"), source="export.xml", max_bytes=10**8)
    assert [(r.id, r.content_hash, r.compute_hash()) for r in back] == [(r.id, r.content_hash, r.content_hash) for r in three]
    answer = tree.xpath(
        "/sw:records/sw:record[@id=$id]/sw:answers/sw:answer[@question='decision']/sw:code/text()",
        namespaces={"sw": NS},
        id=three[0].id,
    )
    assert answer == ["share"]


def test_fhir_json_export_is_one_bundle_per_line(sw: Run, store: Any, three: list[Record]) -> None:
    result = ok(sw("export", "--format", "fhir-json"))

    bundles = [json.loads(line) for line in result.out.splitlines()]
    assert [b["resourceType"] for b in bundles] == ["Bundle"] * 3
    assert [b["identifier"]["value"] for b in bundles] == [r.id for r in three]


def test_fhir_xml_export_is_a_collection_bundle(sw: Run, store: Any, three: list[Record]) -> None:
    result = ok(sw("export", "--format", "fhir-xml"))

    root = parse_xml(result.out.encode("utf-8"), source="fhir.xml").getroot()
    ns = {"f": FHIR}
    assert root.tag == f"{{{FHIR}}}Bundle"
    assert root.xpath("f:type/@value", namespaces=ns) == ["collection"]
    inner = root.xpath("f:entry/f:resource/f:Bundle", namespaces=ns)
    assert [b.xpath("f:identifier/f:value/@value", namespaces=ns)[0] for b in inner] == [r.id for r in three]


def test_case_note_export_holds_one_note_per_record(sw: Run, store: Any, three: list[Record]) -> None:
    result = ok(sw("export", "--format", "xslt:case-note"))

    root = parse_xml(result.out.encode("utf-8"), source="notes.xml").getroot()
    assert root.tag == f"{{{EXPORT}}}export"
    notes = root.xpath("cn:caseNote", namespaces={"cn": CASE_NOTE})
    assert [n.get("recordId") for n in notes] == [r.id for r in three]


@pytest.mark.parametrize("format_name", ALL_FORMATS)
def test_out_writes_the_same_bytes_as_standard_output(
    format_name: str, sw: Run, store: Any, three: list[Record], tmp_path: Path
) -> None:
    to_stdout = ok(sw("export", "--format", format_name))
    path = tmp_path / "out" / "export.dat"
    path.parent.mkdir()

    to_file = ok(sw("export", "--format", format_name, "--out", path))

    assert to_file.out == ""
    assert to_file.err.strip() == f"exported 3 record(s) to {path} as {format_name}"
    assert path.read_bytes() == to_stdout.out.encode("utf-8")
    assert sorted(p.name for p in path.parent.iterdir()) == ["export.dat"]  # no .partial left behind
    entries = exported_entries(store)
    assert [e.detail for e in entries] == [
        {"format": format_name, "count": 3, "since": None, "destination": "stdout"},
        {"format": format_name, "count": 3, "since": None, "destination": str(path)},
    ]
    assert all(e.record_id is None and e.actor == "export.tester" for e in entries)
    assert store.verify().intact


def test_an_empty_database_exports_empty_documents(sw: Run, store: Any) -> None:
    assert ok(sw("export", "--format", "json")).out == ""
    xml = ok(sw("export", "--format", "xml")).out.encode("utf-8")
    assert records_from_xml(xml, source="empty.xml", max_bytes=10**6) == []
    assert [e.detail["count"] for e in exported_entries(store)] == [0, 0]


# ------------------------------------------------------------------------------ --since


def test_since_exports_records_made_on_or_after_the_day(sw: Run, store: Any, three: list[Record]) -> None:
    result = ok(sw("export", "--format", "json", "--since", "2026-11-21"))

    assert [json.loads(line)["id"] for line in result.out.splitlines()] == [three[1].id, three[2].id]
    assert exported_entries(store)[-1].detail == {"format": "json", "count": 2, "since": "2026-11-21", "destination": "stdout"}
    later = ok(sw("export", "--format", "xml", "--since", "2026-11-23"))
    assert records_from_xml(later.out.encode("utf-8"), source="later.xml", max_bytes=10**6) == []


@pytest.mark.parametrize("since", ["yesterday", "2026-02-30", "21/11/2026"])
def test_a_bad_since_is_a_usage_error(since: str, sw_sqlite: Run, sqlite_store: Any) -> None:
    result = sw_sqlite("export", "--format", "json", "--since", since)

    assert result.code == 2
    assert result.out == ""
    assert "--since" in result.err
    assert exported_entries(sqlite_store) == []


# ------------------------------------------------------------------------------ bad formats and destinations


@pytest.mark.parametrize(
    ("format_name", "expected"),
    [
        ("yaml", "unknown format 'yaml'"),
        ("XML", "unknown format 'XML'"),
        ("xslt:", "unknown format 'xslt:'"),
        ("xslt:no-such-mapping", "unknown host mapping 'no-such-mapping'"),
        ("xslt:/no/such/mapping.xsl", "cannot read the stylesheet /no/such/mapping.xsl"),
    ],
)
def test_an_unknown_format_is_one_line_and_exports_nothing(
    format_name: str, expected: str, sw_sqlite: Run, sqlite_store: Any, one: Record, tmp_path: Path
) -> None:
    out = tmp_path / "never.dat"

    for args in (("export", "--format", format_name), ("export", "--format", format_name, "--out", out)):
        result = sw_sqlite(*args)
        one_line_error(result, expected)
        assert result.out == ""
    assert not out.exists()
    assert exported_entries(sqlite_store) == []


def test_the_unknown_format_message_lists_the_formats(sw_sqlite: Run) -> None:
    err = one_line_error(sw_sqlite("export", "--format", "csv"))
    for name in ("json", "xml", "fhir-json", "fhir-xml", "xslt:NAME"):
        assert name in err


def test_an_unwritable_destination_is_one_line(sw_sqlite: Run, sqlite_store: Any, one: Record, tmp_path: Path) -> None:
    one_line_error(sw_sqlite("export", "--format", "json", "--out", tmp_path / "missing" / "x.json"), "cannot write")
    assert exported_entries(sqlite_store) == []


# ------------------------------------------------------------------------------ an integrator's own stylesheet

OWN = """<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:sw="urn:sharewise:decision-record:1" exclude-result-prefixes="sw">
  <xsl:template match="/sw:record">
    <hostNote ref="{sw:context/sw:member[@name='case_ref']}" id="{@id}">
      <decision><xsl:value-of select="sw:answers/sw:answer[@question='decision']/sw:code"/></decision>
      <hash><xsl:value-of select="sw:contentHash"/></hash>
    </hostNote>
  </xsl:template>
</xsl:stylesheet>
"""


def test_an_integrators_own_stylesheet_maps_every_record(sw: Run, store: Any, three: list[Record], tmp_path: Path) -> None:
    mapping = tmp_path / "own.xsl"
    mapping.write_text(OWN, encoding="utf-8")

    result = ok(sw("export", "--format", f"xslt:{mapping}"))

    root = etree.fromstring(result.out.encode("utf-8"))
    assert root.tag == f"{{{EXPORT}}}export"
    # the mapping's elements are in no namespace, and must stay so inside the export wrapper
    notes = root.findall("hostNote")
    assert [child.tag for child in root] == ["hostNote"] * 3
    assert [(n.get("id"), n.findtext("decision"), n.findtext("hash")) for n in notes] == [
        (r.id, r.answers["decision"], r.content_hash) for r in three
    ]
    assert notes[0].get("ref") == "CS-1"
    assert exported_entries(store)[-1].detail["format"] == f"xslt:{mapping}"

    shown = ok(sw("records", "show", three[0].id, "--format", f"xslt:{mapping}"))
    assert etree.fromstring(shown.out.encode("utf-8")).get("id") == three[0].id


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.xml"
    path.write_text(f"<secret>{SECRET}</secret>", encoding="utf-8")
    return path


@pytest.fixture
def listener() -> Iterator[tuple[str, Callable[[], bool]]]:
    """A listening socket: its URL, and whether anything connected."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)

    def connected() -> bool:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return False
        connection.close()
        return True

    yield f"http://127.0.0.1:{server.getsockname()[1]}/secret.xml", connected
    server.close()


def hostile_stylesheets(secret: Path, url: str) -> dict[str, str]:
    head = '<?xml version="1.0"?>\n<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
    return {
        "document(/etc/passwd)": f"""{head}>
  <xsl:template match="/"><out><xsl:copy-of select="document('/etc/passwd')"/></out></xsl:template>
</xsl:stylesheet>""",
        "document(a local file)": f"""{head}>
  <xsl:template match="/"><out><xsl:value-of select="document('{secret}')"/></out></xsl:template>
</xsl:stylesheet>""",
        "document(file URI)": f"""{head}>
  <xsl:template match="/"><out><xsl:value-of select="document('{secret.as_uri()}')"/></out></xsl:template>
</xsl:stylesheet>""",
        "document(a server)": f"""{head}>
  <xsl:template match="/"><out><xsl:value-of select="document('{url}')"/></out></xsl:template>
</xsl:stylesheet>""",
        "xsl:include of a file": f"""{head}>
  <xsl:include href="{secret.with_name("included.xsl")}"/>
  <xsl:template match="/"><out><xsl:call-template name="leak"/></out></xsl:template>
</xsl:stylesheet>""",
        "xsl:import of a file": f"""{head}>
  <xsl:import href="{secret.with_name("included.xsl").as_uri()}"/>
  <xsl:template match="/"><out><xsl:call-template name="leak"/></out></xsl:template>
</xsl:stylesheet>""",
        "xsl:include of a file URI": f"""{head}>
  <xsl:include href="{secret.with_name("included.xsl").as_uri()}"/>
  <xsl:template match="/"><out><xsl:call-template name="leak"/></out></xsl:template>
</xsl:stylesheet>""",
        "xsl:include of a file holding an external entity": f"""{head}>
  <xsl:include href="{secret.with_name("entity.xsl").as_uri()}"/>
  <xsl:template match="/"><out><xsl:call-template name="leak"/></out></xsl:template>
</xsl:stylesheet>""",
        "exsl:document writing a file": f"""{head} xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">
  <xsl:template match="/">
    <exsl:document href="{secret.with_name("written.txt")}" method="text">pwned</exsl:document><out/>
  </xsl:template>
</xsl:stylesheet>""",
        "a DTD with entities": f"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
{head[22:]}><xsl:template match="/"><out>&e;</out></xsl:template></xsl:stylesheet>""",
    }


HOSTILE_NAMES = list(hostile_stylesheets(Path("/x/secret.xml"), "http://x/"))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_stylesheet_reaching_outside_is_refused_without_reading(
    name: str,
    sw_sqlite: Run,
    sqlite_store: Any,
    one: Record,
    tmp_path: Path,
    secret_file: Path,
    listener: tuple[str, Callable[[], bool]],
) -> None:
    url, connected = listener
    included = secret_file.with_name("included.xsl")
    included.write_text(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        f'<xsl:template name="leak">{SECRET}</xsl:template></xsl:stylesheet>',
        encoding="utf-8",
    )
    secret_file.with_name("entity.xsl").write_text(
        f'<!DOCTYPE x [<!ENTITY e SYSTEM "{secret_file.as_uri()}">]>\n'
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:template name="leak">&e;</xsl:template></xsl:stylesheet>',
        encoding="utf-8",
    )
    mapping = tmp_path / "hostile.xsl"
    mapping.write_text(hostile_stylesheets(secret_file, url)[name], encoding="utf-8")
    out = tmp_path / "out.xml"

    result = sw_sqlite("export", "--format", f"xslt:{mapping}", "--out", out)

    for leaked in (SECRET, "root:x", "/bin/bash"):
        assert leaked not in result.err
        assert not out.exists() or leaked not in out.read_text(encoding="utf-8"), f"{leaked!r} was exported"
    err = one_line_error(result)
    assert result.out == ""
    assert not out.exists() and not out.with_name("out.xml.partial").exists()
    assert not secret_file.with_name("written.txt").exists()
    assert not connected()
    assert any(word in err for word in ("denied", "not accepted", "Cannot resolve", "not a usable")), err
    assert exported_entries(sqlite_store) == []


def test_a_failing_mapping_leaves_nothing_on_standard_output(sw_sqlite: Run, one: Record, tmp_path: Path) -> None:
    """Exit 2 means "nothing was exported": a well-formed but empty ``<export/>`` on stdout says otherwise to a pipe."""
    mapping = tmp_path / "hostile.xsl"
    mapping.write_text(
        hostile_stylesheets(tmp_path / "secret.xml", "http://127.0.0.1:1/")["document(/etc/passwd)"], encoding="utf-8"
    )

    result = sw_sqlite("export", "--format", f"xslt:{mapping}")

    one_line_error(result, "denied")
    assert result.out == ""


def test_a_stylesheet_that_is_not_xslt_is_one_line(sw_sqlite: Run, one: Record, tmp_path: Path) -> None:
    mapping = tmp_path / "broken.xsl"
    mapping.write_text(
        "<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'><xsl:bogus/>", encoding="utf-8"
    )
    one_line_error(sw_sqlite("export", "--format", f"xslt:{mapping}"), str(mapping))
    mapping.write_text("<html><body>not a stylesheet</body></html>", encoding="utf-8")
    one_line_error(sw_sqlite("export", "--format", f"xslt:{mapping}"), "not a usable XSLT stylesheet")


# ------------------------------------------------------------------------------ records show --format


@pytest.mark.parametrize("format_name", ALL_FORMATS)
def test_records_show_gives_one_record_in_each_format(
    format_name: str, sw: Run, store: Any, three: list[Record], form_of: Callable[[Record], Any]
) -> None:
    record = three[0]

    result = ok(sw("records", "show", record.id, "--format", format_name))

    document = result.out.encode("utf-8")
    if format_name == "json":
        assert json.loads(document) == record_to_json(record)
    elif format_name == "fhir-json":
        assert json.loads(document)["identifier"]["value"] == record.id
    else:
        root = parse_xml(document, source="shown.xml").getroot()
        if format_name == "xml":
            assert root.tag == f"{{{NS}}}record"
            [back] = records_from_xml(document, source="shown.xml", max_bytes=10**7)
            assert back.compute_hash() == record.content_hash
        elif format_name == "fhir-xml":
            assert root.tag == f"{{{FHIR}}}Bundle"
        else:
            assert root.tag == f"{{{CASE_NOTE}}}caseNote" and root.get("recordId") == record.id
    entries = store.audit_entries(record_id=record.id)
    assert entries[-1].action == "exported"
    assert entries[-1].detail == {"format": format_name}
    assert store.verify().intact


def test_records_show_with_a_bad_format_or_id_is_one_line(sw: Run, store: Any, three: list[Record]) -> None:
    one_line_error(sw("records", "show", three[0].id, "--format", "pdf"), "unknown format 'pdf'")
    one_line_error(sw("records", "show", str(uuid.uuid4()), "--format", "xml"), "no record")
    assert [e.action for e in store.audit_entries(record_id=three[0].id)] == ["created"]


def test_plugins_type_their_own_questions_in_xml(
    sw: Run, store: Any, make_record: Callable[..., Record], valid_scenarios: list[dict[str, Any]]
) -> None:
    liverpool = next(s for s in valid_scenarios if s["file"].startswith("20"))
    record = make_record(CORE, liverpool["answers"], plugins=["liverpool"])
    path = "/sw:record/sw:answers/sw:answer[@question='consent_review_on']/@type"

    plain = ok(sw("records", "show", record.id, "--format", "xml"))
    with_plugin = ok(sw("records", "show", record.id, "--format", "xml", "--plugin", "liverpool"))

    assert etree.fromstring(plain.out.encode()).xpath(path, namespaces={"sw": NS}) == ["unknown"]
    assert etree.fromstring(with_plugin.out.encode()).xpath(path, namespaces={"sw": NS}) == ["date"]


# ------------------------------------------------------------------------------ drafts are never exported


def test_drafts_never_appear_in_exports(
    sw: Run, store: Any, engine: Engine, three: list[Record], base_answers: dict[str, Any]
) -> None:
    from sharewise.core.drafts import Drafts

    draft = Drafts(engine, store, clock=lambda: dt.datetime.now(dt.UTC)).save(CORE, {"purpose": "DRAFT-ONLY-PURPOSE"})

    for format_name in ALL_FORMATS:
        result = ok(sw("export", "--format", format_name))
        assert draft.id not in result.out, format_name
        assert "DRAFT-ONLY-PURPOSE" not in result.out, format_name
    assert {e.detail["count"] for e in exported_entries(store)} == {3}


# ------------------------------------------------------------------------------ streaming in constant memory

BULK = 2_000
FEW = 200


class Sink(io.RawIOBase):
    """A binary output that keeps only a count of what was written."""

    def __init__(self) -> None:
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.written += len(data)
        return len(data)


DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("SHAREWISE_TEST_POSTGRES_URL") else [])


@pytest.fixture(scope="module")
def bulk_stores(export_databases: Any, sample_records: dict[str, Record]) -> Iterator[dict[str, Any]]:
    """2,000 records (copies of a real one with their own ids and hashes) in a database of each kind."""
    from sharewise.core.store import Store
    from sharewise.core.store.migrate import upgrade

    template = sample_records["scenario-01"]
    stores = {}
    for kind in DATABASES:
        url = export_databases.new(kind)
        store = stores[kind] = Store(url)
        upgrade(store.engine)
        with store.writing() as connection:
            for number in range(1, BULK + 1):
                copy = dataclasses.replace(
                    template, id=str(uuid.uuid4()), created_seq=number, context={"case_ref": f"CS-{number}"}
                )
                store.insert_record(connection, dataclasses.replace(copy, content_hash=copy.compute_hash()), None)
    yield stores
    for store in stores.values():
        url = store.url
        store.close()
        export_databases.drop(str(url))


def measure(store: Any, format_name: str, count: int, forms: formats.FormLookup) -> tuple[int, int, list[int]]:
    """Peak traced memory, records written, and bytes already written as each 100th record was read."""
    sink = Sink()
    progress: list[int] = []
    records = store.iter_records(batch=100)

    def watched() -> Iterator[Record]:
        for number, record in enumerate(itertools.islice(records, count), 1):
            if number % 100 == 1:
                progress.append(sink.written)
            yield record

    tracemalloc.start()
    try:
        written = formats.stream(watched(), format_name, sink, forms)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        records.close()
    return peak, written, [*progress, sink.written]


def assert_flat(store: Any, format_name: str, engine: Engine) -> None:
    forms = formats.FormLookup(engine)
    measure(store, format_name, 20, forms)  # warm the caches (form definitions, the XSD) first

    few_peak, few, _ = measure(store, format_name, FEW, forms)
    many_peak, many, progress = measure(store, format_name, BULK, forms)

    assert (few, many) == (FEW, BULK)
    assert many_peak < 2 * few_peak, f"peak {many_peak:,} bytes for {BULK} records against {few_peak:,} for {FEW}"
    total = progress[-1]
    assert progress[15] > total / 2, f"output is held back: {progress[15]:,} of {total:,} bytes out after 1,500 records"


@pytest.mark.parametrize("kind", DATABASES)
def test_json_bulk_export_streams_in_flat_memory(kind: str, bulk_stores: dict[str, Any], engine: Engine) -> None:
    """Rows are read in batches (``iter_records(batch=100)`` here: the command's default batch is 1,000 rows,
    so below 1,000 records the peak grows with the count and is flat above it) and written line by line."""
    assert_flat(bulk_stores[kind], "json", engine)


def test_xml_bulk_export_streams_in_flat_memory(bulk_stores: dict[str, Any], engine: Engine) -> None:
    """``etree.xmlfile`` writes as it goes (measured on SQLite: the XML writing does not depend on the database)."""
    assert_flat(bulk_stores["sqlite"], "xml", engine)
