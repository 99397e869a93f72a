"""docs/security.md stays true: every test it names exists, every test here is named there, and every
threat names at least one test."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def references(text: str) -> set[tuple[str, str]]:
    return set(REFERENCE.findall(text))


def test_every_test_the_threat_model_names_exists():
    named = references(DOC.read_text(encoding="utf-8"))
    assert len(named) >= 40
    missing = []
    for path, name in sorted(named):
        source = ROOT / path
        if not source.is_file() or not re.search(rf"^def {name}\(", source.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == [], f"docs/security.md names tests that do not exist: {missing}"


def test_every_security_test_is_in_the_threat_model():
    named = references(DOC.read_text(encoding="utf-8"))
    here = Path(__file__).resolve().parent
    tests = {
        (f"tests/security/{path.name}", name)
        for path in here.glob("test_*.py")
        if path.name != Path(__file__).name
        for name in re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.M)
    }
    assert tests - named == set(), f"tests not named in docs/security.md: {sorted(tests - named)}"


def test_every_threat_names_a_test():
    sections = re.split(r"^### ", DOC.read_text(encoding="utf-8"), flags=re.M)[1:]
    threats = [section for section in sections if re.match(r"T\d+ ", section)]
    assert len(threats) >= 12
    for section in threats:
        assert references(section), f"threat without a test: {section.splitlines()[0]}"


def test_the_documentation_index_links_the_threat_model():
    assert "(security.md)" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
