"""One line of plain Vietnamese per shared resource, and its date (dd/mm/yyyy), for the shared-records page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from benhan.clinical.views.present import concept_text, observation_value
from benhan.vn.formatting import vn_date

JSON = dict[str, Any]


def describe(resource: JSON) -> str:
    kind = resource.get("resourceType", "")
    if kind == "Patient":
        name = next((n.get("text", "") for n in resource.get("name") or ()), "")
        return _("Hồ sơ người bệnh: %(name)s") % {"name": name}
    if kind == "Condition":
        return _("Chẩn đoán: %(c)s") % {"c": concept_text(resource.get("code"))}
    if kind == "AllergyIntolerance":
        return _("Dị ứng: %(c)s") % {"c": concept_text(resource.get("code"))}
    if kind == "MedicationRequest":
        return _("Thuốc: %(c)s") % {"c": concept_text(resource.get("medicationCodeableConcept"))}
    if kind == "Observation":
        return f"{concept_text(resource.get('code'))}: {observation_value(resource)}"
    if kind == "DiagnosticReport":
        return _("Phiếu kết quả: %(c)s") % {"c": concept_text(resource.get("code"))}
    if kind == "Encounter":
        reason = "; ".join(concept_text(r) for r in resource.get("reasonCode") or ())
        return _("Lượt khám %(cls)s %(reason)s") % {"cls": (resource.get("class") or {}).get("code", ""), "reason": reason}
    if kind == "Composition":
        return str(resource.get("title", ""))
    return kind


def when(resource: JSON) -> str:
    for key in ("effectiveDateTime", "authoredOn", "recordedDate", "onsetDateTime", "issued", "date", "birthDate"):
        if resource.get(key):
            return vn_date(str(resource[key]))
    return vn_date(str((resource.get("period") or {}).get("start", "")))
