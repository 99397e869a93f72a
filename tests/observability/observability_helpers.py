"""Helpers for the observability tests (issue 8 item 5): reading ``/metrics`` with prometheus_client's own
parser, reading JSON log lines, and the personal data and secrets a run uses, to search the logs for.
(Importable from the tests: conftest.py puts this directory on ``sys.path``.)"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

CORE = "information-sharing-decision"
TOKEN = "metrics-token-5f0c2b9e7d41a8c6"

#: Personal data a run sends, each value distinctive enough to be searched for in the logs.
CONTEXT: dict[str, Any] = {
    "case_ref": "CASEREF-OBS-73190",
    "subject": {"name": "Philomena Grisewood-Okonkwo", "nhs_number": "9434765919", "dob": "2017-05-02"},
    "practitioner": {"name": "Dr Evander Quickthorpe", "role": "School nurse Tamsin", "id": "PRAC-OBS-5521"},
}
ANSWERS = {
    "purpose": "Purpose marker HALCYON-PIPIT-6604: the child is at risk at home.",
    "decision_reasons": "Reasons marker SORREL-GANNET-3318 outweigh confidentiality.",
    "shared_with": "Recipient marker Duty Social Worker Ottoline Brackenbury",
    "decision_maker_name": "Dr Cressida Wimbourne-Adeyemi",
}
PERSONAL = [
    "CASEREF-OBS-73190",
    "Philomena",
    "Grisewood",
    "9434765919",
    "Evander",
    "Quickthorpe",
    "Tamsin",
    "PRAC-OBS-5521",
    "HALCYON-PIPIT-6604",
    "SORREL-GANNET-3318",
    "Ottoline",
    "Brackenbury",
    "Cressida",
    "Wimbourne",
]


@dataclass(frozen=True)
class Scrape:
    """One scrape of ``/metrics``: the family names and every sample's value."""

    families: list[str]
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float:
        """The sample ``name`` with exactly these labels (0 when absent: a counter not yet incremented)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def total(self, name: str, **labels: str) -> float:
        """The sum over every sample ``name`` whose labels include these."""
        wanted = set(labels.items())
        return sum(v for (n, got), v in self.samples.items() if n == name and wanted <= got)

    def labelled(self, name: str, label: str, **labels: str) -> dict[str, float]:
        """``{value of label: sample}`` for the samples ``name`` whose labels include ``labels``."""
        wanted = set(labels.items())
        return {dict(got)[label]: v for (n, got), v in self.samples.items() if n == name and wanted <= got}


def parse(text: str) -> Scrape:
    """Parse the Prometheus text format with ``prometheus_client.parser.text_string_to_metric_families``."""
    families, samples = [], {}
    for family in text_string_to_metric_families(text):
        families.append(family.name)
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(families, samples)


def changes(before: Scrape, after: Scrape, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """How each sample ``name`` moved between two scrapes (only those that moved)."""
    keys = {labels for (n, labels) in [*before.samples, *after.samples] if n == name}
    moved = {labels: after.samples.get((name, labels), 0.0) - before.samples.get((name, labels), 0.0) for labels in keys}
    return {labels: delta for labels, delta in moved.items() if delta}


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


def json_lines(text: str, source: str) -> list[dict[str, Any]]:
    """Every non-blank line of ``text`` parsed as one JSON object (failing on the first that is not)."""
    parsed = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"{source} line {number} is not JSON: {line[:300]!r}") from None
        assert isinstance(entry, dict), f"{source} line {number} is not a JSON object: {line[:300]!r}"
        assert {"timestamp", "level", "logger", "message"} <= set(entry), f"{source} line {number} lacks a field: {entry}"
        parsed.append(entry)
    return parsed


def leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets (or personal data) found in ``text``."""
    return [secret for secret in secrets if secret and secret in text]


def rule_ids(findings: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({str(f["rule"]) for f in findings})
