"""``/api/v1/records``: submit (JSON or XML, with an Idempotency-Key), read (content negotiation), the
pull feed, and amendments. A host sees only its own records (404 for another's)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from marshmallow import ValidationError

from sharewise.adapters.bridge.api_schemas import AmendmentRequest, FeedQuery, FeedResponse, SubmissionRequest
from sharewise.adapters.bridge.auth import BEARER, current_host, require_host
from sharewise.adapters.bridge.errors import ApiError
from sharewise.adapters.bridge.parsing import Blueprint
from sharewise.adapters.bridge.state import bridge
from sharewise.adapters.exports.formats import MEDIA_TYPES, render
from sharewise.adapters.exports.record_json import RecordSchema, record_to_json
from sharewise.adapters.exports.record_xml import submission_from_xml
from sharewise.core import json_text
from sharewise.core.record import Record
from sharewise.core.store.audit import ACTOR_LIMIT
from sharewise.core.submission import KEY_LIMIT, AmendmentRefused, IdempotencyConflict, SubmissionRefused, Submitted

blp = Blueprint("records", __name__, url_prefix="/api/v1/records", description="Decision records of the calling host.")
blp.before_request(require_host)
SUBMISSION = SubmissionRequest()
FORMAT_BY_MEDIA_TYPE = {media_type: name for name, media_type in MEDIA_TYPES.items()}
XML_TYPES = ("application/xml", "text/xml")
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": True,
    "description": "One value per decision; a retry with the same key returns the first result.",
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_LIMIT},
}
BODY_DOC = {
    "parameters": [IDEMPOTENCY_KEY],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": "SubmissionRequest"},
            "application/xml": {
                "schema": {"type": "string", "description": "a sharewise XML record (urn:sharewise:decision-record:1)"}
            },
        },
    },
}


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(400, "send an Idempotency-Key header (a unique value per decision, reused when retrying)")
    if len(key) > KEY_LIMIT:
        raise ApiError(400, f"the Idempotency-Key header must be at most {KEY_LIMIT} characters")
    if not (key.isascii() and key.isprintable()):
        raise ApiError(400, "the Idempotency-Key header must be printable ASCII (a UUID is a good choice)")
    return key


def _author(context: dict[str, Any]) -> dict[str, Any]:
    practitioner = context.get("practitioner") if isinstance(context.get("practitioner"), dict) else {}
    author = {k: str(practitioner[k])[:ACTOR_LIMIT] for k in ("id", "name", "role") if practitioner.get(k)}
    return author or {"id": f"host:{current_host().name}"}


def _submission() -> dict[str, Any]:
    if request.mimetype in XML_TYPES:
        data = request.get_data(cache=False)
        return submission_from_xml(data, source="the request body", max_bytes=bridge().settings.max_body_bytes)
    if request.mimetype != "application/json":
        raise ApiError(415, "send the submission as application/json or as a sharewise XML record (application/xml)")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "the request body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(422, "the submission is not in the expected shape", {"json": {"_schema": ["must be a JSON object"]}})
    try:
        return SUBMISSION.load(body)
    except ValidationError as invalid:
        raise ApiError(422, "the submission is not in the expected shape", {"json": invalid.messages}) from None


def _created(submitted: Submitted) -> Response:
    response = Response(status=200 if submitted.replayed else 201, mimetype="application/json")
    response.set_data(json_text.encode(record_to_json(submitted.record)))
    response.headers["Location"] = f"/api/v1/records/{submitted.record.id}"
    if submitted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _refused(refused: SubmissionRefused) -> ApiError:
    findings = [f.to_dict() for f in refused.evaluation.findings]
    if not refused.evaluation.valid:
        return ApiError(422, str(refused), {"findings": findings, "outcome": dict(refused.evaluation.outcome)})
    return ApiError(
        409, str(refused), {"findings": findings, "unacknowledged": refused.unacknowledged, "unexpected": refused.unexpected}
    )


@blp.route("", methods=["POST"])
@blp.doc(security=BEARER)
@blp.doc(**BODY_DOC)
@blp.response(201, RecordSchema, description="Recorded (200 with Idempotent-Replayed when the key was used before).")
@blp.alt_response(409, description="Warnings to acknowledge (errors.unacknowledged names them).")
@blp.alt_response(422, description="The answers have errors (errors.findings).")
def submit() -> Response:
    """Record a decision: no error findings, every warning acknowledged; requires an Idempotency-Key."""
    key = _idempotency_key()
    host = current_host()
    bridge().limiter.check(host.name, "submit")
    data = _submission()
    try:
        submitted = bridge().recorder.submit(
            data["form_id"],
            data["answers"],
            acknowledged=data.get("acknowledged_warnings") or [],
            idempotency_key=key,
            author=_author(data.get("context") or {}),
            host=host.name,
            context=data.get("context") or {},
            version=data.get("form_version"),
        )
    except SubmissionRefused as refused:
        raise _refused(refused) from None
    except IdempotencyConflict as conflict:
        raise ApiError(422, str(conflict)) from None
    return _created(submitted)


@blp.route("", methods=["GET"])
@blp.doc(security=BEARER)
@blp.arguments(FeedQuery, location="query")
@blp.response(200, FeedResponse)
def feed(query: dict[str, Any]) -> dict[str, Any]:
    """The pull feed: this host's records in commit order after the cursor ``after``."""
    host = current_host()
    found = bridge().store.list(host=host.name, after_seq=query["after"] or None, limit=query["limit"])
    if found:
        detail = {"host": host.name, "via": "feed", "count": len(found), "after": query["after"]}
        bridge().store.log("exported", actor=f"host:{host.name}", now=bridge().clock(), detail=detail)
    next_cursor = found[-1].created_seq if len(found) == query["limit"] else None
    return {"records": [record_to_json(r) for r in found], "next": next_cursor}


@blp.route("/<record_id>", methods=["GET"])
@blp.doc(security=BEARER)
@blp.response(200, RecordSchema, description="Also as application/xml, application/fhir+json or application/fhir+xml (Accept).")
def get_record(record_id: str) -> Response:
    """One of this host's records, in the format the Accept header asks for."""
    host = current_host()
    record = bridge().store.get(record_id, host=host.name)
    media_type = _negotiate()
    bridge().store.record_access(
        "exported", [record.id], actor=f"host:{host.name}", now=bridge().clock(), detail={"via": "api", "format": media_type}
    )
    return _record_response(record, media_type)


def _negotiate() -> str:
    if not request.accept_mimetypes or request.accept_mimetypes.best == "*/*":
        return "application/json"
    best = request.accept_mimetypes.best_match(list(FORMAT_BY_MEDIA_TYPE))
    if best is None:
        raise ApiError(406, f"this record is available as {', '.join(FORMAT_BY_MEDIA_TYPE)}")
    return best


def _record_response(record: Record, media_type: str) -> Response:
    body = render(record, FORMAT_BY_MEDIA_TYPE[media_type], bridge().forms)
    response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


@blp.route("/<record_id>/amendments", methods=["POST"])
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY_KEY])
@blp.arguments(AmendmentRequest)
@blp.response(201, RecordSchema)
@blp.alt_response(409, description="Warnings to acknowledge, or the record was already amended.")
@blp.alt_response(422, description="The answers have errors.")
def amend(data: dict[str, Any], record_id: str) -> Response:
    """Correct one of this host's records: a new record that supersedes it, with a reason."""
    key = _idempotency_key()
    host = current_host()
    bridge().limiter.check(host.name, "submit")
    try:
        submitted = bridge().recorder.amend(
            record_id,
            data["answers"],
            reason=data["reason"],
            acknowledged=data["acknowledged_warnings"],
            idempotency_key=key,
            author={"id": f"host:{host.name}"},
            host=host.name,
        )
    except SubmissionRefused as refused:
        raise _refused(refused) from None
    except AmendmentRefused as refused:
        raise ApiError(409, str(refused)) from None
    except IdempotencyConflict as conflict:
        raise ApiError(422, str(conflict)) from None
    return _created(submitted)
