"""Writing a decision record as XML text — the hot path of bulk export.

The record is written as escaped text and parsed once by lxml (which checks it is well formed): about
three times faster than building the same tree element by element. Every value is escaped; text XML
1.0 cannot carry (control characters, and keys holding them) is written JSON-escaped with
``escaped="json"`` / ``nameEscaped="json"`` so that it converts back exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from sharewise.core.answer_fields import UNSTORABLE
from sharewise.core.formdef import FormDefinition
from sharewise.core.record import Record

NS = "urn:sharewise:decision-record:1"
_NEEDS_ESCAPING = re.compile('[&<>"\r\n\t]')
VALUE_ELEMENTS = {
    "yes_no": "boolean",
    "choice": "code",
    "multi": "code",
    "text": "text",
    "textarea": "text",
    "integer": "integer",
    "date": "date",
    "datetime": "dateTime",
}


def _escape_text(value: str) -> str:
    if not _NEEDS_ESCAPING.search(value):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _escape_attribute(value: str) -> str:
    if not _NEEDS_ESCAPING.search(value):
        return value
    escaped = _escape_text(value).replace('"', "&quot;")
    return escaped.replace("\n", "&#10;").replace("\t", "&#9;")


def _json_escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)[1:-1]


def _attribute(name: str, value: str) -> str:
    if UNSTORABLE.search(value):
        return f' {name}="{_escape_attribute(_json_escaped(value))}" {name}Escaped="json"'
    return f' {name}="{_escape_attribute(value)}"'


def _text(tag: str, value: str, attributes: str = "") -> str:
    if UNSTORABLE.search(value):
        return f'<{tag}{attributes} escaped="json">{_escape_text(_json_escaped(value))}</{tag}>'
    return f"<{tag}{attributes}>{_escape_text(value)}</{tag}>"


def _value(tag: str, value: Any, attributes: str = "") -> str:
    if value is None:
        return f'<{tag}{attributes} type="null"/>'
    if isinstance(value, bool):
        return f'<{tag}{attributes} type="boolean">{"true" if value else "false"}</{tag}>'
    if isinstance(value, (int, float)):
        return f'<{tag}{attributes} type="number">{json.dumps(value)}</{tag}>'
    if isinstance(value, str):
        return _text(tag, value, f'{attributes} type="string"')
    if isinstance(value, Mapping):
        members = "".join(_value("member", item, _attribute("name", str(key))) for key, item in value.items())
        return f'<{tag}{attributes} type="object">{members}</{tag}>'
    items = "".join(_value("item", item) for item in value)
    return f'<{tag}{attributes} type="array">{items}</{tag}>'


def _object(tag: str, value: Mapping[str, Any]) -> str:
    members = "".join(_value("member", item, _attribute("name", str(key))) for key, item in value.items())
    return f"<{tag}>{members}</{tag}>"


def _fits(kind: str, value: Any) -> bool:
    if kind == "yes_no":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "multi":
        return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
    return kind in VALUE_ELEMENTS and isinstance(value, str)


def _answer(question: str, kind: str, value: Any) -> str:
    who = _attribute("question", question)
    if not _fits(kind, value):
        return f'<answer{who} type="unknown">{_value("value", value)}</answer>'
    tag = VALUE_ELEMENTS[kind]
    if kind == "yes_no":
        inner = f"<boolean>{'true' if value else 'false'}</boolean>"
    elif kind == "integer":
        inner = f"<integer>{value}</integer>"
    else:
        inner = "".join(_text(tag, item) for item in (value if kind == "multi" else (value,)))
    return f'<answer{who} type="{kind}">{inner}</answer>'


def _finding(finding: Mapping[str, Any]) -> str:
    attributes = _attribute("rule", finding["rule"]) + _attribute("severity", finding["severity"])
    for name in ("field", "plugin"):
        if finding.get(name) is not None:
            attributes += _attribute(name, finding[name])
    reference = _text("reference", finding["reference"]) if finding.get("reference") is not None else ""
    return f"<finding{attributes}>{_text('message', finding['message'])}{reference}</finding>"


_TYPES: dict[int, tuple[FormDefinition, dict[str, str]]] = {}


def _answer_types(form: FormDefinition | None) -> dict[str, str]:
    """Question id → type for a form, worked out once per form object."""
    if form is None:
        return {}
    if id(form) not in _TYPES:
        _TYPES[id(form)] = (form, {question.id: question.type for question in form.iter_questions()})
    return _TYPES[id(form)][1]


def record_text(record: Record, form: FormDefinition | None = None) -> str:
    """The record as the text of one ``record`` element (answer types from ``form`` when known)."""
    types = _answer_types(form)
    parts = [
        f'<record xmlns="{NS}"{_attribute("id", record.id)}>',
        f'<form{_attribute("id", record.form_id)} version="{int(record.form_version)}"/>',
        _text("createdAt", record.created_at),
        _text("host", record.host),
        _object("author", record.author),
        _object("context", record.context),
        "<answers>",
        *(_answer(question, types.get(question, "unknown"), value) for question, value in record.answers.items()),
        "</answers><findings>",
        *(_finding(finding) for finding in record.findings),
        "</findings><acknowledgedWarnings>",
        *(_text("rule", rule) for rule in record.acknowledged_warnings),
        "</acknowledgedWarnings>",
        _object("outcome", record.outcome),
        f"<reviewRequired>{'true' if record.review_required else 'false'}</reviewRequired>",
        f"<retention{_attribute('class', record.retention_class)}{_attribute('reviewOn', record.review_on)}/>",
        _text("supersedes", record.supersedes) if record.supersedes is not None else "",
        _text("amendmentReason", record.amendment_reason) if record.amendment_reason is not None else "",
        "<provenance>",
        *(f"<plugin{_attribute('name', name)}{_attribute('version', version)}/>" for name, version in record.plugins.items()),
        "</provenance>",
        _text("contentHash", record.content_hash, ' algorithm="sha256"'),
        _text("disposal", record.disposal) if record.disposal is not None else "",
        _text("remainingHash", record.compute_hash(), ' algorithm="sha256"') if record.disposal is not None else "",
        "</record>",
    ]
    return "".join(parts)


def record_element(record: Record, form: FormDefinition | None = None) -> etree._Element:
    """The record as an lxml element (parsed from ``record_text``, which also proves it well formed)."""
    return etree.fromstring(record_text(record, form))
