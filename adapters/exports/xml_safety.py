"""The one hardened XML parser used for every XML input (imports, XML submissions, stylesheets).

No DTD (a document declaring one is refused), no entity expansion, no network, no XInclude, and
size limits: billion laughs, quadratic blow-up, external entities, external DTDs and XInclude are
each refused at once with a clear message, and nothing is read from disk or the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from sharewise.core.errors import InvalidInput

XINCLUDE = "http://www.w3.org/2001/XInclude"
#: libxml2 errors that mean the document reached for something outside itself.
UNSAFE_ERRORS = frozenset(
    {"IO_NETWORK_ATTEMPT", "ERR_UNDECLARED_ENTITY", "WAR_UNDECLARED_ENTITY", "ERR_ENTITY_LOOP", "ERR_ENTITY_AMPLIFICATION"}
)
#: How deeply elements may nest (libxml2's limit without its "huge" option).
MAX_DEPTH = 256
#: Default largest document accepted (bytes).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class UnsafeXML(InvalidInput):
    """The document uses a feature sharewise never accepts (a DTD, entities, XInclude) or is too large."""


@dataclass(frozen=True)
class XMLProblem:
    """One problem in a document, with its line."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class InvalidXML(InvalidInput):
    """The document is not well-formed, or does not match its schema; every problem is listed."""

    def __init__(self, source: str, problems: list[XMLProblem]) -> None:
        self.problems = problems
        listed = "; ".join(str(p) for p in problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__(f"{source} is not a valid document: {listed}")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, load_dtd=False, dtd_validation=False, no_network=True, huge_tree=False)


def _refuse_before_parsing(data: bytes, source: str) -> None:
    """Refuse what must never reach the parser: a DTD or entity declaration (so no file or URL it names
    is ever opened), and encodings other than UTF-8 (which could hide one from this check)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:64]:
        raise UnsafeXML(f"{source} is not UTF-8: send XML encoded as UTF-8")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXML(
            f"{source} declares a DTD or entities (<!DOCTYPE …>), which are not accepted: send the document without one"
        )


def parse_xml(data: bytes, *, source: str = "the document", max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted XML safely; raise ``UnsafeXML`` or ``InvalidXML`` (with lines) on any problem."""
    if len(data) > max_bytes:
        raise UnsafeXML(f"{source} is larger than the {max_bytes:,}-byte limit for XML")
    _refuse_before_parsing(data, source)
    parser = _parser()
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        errors = list(parser.error_log) or list(exc.error_log)
        for error in errors:
            if error.type_name in UNSAFE_ERRORS:
                raise UnsafeXML(
                    f"{source} uses an entity at line {error.line} ({error.message}); entities are not accepted"
                ) from None
        problems = [XMLProblem(error.line, _plain(error.message)) for error in errors] or [XMLProblem(exc.lineno, str(exc))]
        raise InvalidXML(source, problems) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise UnsafeXML(
            f"{source} declares a DTD or entities (<!DOCTYPE …>), which are not accepted: send the document without one"
        )
    for node in _nodes(tree):
        if isinstance(node, etree._Entity):
            raise UnsafeXML(f"{source} uses an entity reference (&{node.name};) at line {node.sourceline}, which is not accepted")
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{XINCLUDE}}}"):
            raise UnsafeXML(f"{source} uses XInclude at line {node.sourceline}, which is not accepted")
    return tree


def _plain(message: str) -> str:
    """libxml2's message, without advice about parser options the sender cannot set."""
    if "Excessive depth" in message:
        return f"the nesting depth exceeds the {MAX_DEPTH} levels allowed"
    return " ".join(message.split(", use XML_PARSE_HUGE")[0].split())  # one line: libxml2 ends with a newline


def _nodes(tree: etree._ElementTree) -> Iterator[etree._Element]:
    yield from tree.getroot().iter()


def validate(tree: etree._ElementTree, schema: etree.XMLSchema, source: str) -> None:
    """Validate against an XSD; raise ``InvalidXML`` listing every problem with its line."""
    if not schema.validate(tree):
        problems = [XMLProblem(error.line, error.message) for error in schema.error_log]
        raise InvalidXML(source, problems)
