"""``/api/v1/forms``: the forms a host can launch, their definitions, and checking answers."""

from __future__ import annotations

from typing import Any

from sharewise.adapters.bridge.api_schemas import CheckRequest, EvaluationSchema, FormSummary
from sharewise.adapters.bridge.auth import BEARER, require_host
from sharewise.adapters.bridge.observe import findings_seen
from sharewise.adapters.bridge.parsing import Blueprint
from sharewise.adapters.bridge.state import bridge
from sharewise.core.formjson import form_to_dict

blp = Blueprint("forms", __name__, url_prefix="/api/v1/forms", description="Form definitions, and checking answers against them.")
blp.before_request(require_host)


@blp.route("")
@blp.doc(security=BEARER)
@blp.response(200, FormSummary(many=True))
def list_forms() -> list[dict[str, Any]]:
    """Every form (latest versions first listed by id)."""
    return [{"id": f.id, "version": f.version, "title": f.title} for f in bridge().engine.forms.all()]


@blp.route("/<form_id>")
@blp.doc(security=BEARER)
@blp.response(200, description="The whole form definition: sections, questions, options, conditions, guidance.")
def get_form(form_id: str) -> dict[str, Any]:
    """One form, as extended by the enabled plugins."""
    return form_to_dict(bridge().engine.form(form_id))


@blp.route("/<form_id>/check", methods=["POST"])
@blp.doc(security=BEARER)
@blp.arguments(CheckRequest)
@blp.response(200, EvaluationSchema)
def check(data: dict[str, Any], form_id: str) -> dict[str, Any]:
    """Check answers against a form (nothing is stored): every finding, and the decision support."""
    evaluation = bridge().engine.evaluate(form_id, data["answers"], version=data.get("form_version"), host=data["context"])
    findings_seen(evaluation.findings, "check")
    return evaluation.to_dict()
