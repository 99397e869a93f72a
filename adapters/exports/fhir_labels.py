"""Plain-English labels for the option codes the FHIR export shows as ``display`` text.

Kept here, not read from the form definitions, so that an export reads the same whatever plugins
the exporting deployment enables; a test checks every table against the forms' option codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AGENCY = {
    "children_social_care": "Children's social care",
    "adult_social_care": "Adult social care",
    "police": "Police",
    "health_gp": "GP practice",
    "health_other": "Other health service",
    "education": "School, college or early years setting",
    "probation": "Probation",
    "youth_justice": "Youth justice service",
    "housing": "Housing",
    "local_authority_other": "Other local authority service",
    "voluntary_sector": "Voluntary or community organisation",
    "other": "Other organisation",
}
#: ``consent_given_by`` (core form) and ``given_by`` (consent-record).
GIVEN_BY = {
    "data_subject": "The person the information is about",
    "child_competent": "The child, who has sufficient understanding to decide",
    "parent_with_pr": "A parent with parental responsibility",
    "other_with_authority": "Someone else with authority to consent",
}
SHARE_METHOD = {
    "secure_email": "Secure email",
    "secure_portal": "Secure portal or case management system",
    "phone": "Phone",
    "face_to_face": "Face to face",
    "letter": "Letter",
    "other": "Another way",
}
DVDS_RECIPIENT = {
    "person_at_risk": "The person at risk",
    "person_best_placed_to_safeguard": "The person best placed to safeguard the person at risk",
    "applicant": "The applicant",
}
DVDS_METHOD = {"in_person": "In person", "phone": "By phone", "other": "Another way"}
CSODS_RECIPIENT_ROLE = {
    "parent": "A parent",
    "carer": "A carer",
    "guardian": "A guardian",
    "other_best_placed": "Someone else best placed to protect the child",
}
SVD_AUTHORITY = {
    "police": "Police",
    "probation": "Probation",
    "youth_offending_team": "Youth offending team",
    "integrated_care_board": "Integrated care board",
    "local_authority": "Local authority",
    "local_policing_body": "Local policing body",
    "educational": "Educational authority",
    "prison": "Prison authority",
    "youth_custody": "Youth custody authority",
}
SVD_INFORMATION_TYPE = {
    "anonymised_aggregate": "Anonymised or aggregate information",
    "personal": "Personal information",
    "patient": "Patient information",
}


def label(table: Mapping[str, str], code: Any) -> str | None:
    """The label of ``code`` in ``table``; the code itself if the table lacks it; ``None`` if unanswered."""
    if not isinstance(code, str) or not code:
        return None
    return table.get(code, code)
