"""``/api/v1/records`` and ``/api/v1/forms`` (issue 6 §3): submitting JSON or XML with an Idempotency-Key,
content negotiation on reading, the pull feed, amendments, and checking answers without storing."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx
from lxml import etree

from sharewise.adapters.exports.record_json import RecordSchema
from sharewise.adapters.exports.record_xml import record_xml

CORE = "information-sharing-decision"
NS = "urn:sharewise:decision-record:1"
FHIR_NS = "http://hl7.org/fhir"
MEDIA_TYPES = ["application/json", "application/xml", "application/fhir+json", "application/fhir+xml"]


def assert_record_shape(record: dict[str, Any]) -> None:
    assert RecordSchema().validate(record) == {}, RecordSchema().validate(record)


def exported(store: Any, record_id: str) -> list[Any]:
    return [entry for entry in store.audit_entries(record_id=record_id) if entry.action == "exported"]


def answer_xml(question: str, value: Any) -> str:
    who = quoteattr(question)
    if isinstance(value, bool):
        return f'<answer question={who} type="yes_no"><boolean>{"true" if value else "false"}</boolean></answer>'
    if isinstance(value, int):
        return f'<answer question={who} type="integer"><integer>{value}</integer></answer>'
    if isinstance(value, list):
        codes = "".join(f"<code>{escape(item)}</code>" for item in value)
        return f'<answer question={who} type="multi">{codes}</answer>'
    return f'<answer question={who} type="text"><text>{escape(value)}</text></answer>'


def minimal_xml(answers: dict[str, Any], *, form_id: str = CORE, acknowledged: tuple[str, ...] = (), extra: str = "") -> bytes:
    """A hand-written sharewise XML record holding only what a submission needs."""
    rules = "".join(f"<rule>{escape(rule)}</rule>" for rule in acknowledged)
    body = "".join(answer_xml(question, value) for question, value in answers.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<record xmlns="{NS}">{extra}<form id={quoteattr(form_id)} version="1"/>'
        f"<answers>{body}</answers><acknowledgedWarnings>{rules}</acknowledgedWarnings></record>"
    ).encode()


# --- submitting JSON -----------------------------------------------------------------------------------


def test_a_valid_submission_is_201_with_the_record(api, host_a, base_answers, store):
    response = api.submit(host_a, base_answers)

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    record = response.get_json()
    assert_record_shape(record)
    assert record["form_id"] == CORE
    assert record["form_version"] == 1
    assert record["answers"] == base_answers
    assert record["host"] == host_a.name
    assert record["review_required"] is False
    assert record["supersedes"] is None
    assert response.headers["Location"] == f"/api/v1/records/{record['id']}"
    assert api.client.get(response.headers["Location"], headers=host_a.auth).get_json() == record
    assert store.count() == 1
    assert store.get(record["id"]).content_hash == record["content_hash"]


def test_the_context_is_kept_and_the_practitioner_or_else_the_host_is_the_author(api, host_a, base_answers):
    context = {
        "case_ref": "CASE-42",
        "subject": {"name": "A Child"},
        "practitioner": {"id": "p-17", "name": "Dr Siân O'Brien", "role": "GP partner"},
    }

    record = api.created(host_a, base_answers, context=context)

    assert record["context"] == context
    assert record["author"] == {"id": "p-17", "name": "Dr Siân O'Brien", "role": "GP partner"}
    assert api.created(host_a, base_answers)["author"] == {"id": f"host:{host_a.name}"}, "without one the host is"


def test_a_submission_without_an_idempotency_key_is_400(api, check_error, host_a, base_answers, store, failures):
    for label, key in {"missing": None, "blank": "   ", "too long": "k" * 201}.items():
        with failures.case(label):
            headers = {**host_a.auth}
            if key is not None:
                headers["Idempotency-Key"] = key
            response = api.client.post("/api/v1/records", json={"form_id": CORE, "answers": base_answers}, headers=headers)
            body = check_error(response, 400)
            assert "Idempotency-Key" in body.get("message", ""), body
    failures.check()
    assert store.count() == 0
    assert api.submit(host_a, base_answers, key="k" * 200).status_code == 201, "a 200-character key is allowed"


def test_the_same_key_and_body_replays_the_first_result(api, host_a, base_answers, store):
    first = api.submit(host_a, base_answers, key="decision-0001")
    again = api.submit(host_a, base_answers, key="decision-0001")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200, again.get_data(as_text=True)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert store.count() == 1


def test_the_same_key_with_another_body_is_422(api, check_error, host_a, base_answers, store):
    first = api.created(host_a, base_answers, key="decision-0002")

    response = api.submit(host_a, {**base_answers, "shared_with": "Someone else"}, key="decision-0002")

    body = check_error(response, 422)
    assert "decision-0002" in body.get("message", ""), body
    assert store.count() == 1
    assert api.get_record(host_a, first["id"]).get_json() == first


def test_answers_with_errors_are_422_with_the_findings(api, check_error, host_a, base_answers, store):
    del base_answers["purpose"]

    body = check_error(api.submit(host_a, base_answers), 422)

    findings = body["errors"]["findings"]
    assert {"rule", "severity", "field", "message"} <= set(findings[0])
    assert any(f["field"] == "purpose" and f["severity"] == "error" for f in findings), findings
    assert store.count() == 0


def test_unacknowledged_warnings_are_409_and_acknowledged_ones_are_recorded_for_review(
    api, check_error, host_a, base_answers, store
):
    body = check_error(api.submit(host_a, {**base_answers, "share_method": "letter"}), 409)

    assert body["errors"]["unacknowledged"] == ["ISD-19"]
    assert any(f["rule"] == "ISD-19" and f["severity"] == "warning" for f in body["errors"]["findings"])
    assert store.count() == 0

    record = api.created(host_a, {**base_answers, "share_method": "letter"}, acknowledged=["ISD-19"])

    assert record["review_required"] is True
    assert record["acknowledged_warnings"] == ["ISD-19"]
    assert [f["rule"] for f in record["findings"] if f["severity"] == "warning"] == ["ISD-19"]


def test_acknowledging_a_warning_that_is_not_raised_is_refused(api, check_error, host_a, base_answers, store):
    response = api.submit(host_a, base_answers, acknowledged=["ISD-19"])

    assert response.status_code in (409, 422), response.get_data(as_text=True)
    body = check_error(response, response.status_code)
    assert body["errors"]["unexpected"] == ["ISD-19"]
    assert store.count() == 0


def test_an_unknown_form_is_404(api, check_error, host_a, base_answers, failures):
    with failures.case("unknown form"):
        check_error(api.submit(host_a, base_answers, form_id="no-such-form"), 404)
    with failures.case("unknown version"):
        body = {"form_id": CORE, "form_version": 99, "answers": base_answers}
        response = api.client.post("/api/v1/records", json=body, headers={**host_a.auth, "Idempotency-Key": api.key()})
        check_error(response, 404)
    failures.check()


def test_bodies_that_are_not_a_submission_are_refused_in_the_error_shape(api, check_error, host_a, base_answers, store, failures):
    cases: dict[str, tuple[str, tuple[int, ...]]] = {
        "not JSON": ("{not json", (400,)),
        "empty": ("", (400,)),
        "truncated": ('{"form_id": "x", "answers": {', (400,)),
        "null": ("null", (400, 422)),
        "array": ("[]", (422,)),
        "string": ('"a submission"', (422,)),
        "number": ("42", (422,)),
        "no answers": (json.dumps({"form_id": CORE}), (422,)),
        "no form": (json.dumps({"answers": base_answers}), (422,)),
        "answers a list": (json.dumps({"form_id": CORE, "answers": []}), (422,)),
        "answers a string": (json.dumps({"form_id": CORE, "answers": "yes"}), (422,)),
        "empty form id": (json.dumps({"form_id": "", "answers": base_answers}), (422,)),
        "form id a number": (json.dumps({"form_id": 7, "answers": base_answers}), (422,)),
        "unknown field": (json.dumps({"form_id": CORE, "answers": base_answers, "colour": "red"}), (422,)),
        "acknowledged not a list": (
            json.dumps({"form_id": CORE, "answers": base_answers, "acknowledged_warnings": "ISD-19"}),
            (422,),
        ),
        "context not an object": (json.dumps({"form_id": CORE, "answers": base_answers, "context": [1]}), (422,)),
        "form_version a string": (json.dumps({"form_id": CORE, "answers": base_answers, "form_version": "1"}), (422,)),
    }
    for label, (data, statuses) in cases.items():
        with failures.case(label):
            response = api.submit_raw(host_a, data, "application/json")
            assert response.status_code in statuses, f"expected {statuses}, got {response.status_code}"
            check_error(response, response.status_code)
    failures.check()
    assert store.count() == 0


def test_non_standard_json_numbers_are_bad_input_not_a_server_error(api, check_error, host_a, base_answers, store, failures):
    def body(answers: dict[str, Any], context: dict[str, Any], number: str) -> str:
        data = json.dumps({"form_id": CORE, "answers": answers, "context": context})
        return data.replace('"__NUMBER__"', number)

    cases = {
        "NaN in context": body(base_answers, {"score": "__NUMBER__"}, "NaN"),
        "Infinity in context": body(base_answers, {"score": "__NUMBER__"}, "Infinity"),
        "NaN as an answer": body({**base_answers, "child_age": "__NUMBER__"}, {}, "NaN"),
        "-Infinity as an answer": body({**base_answers, "extra_number": "__NUMBER__"}, {}, "-Infinity"),
    }
    for label, data in cases.items():
        with failures.case(label):
            response = api.submit_raw(host_a, data, "application/json")
            assert response.status_code in (400, 422), f"expected 400 or 422, got {response.status_code}"
            check_error(response, response.status_code)
    failures.check()
    assert store.count() == 0


def test_an_unsupported_content_type_is_415(api, check_error, host_a, base_answers, store, failures):
    data = json.dumps({"form_id": CORE, "answers": base_answers})
    for content_type in ["text/plain", None, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html"]:
        with failures.case(str(content_type)):
            check_error(api.submit_raw(host_a, data, content_type), 415)
    failures.check()
    assert store.count() == 0
    assert api.submit_raw(host_a, data, "application/json; charset=utf-8").status_code == 201


# --- submitting XML ------------------------------------------------------------------------------------


def test_a_sharewise_xml_record_is_accepted(api, host_a, host_b, base_answers, store, engine):
    original = api.created(host_b, base_answers, context={"case_ref": "CASE-9"})
    document = record_xml(store.get(original["id"]), engine.form(CORE))

    response = api.submit_raw(host_a, document, "application/xml")

    assert response.status_code == 201, response.get_data(as_text=True)
    record = response.get_json()
    assert_record_shape(record)
    assert record["id"] != original["id"]
    assert record["answers"] == base_answers
    assert record["context"] == {"case_ref": "CASE-9"}
    assert record["host"] == host_a.name, "the record belongs to the caller, not to the host named in the XML"
    assert response.headers["Location"] == f"/api/v1/records/{record['id']}"

    fetched = api.get_record(host_a, record["id"], "application/xml").get_data()
    again = api.submit_raw(host_a, fetched, "application/xml")
    assert again.status_code == 201, again.get_data(as_text=True)
    assert again.get_json()["answers"] == base_answers, "a record fetched as XML can be submitted again"


def test_a_hand_written_minimal_xml_record_is_accepted(api, host_a, base_answers, failures):
    for content_type in ["application/xml", "text/xml", "application/xml; charset=utf-8"]:
        with failures.case(content_type):
            response = api.submit_raw(host_a, minimal_xml(base_answers), content_type)
            assert response.status_code == 201, response.get_data(as_text=True)[:400]
            assert response.get_json()["answers"] == base_answers
    failures.check()


def test_xml_is_checked_and_replayed_like_json(api, check_error, host_a, base_answers, store):
    letter = {**base_answers, "share_method": "letter"}
    without_purpose = {k: v for k, v in base_answers.items() if k != "purpose"}

    warned = check_error(api.submit_raw(host_a, minimal_xml(letter), "application/xml"), 409)
    invalid = check_error(api.submit_raw(host_a, minimal_xml(without_purpose), "application/xml"), 422)
    assert store.count() == 0
    acknowledged = api.submit_raw(host_a, minimal_xml(letter, acknowledged=("ISD-19",)), "application/xml", key="xml-1")
    again = api.submit_raw(host_a, minimal_xml(letter, acknowledged=("ISD-19",)), "application/xml", key="xml-1")

    assert warned["errors"]["unacknowledged"] == ["ISD-19"]
    assert any(f["field"] == "purpose" for f in invalid["errors"]["findings"])
    assert acknowledged.status_code == 201, acknowledged.get_data(as_text=True)
    assert acknowledged.get_json()["review_required"] is True
    assert again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == acknowledged.get_json()["id"]
    assert store.count() == 1


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f'<record xmlns="{NS}"><form id="{CORE}" version="1"/><answers><answer question="purpose" type="text">'
    "<text>&lol3;</text></answer></answers></record>"
)
HEAD = f'<record xmlns="{NS}"><form id="{CORE}" version="1"/>'
XI = 'xmlns:xi="http://www.w3.org/2001/XInclude"'
PURPOSE_IS = '<answers><answer question="purpose" type="text"><text>{}</text></answer></answers>'


def in_record(inner: str, *, prolog: str = "", form: str = f'<form id="{CORE}" version="1"/>') -> bytes:
    return f'{prolog}<record xmlns="{NS}">{form}{inner}</record>'.encode()


HOSTILE_XML: dict[str, bytes] = {
    "billion laughs": LAUGHS.encode(),
    "external entity (file)": in_record(
        PURPOSE_IS.format("&xxe;"), prolog='<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    ),
    "external entity (network)": in_record(
        PURPOSE_IS.format("&xxe;"), prolog='<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>'
    ),
    "parameter entity": in_record("<answers/>", prolog='<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'),
    "external DTD": in_record("<answers/>", prolog='<!DOCTYPE record SYSTEM "http://127.0.0.1:9/evil.dtd">'),
    "undeclared entity": in_record(PURPOSE_IS.format("&nope;")),
    "XInclude": in_record(PURPOSE_IS.format(f'<xi:include {XI} href="file:///etc/passwd" parse="text"/>')),
    "XInclude in answers": in_record(f'<answers><xi:include {XI} href="file:///etc/passwd"/></answers>'),
    "UTF-16": f'<?xml version="1.0" encoding="UTF-16"?>{HEAD}<answers/></record>'.encode("utf-16"),
    "not well-formed": f"{HEAD}<answers><answer></answers>".encode(),
    "empty": b"",
    "not XML": b"form_id=information-sharing-decision",
    "wrong root": f'<records xmlns="{NS}"/>'.encode(),
    "no namespace": f'<record><form id="{CORE}" version="1"/><answers/></record>'.encode(),
    "no form": in_record("<answers/>", form=""),
    "bad version": in_record("<answers/>", form=f'<form id="{CORE}" version="one"/>'),
    "bad integer": in_record('<answers><answer question="child_age" type="integer"><integer>seven</integer></answer></answers>'),
    "empty answer": in_record('<answers><answer question="purpose" type="text"/></answers>'),
    "comment before the form": in_record("<answers/>", form=f'<!-- a comment --><form id="{CORE}" version="1"/>'),
    "processing instruction": in_record("<answers/>", form=f'<?pi data?><form id="{CORE}" version="1"/>'),
    "NaN in context": in_record('<context><member name="x" type="number">NaN</member></context><answers/>'),
    "overflowing number in context": in_record('<context><member name="x" type="number">1e999</member></context><answers/>'),
    "deep nesting": in_record("<context>" + "<a>" * 5000 + "</a>" * 5000 + "</context><answers/>"),
}


def test_hostile_xml_is_refused_in_the_error_shape_never_500(api, check_error, host_a, store, failures):
    for label, document in HOSTILE_XML.items():
        with failures.case(label):
            response = api.submit_raw(host_a, document, "application/xml")
            text = response.get_data(as_text=True)
            assert 400 <= response.status_code < 500, f"expected a 4xx, got {response.status_code}: {text[:200]}"
            check_error(response, response.status_code)
            assert "root:" not in text, "a local file was read"
    failures.check()
    assert store.count() == 0


# --- reading a record ----------------------------------------------------------------------------------


def test_a_record_is_served_in_every_format_by_accept(api, host_a, base_answers, failures):
    record = api.created(host_a, base_answers)
    xsd = etree.XMLSchema(etree.fromstring(api.client.get("/api/v1/schemas/decision-record.xsd").get_data()))
    cases = {
        "application/json": "application/json",
        "application/xml": "application/xml",
        "application/fhir+json": "application/fhir+json",
        "application/fhir+xml": "application/fhir+xml",
        "*/*": "application/json",
        None: "application/json",
        "application/*": "application/json",
        "text/html, */*;q=0.1": "application/json",
        "application/xml;q=0.5, application/fhir+json": "application/fhir+json",
        "application/json;q=0.2, application/fhir+xml;q=0.9": "application/fhir+xml",
    }
    for accept, media_type in cases.items():
        with failures.case(f"Accept: {accept}"):
            response = api.get_record(host_a, record["id"], accept)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            assert response.mimetype == media_type
            assert "Accept" in response.headers.get("Vary", ""), "the representation varies by Accept"
            assert response.headers.get("Cache-Control") == "no-store"
            data = response.get_data()
            if media_type == "application/json":
                assert json.loads(data) == record
            elif media_type == "application/xml":
                document = etree.fromstring(data)
                assert xsd.validate(document), xsd.error_log
                assert document.tag == f"{{{NS}}}record" and document.get("id") == record["id"]
            elif media_type == "application/fhir+json":
                bundle = json.loads(data)
                assert bundle["resourceType"] == "Bundle"
                assert record["id"] in data.decode()
            else:
                assert etree.fromstring(data).tag == f"{{{FHIR_NS}}}Bundle"
                assert record["id"] in data.decode()
    failures.check()


def test_an_unacceptable_accept_is_406_and_is_not_an_export(api, check_error, host_a, base_answers, store, failures):
    record = api.created(host_a, base_answers)
    for accept in ["text/html", "text/csv", "image/png", "application/json;q=0"]:
        with failures.case(accept):
            body = check_error(api.get_record(host_a, record["id"], accept), 406)
            assert "application/json" in body.get("message", ""), "the 406 names what is available"
    failures.check()
    assert exported(store, record["id"]) == []


def test_each_read_is_audited_as_an_export(api, host_a, base_answers, store):
    record = api.created(host_a, base_answers)

    for media_type in MEDIA_TYPES:
        assert api.get_record(host_a, record["id"], media_type).status_code == 200

    entries = exported(store, record["id"])
    assert len(entries) == len(MEDIA_TYPES)
    assert {entry.actor for entry in entries} == {f"host:{host_a.name}"}
    assert [entry.detail.get("format") for entry in entries] == MEDIA_TYPES
    assert store.verify().intact


def test_an_unknown_record_is_404(api, check_error, host_a, failures):
    for record_id in ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "x" * 300, "%00", "%FF", "..%2F..%2Fetc"]:
        with failures.case(record_id[:40]):
            check_error(api.client.get(f"/api/v1/records/{record_id}", headers=host_a.auth), 404)
    failures.check()


# --- the pull feed -------------------------------------------------------------------------------------


def test_the_feed_lists_records_in_commit_order_and_is_audited(api, host_a, base_answers, store):
    assert api.feed(host_a).get_json() == {"records": [], "next": None}
    made = [api.created(host_a, {**base_answers, "shared_with": f"Recipient {n}"}) for n in range(4)]

    response = api.feed(host_a)

    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"
    body = response.get_json()
    assert set(body) == {"records", "next"}
    assert body["records"] == made
    assert body["next"] is None
    for record in body["records"]:
        assert_record_shape(record)
    last = store.audit_entries(limit=1)[-1]
    assert (last.action, last.actor, last.detail.get("count")) == ("exported", f"host:{host_a.name}", len(made))


def test_the_feed_pages_with_its_cursor_to_the_end_and_resumes(api, host_a, base_answers):
    made = [api.created(host_a, base_answers)["id"] for _ in range(7)]

    seen: list[str] = []
    pages: list[int] = []
    cursor = 0
    for _ in range(10):
        page = api.feed(host_a, after=cursor, limit=3).get_json()
        seen += [r["id"] for r in page["records"]]
        pages.append(len(page["records"]))
        if page["next"] is None:
            break
        assert page["next"] > cursor, "the cursor moves forward"
        cursor = page["next"]

    assert seen == made
    assert pages == [3, 3, 1]
    later = [api.created(host_a, base_answers)["id"] for _ in range(2)]
    resumed = api.feed(host_a, after=cursor).get_json()
    assert [r["id"] for r in resumed["records"]] == [made[-1], *later], "a host resumes from its last cursor"


def test_feed_limits_are_bounded(api, check_error, host_a, base_answers, failures):
    api.created(host_a, base_answers)
    for params in [{"limit": 0}, {"limit": 201}, {"limit": -1}, {"limit": "many"}, {"after": -1}, {"after": "start"}]:
        with failures.case(str(params)):
            check_error(api.feed(host_a, **params), 422)
    for params in [{"limit": 1}, {"limit": 200}, {"after": 0}]:
        with failures.case(str(params)):
            assert api.feed(host_a, **params).status_code == 200
    failures.check()


def test_a_cursor_beyond_any_record_is_not_a_server_error(api, host_a, base_answers, failures):
    api.created(host_a, base_answers)
    for after in [10**6, 2**63 - 1, 2**63, 10**20]:
        with failures.case(f"after={after}"):
            response = api.feed(host_a, after=after)
            assert response.status_code in (200, 422), f"expected 200 (empty) or 422, got {response.status_code}"
            if response.status_code == 200:
                assert response.get_json() == {"records": [], "next": None}
    failures.check()


# --- amendments ----------------------------------------------------------------------------------------


def test_an_amendment_supersedes_the_record(api, host_a, base_answers, store):
    original = api.created(host_a, base_answers)

    response = api.amend(host_a, original["id"], {**base_answers, "shared_with": "Duty social worker B"}, reason="  Wrong name  ")

    assert response.status_code == 201, response.get_data(as_text=True)
    amended = response.get_json()
    assert_record_shape(amended)
    assert amended["supersedes"] == original["id"]
    assert amended["amendment_reason"] == "Wrong name"
    assert amended["answers"]["shared_with"] == "Duty social worker B"
    assert amended["host"] == host_a.name
    assert response.headers["Location"] == f"/api/v1/records/{amended['id']}"
    assert api.get_record(host_a, original["id"]).get_json() == original, "the original stays readable, unchanged"
    assert [r["id"] for r in api.feed(host_a).get_json()["records"]] == [original["id"], amended["id"]]
    assert store.get(original["id"]).superseded_by == amended["id"]


def test_an_amendment_needs_a_reason(api, check_error, host_a, base_answers, store, failures):
    original = api.created(host_a, base_answers)
    for label, reason in {"missing": None, "empty": "", "blank": "   \n\t "}.items():
        with failures.case(label):
            check_error(api.amend(host_a, original["id"], base_answers, reason=reason), 422)
    failures.check()
    assert store.count() == 1


def test_amending_an_old_version_is_409_naming_the_latest(api, check_error, host_a, base_answers, store):
    original = api.created(host_a, base_answers)
    second = api.amend(host_a, original["id"], {**base_answers, "shared_with": "B"}).get_json()
    third = api.amend(host_a, second["id"], {**base_answers, "shared_with": "C"}).get_json()

    body = check_error(api.amend(host_a, original["id"], {**base_answers, "shared_with": "D"}), 409)

    assert third["id"] in body.get("message", ""), body
    assert store.count() == 3


def test_an_amendment_replays_by_idempotency_key(api, host_a, base_answers, store):
    original = api.created(host_a, base_answers)
    answers = {**base_answers, "shared_with": "B"}

    first = api.amend(host_a, original["id"], answers, key="amend-0001")
    again = api.amend(host_a, original["id"], answers, key="amend-0001")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert store.count() == 2


def test_amended_answers_are_checked_like_a_submission(api, check_error, host_a, base_answers, store):
    original = api.created(host_a, base_answers)
    without_purpose = {k: v for k, v in base_answers.items() if k != "purpose"}
    letter = {**base_answers, "share_method": "letter"}

    errors = check_error(api.amend(host_a, original["id"], without_purpose), 422)
    warnings = check_error(api.amend(host_a, original["id"], letter), 409)
    acknowledged = api.amend(host_a, original["id"], letter, acknowledged=["ISD-19"])

    assert any(f["field"] == "purpose" for f in errors["errors"]["findings"])
    assert warnings["errors"]["unacknowledged"] == ["ISD-19"]
    assert acknowledged.status_code == 201
    assert acknowledged.get_json()["review_required"] is True
    assert store.count() == 2


def test_bad_amendment_requests(api, check_error, host_a, base_answers, store, failures):
    original = api.created(host_a, base_answers)
    with failures.case("unknown record"):
        check_error(api.amend(host_a, "00000000-0000-4000-8000-000000000000", base_answers), 404)
    with failures.case("no Idempotency-Key"):
        response = api.client.post(
            f"/api/v1/records/{original['id']}/amendments", json={"answers": base_answers, "reason": "x"}, headers=host_a.auth
        )
        check_error(response, 400)
    for label, body in {
        "array": [],
        "answers a list": {"answers": [], "reason": "x"},
        "unknown field": {"answers": base_answers, "reason": "x", "form_id": CORE},
    }.items():
        with failures.case(label):
            response = api.client.post(
                f"/api/v1/records/{original['id']}/amendments", json=body, headers={**host_a.auth, "Idempotency-Key": api.key()}
            )
            check_error(response, 422)
    failures.check()
    assert store.count() == 1


# --- forms and checking --------------------------------------------------------------------------------


def test_the_forms_are_listed_and_served_whole(api, check_error, host_a):
    response = api.client.get("/api/v1/forms", headers=host_a.auth)

    assert response.status_code == 200
    forms = response.get_json()
    assert all(set(form) == {"id", "version", "title"} for form in forms)
    core = [form for form in forms if form["id"] == CORE]
    assert len(core) == 1
    assert core[0]["version"] >= 1 and core[0]["title"]

    response = api.client.get(f"/api/v1/forms/{CORE}", headers=host_a.auth)
    assert response.status_code == 200
    form = response.get_json()
    assert form["id"] == CORE
    assert "purpose" in json.dumps(form)
    check_error(api.client.get("/api/v1/forms/no-such-form", headers=host_a.auth), 404)


def test_checking_answers_returns_the_findings_and_stores_nothing(api, host_a, base_answers, store):
    path = f"/api/v1/forms/{CORE}/check"
    without_purpose = {k: v for k, v in base_answers.items() if k != "purpose"}

    valid = api.client.post(path, json={"answers": base_answers}, headers=host_a.auth)
    warned = api.client.post(path, json={"answers": {**base_answers, "share_method": "letter"}}, headers=host_a.auth)
    invalid = api.client.post(path, json={"answers": without_purpose, "form_version": 1}, headers=host_a.auth)

    assert [r.status_code for r in (valid, warned, invalid)] == [200, 200, 200]
    assert valid.get_json()["valid"] is True
    assert valid.get_json()["form"] == {"id": CORE, "version": 1}
    assert [f for f in valid.get_json()["findings"] if f["severity"] != "advice"] == []
    assert warned.get_json()["valid"] is True
    assert [f["rule"] for f in warned.get_json()["findings"] if f["severity"] == "warning"] == ["ISD-19"]
    assert invalid.get_json()["valid"] is False
    assert any(f["field"] == "purpose" and f["severity"] == "error" for f in invalid.get_json()["findings"])
    assert "outcome" in valid.get_json()
    assert store.count() == 0
    assert store.audit_entries() == []


def test_checking_against_an_unknown_form_or_with_a_bad_body(api, check_error, host_a, failures):
    with failures.case("unknown form"):
        check_error(api.client.post("/api/v1/forms/no-such-form/check", json={"answers": {}}, headers=host_a.auth), 404)
    with failures.case("unknown version"):
        response = api.client.post(f"/api/v1/forms/{CORE}/check", json={"answers": {}, "form_version": 99}, headers=host_a.auth)
        check_error(response, 404)
    for label, body in {
        "array": [],
        "answers a list": {"answers": []},
        "no answers": {},
        "unknown": {"answers": {}, "x": 1},
    }.items():
        with failures.case(label):
            check_error(api.client.post(f"/api/v1/forms/{CORE}/check", json=body, headers=host_a.auth), 422)
    failures.check()


# --- over real HTTP ------------------------------------------------------------------------------------


def test_submit_replay_and_read_over_real_http(app, live_server, host_a, base_answers, store):
    base = live_server(app)
    headers = {**host_a.auth, "Idempotency-Key": "http-0001"}
    body = {"form_id": CORE, "answers": base_answers}

    with httpx.Client(base_url=base, timeout=30) as http:
        created = http.post("/api/v1/records", json=body, headers=headers)
        replayed = http.post("/api/v1/records", json=body, headers=headers)
        as_xml = http.get(created.headers["Location"], headers={**host_a.auth, "Accept": "application/xml"})
        xml_submitted = http.post(
            "/api/v1/records",
            content=minimal_xml(base_answers),
            headers={**host_a.auth, "Idempotency-Key": "http-0002", "Content-Type": "application/xml"},
        )
        feed = http.get("/api/v1/records", params={"limit": 1}, headers=host_a.auth)
        unauthorised = http.get(created.headers["Location"])

    assert created.status_code == 201, created.text
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == created.json()["id"]
    assert as_xml.status_code == 200
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert etree.fromstring(as_xml.content).get("id") == created.json()["id"]
    assert xml_submitted.status_code == 201, xml_submitted.text
    assert [r["id"] for r in feed.json()["records"]] == [created.json()["id"]]
    assert feed.json()["next"] is not None
    assert unauthorised.status_code == 401
    assert store.count() == 2
