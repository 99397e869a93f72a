"""The OpenAPI 3 description at ``/api/v1/openapi.json`` (issue 6 §3) and schemathesis against it (§7):
every documented path is there, authentication and the Idempotency-Key are described, and generated
requests never get a server error."""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from sharewise.adapters.bridge import create_app
from sharewise.core.hosts import HostRegistry
from sharewise.core.store import Store
from sharewise.core.store.migrate import upgrade

PATHS = [
    "/api/v1/forms",
    "/api/v1/forms/{form_id}",
    "/api/v1/forms/{form_id}/check",
    "/api/v1/records",
    "/api/v1/records/{record_id}",
    "/api/v1/records/{record_id}/amendments",
    "/api/v1/launch",
]
METHODS = {"get", "post", "put", "patch", "delete"}


# The description does not depend on the database: one bridge of its own (a SQLite database in a temporary
# directory with one registered host) serves it, and schemathesis below. The schema is loaded at import
# because ``schemathesis.pytest.from_fixture`` does not work under pytest 9 ('Function' object has no
# attribute '_nodeid').


def _fuzzed_app() -> tuple[Flask, str, tempfile.TemporaryDirectory[str]]:
    directory = tempfile.TemporaryDirectory(prefix="sharewise-openapi-")
    url = f"sqlite:///{Path(directory.name) / 'fuzz.db'}"
    store = Store(url)
    upgrade(store.engine)
    api_key = HostRegistry(store).add("fuzz-host", origins=["https://fuzz.example"], now=dt.datetime.now(dt.UTC)).api_key
    store.close()
    config = {"database_url": url, "environment": "production", "secret_key": "f" * 40, "rate_limit_per_minute": 100_000}
    return create_app(config), api_key, directory


FUZZED_APP, FUZZ_KEY, _FUZZ_DIRECTORY = _fuzzed_app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", FUZZED_APP)


@pytest.fixture
def document():
    response = FUZZED_APP.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def parameters(document, path, method):
    item = document["paths"][path]
    return [*item.get("parameters", []), *item[method].get("parameters", [])]


def test_it_is_openapi_3_with_every_documented_path(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    assert set(PATHS) <= set(document["paths"]), sorted(set(PATHS) - set(document["paths"]))
    assert set(document["paths"]["/api/v1/records"]) >= {"get", "post"}
    assert "post" in document["paths"]["/api/v1/records/{record_id}/amendments"]
    assert "post" in document["paths"]["/api/v1/launch"]
    assert "post" in document["paths"]["/api/v1/forms/{form_id}/check"]


def test_the_schemas_come_from_the_marshmallow_schemas(document):
    schemas = document["components"]["schemas"]
    record = next(schema for name, schema in schemas.items() if name.startswith("Record"))
    assert {"id", "form_id", "answers", "findings", "content_hash", "host"} <= set(record["properties"])
    submit = document["paths"]["/api/v1/records"]["post"]
    assert {"application/json", "application/xml"} <= set(submit["requestBody"]["content"])
    assert "201" in submit["responses"] and "409" in submit["responses"] and "422" in submit["responses"]


def test_the_feed_parameters_are_described_with_their_bounds(document):
    found = {p["name"]: p for p in parameters(document, "/api/v1/records", "get") if p["in"] == "query"}

    assert set(found) >= {"after", "limit"}
    assert found["limit"]["schema"].get("minimum") == 1
    assert found["limit"]["schema"].get("maximum") == 200


def test_bearer_authentication_is_declared_on_every_api_operation(document):
    schemes = document["components"]["securitySchemes"]
    bearer = [name for name, scheme in schemes.items() if scheme.get("scheme") == "bearer"]
    assert bearer, schemes
    undeclared = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(document)
        if not any(set(requirement) & set(bearer) for requirement in operation.get("security", document.get("security", [])))
    ]
    assert undeclared == [], f"operations that do not say they need the bearer key: {undeclared}"


def test_the_idempotency_key_header_is_described_where_it_is_required(document):
    missing = []
    for path in ["/api/v1/records", "/api/v1/records/{record_id}/amendments"]:
        headers = {p["name"].lower(): p for p in parameters(document, path, "post") if p["in"] == "header"}
        if not headers.get("idempotency-key", {}).get("required"):
            missing.append(f"POST {path}")
    assert missing == [], f"operations that require an Idempotency-Key header without describing it: {missing}"


# --- schemathesis --------------------------------------------------------------------------------------


@schema.parametrize()
@settings(max_examples=20, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_get_a_server_error(case):
    headers = {"Authorization": f"Bearer {FUZZ_KEY}", "Idempotency-Key": f"schemathesis-{uuid.uuid4()}"}

    case.call_and_validate(headers=headers, checks=[not_a_server_error])
