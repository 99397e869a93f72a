"""The national (England) policy plugin: rules ISD-1 … ISD-26 for the core form, the scheme forms
(Clare's Law, Sarah's Law, the Serious Violence Duty, consent records) with their rules, decision
support and the default retention. Built in and on by default; a deployment elsewhere (Wales,
say) replaces it by explicit configuration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from sharewise.core.context import CheckContext, Retention
from sharewise.core.findings import Finding
from sharewise.core.formdef import FormDefinition
from sharewise.core.hookspecs import hookimpl
from sharewise.plugins.england import consent_rules, csods_rules, dvds_rules, isd_outcome, isd_rules, svd_rules
from sharewise.plugins.england.retention import default_retention

RULE_SETS = (isd_rules.rules, dvds_rules.rules, csods_rules.rules, svd_rules.rules, consent_rules.rules)
SCHEME_FORMS = ("dvds-disclosure", "csods-disclosure", "serious-violence-duty", "consent-record")


@hookimpl
def sharewise_forms() -> list[Traversable]:
    """The scheme forms: Clare's Law, Sarah's Law, the Serious Violence Duty and consent records."""
    root = files(__name__) / "forms"
    return [root / form_id / "v1.yaml" for form_id in SCHEME_FORMS]


@hookimpl
def sharewise_validate(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> list[Finding]:
    """Apply the national rules for ``form``."""
    return [finding for rule_set in RULE_SETS for finding in rule_set.run(form, answers, context)]


@hookimpl
def sharewise_outcome(
    form: FormDefinition, answers: Mapping[str, Any], findings: Sequence[Finding], context: CheckContext
) -> dict[str, Any] | None:
    """Decision support: sharing, consent, sensitivity and suggested conditions for the core form."""
    if form.id == isd_rules.FORM_ID:
        return isd_outcome.outcome(answers, context)
    return None


@hookimpl(trylast=True)
def sharewise_retention(form: FormDefinition, answers: Mapping[str, Any], context: CheckContext) -> Retention:
    """The national default retention for every form."""
    return default_retention(answers, context)
