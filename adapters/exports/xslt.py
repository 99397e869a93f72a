"""XSLT host mappings: built-in stylesheets in ``sharewise.adapters.xslt`` or an integrator's own file,
parsed with the hardened parser and run with ``XSLTAccessControl.DENY_ALL`` (no file or network access)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from lxml import etree

from sharewise.adapters.exports.xml_safety import UnsafeXML, parse_xml
from sharewise.core.errors import InvalidInput

PACKAGE = "sharewise.adapters.xslt"
XSL = "http://www.w3.org/1999/XSL/Transform"
MAX_STYLESHEET_BYTES = 5 * 1024 * 1024


def builtin_mappings() -> list[str]:
    """The names of the built-in host mappings (``case-note``…)."""
    return sorted(entry.name.removesuffix(".xsl") for entry in files(PACKAGE).iterdir() if entry.name.endswith(".xsl"))


@cache
def stylesheet(name_or_path: str) -> etree.XSLT:
    """A built-in mapping by name, or a stylesheet file by path, ready to run with no file or network access."""
    if name_or_path in builtin_mappings():
        data, source = (files(PACKAGE) / f"{name_or_path}.xsl").read_bytes(), f"the built-in mapping {name_or_path}"
    elif name_or_path.endswith(".xsl") or "/" in name_or_path:
        path = Path(name_or_path)
        try:
            data, source = path.read_bytes(), str(path)
        except OSError as exc:
            raise InvalidInput(f"cannot read the stylesheet {path}: {exc.strerror or exc}") from None
    else:
        raise InvalidInput(
            f"unknown host mapping '{name_or_path}' (built in: {', '.join(builtin_mappings())}; or give a path to a .xsl file)"
        )
    tree = parse_xml(data, source=source, max_bytes=MAX_STYLESHEET_BYTES)
    for element in tree.getroot().iter(f"{{{XSL}}}include", f"{{{XSL}}}import"):
        where = f"xsl:{etree.QName(element).localname} (line {element.sourceline})"
        raise UnsafeXML(f"{source} uses {where}, which is not accepted: a host mapping must be one self-contained file")
    try:
        return etree.XSLT(tree, access_control=etree.XSLTAccessControl.DENY_ALL)
    except etree.XSLTParseError as exc:
        raise InvalidInput(f"{source} is not a usable XSLT stylesheet: {exc}") from None


def transform(mapping: etree.XSLT, element: etree._Element) -> etree._ElementTree:
    """Run a mapping on one record element; ``InvalidInput`` if the stylesheet fails or reaches outside."""
    try:
        return mapping(etree.ElementTree(element))
    except etree.XSLTApplyError as exc:
        raise InvalidInput(f"the host mapping failed: {exc}") from None
