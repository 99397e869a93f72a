"""Read YAML form definitions keeping the line of every value, so lint can point at it.

Booleans follow YAML 1.2 (only ``true``/``false``): ``yes``, ``no``, ``on`` and ``off`` stay
strings, so an option code such as ``yes`` is never silently turned into a boolean; dates and
times stay strings too.
Duplicate keys in a mapping are reported instead of the later one silently winning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader (libyaml's when available) with YAML 1.2 booleans and no timestamps."""


_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass
class YamlDocument:
    """A parsed YAML document with the line (1-based) of each path in it."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[Path, int]] = field(default_factory=list)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


class YamlSyntaxError(ValueError):
    """The text is not YAML; carries the line of the problem."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document, recording lines; raise ``YamlSyntaxError`` if it is not YAML."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line = _error_line(exc, text)
        raise YamlSyntaxError(f"not valid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"not valid YAML: {exc}", None) from None
    document = YamlDocument(data=None)
    if node is not None:
        constructor = yaml.SafeLoader("")
        document.data = _convert(node, (), document, constructor)
    return document


def _error_line(exc: yaml.MarkedYAMLError, text: str) -> int | None:
    """The line to blame: where the problem is, unless that is the end of the file (an unclosed
    quote or bracket), in which case where the unclosed construct started."""
    problem, context = exc.problem_mark, exc.context_mark
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    if problem is not None and (problem.line + 1 <= last_line or context is None):
        return problem.line + 1
    if context is not None:
        return context.line + 1
    return None


def _convert(node: yaml.Node, path: Path, document: YamlDocument, constructor: _Loader) -> Any:
    document.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                key = str(key)
            if key in result:
                document.duplicate_keys.append((path + (key,), key_node.start_mark.line + 1))
            child = path + (key,)
            document.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, document, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), document, constructor) for i, item in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)


def format_path(path: Path) -> str:
    """Render a path as ``sections[2].questions[4].show_if``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
