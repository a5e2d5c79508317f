"""The patient's prescriptions: one entry per prescription (the MedicationRequests sharing a
groupIdentifier), with each drug's dose, days and quantity, and the national e-prescription code
that pharmacies scan as a QR. Read through the patient's Repository like every other page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from benhan.clinical.fhirutil import PRESCRIPTION_CODE_SYSTEM
from benhan.fhir.repository import Repository

from .records import _moment, _patients, _search, facility_names

HIDDEN_STATUSES = ("cancelled", "entered-in-error", "draft")


@dataclass
class Drug:
    name: str
    dose: str
    days: int | None
    quantity: str


@dataclass
class Prescription:
    group: str
    written: datetime | None
    facility: str
    code: str  # the national e-prescription code (donthuocquocgia.vn), once the prescription was sent
    drugs: list[Drug] = field(default_factory=list)

    @property
    def qr(self) -> str:
        from benhan.documents.pdf.render import qr_data_uri

        return qr_data_uri(self.code) if self.code else ""


def _drug(request: dict[str, Any]) -> Drug:
    dosage = (request.get("dosageInstruction") or [{}])[0]
    dispense = request.get("dispenseRequest") or {}
    days = (dispense.get("expectedSupplyDuration") or {}).get("value")
    quantity = dispense.get("quantity") or {}
    amount = f"{quantity.get('value', '')} {quantity.get('unit', '')}".strip()
    return Drug((request.get("medicationCodeableConcept") or {}).get("text", ""), str(dosage.get("text", "")),
                int(days) if isinstance(days, int | float) else None, amount)


def _code(request: dict[str, Any]) -> str:
    return next((str(i.get("value", "")) for i in request.get("identifier") or ()
                 if i.get("system") == PRESCRIPTION_CODE_SYSTEM), "")


def prescriptions(repo: Repository, patient_ids: frozenset[str]) -> list[Prescription]:
    """Newest first; lines of one prescription in the order written."""
    if not patient_ids:
        return []
    found = _search(repo, "MedicationRequest", [("patient", _patients(patient_ids)), ("_sort", "-authoredon")])
    names = facility_names({t for _r, t, _m in found})
    groups: dict[str, Prescription] = {}
    for request, tenant, _mode in found:
        if request.get("status") in HIDDEN_STATUSES:
            continue
        key = (request.get("groupIdentifier") or {}).get("value") or request["id"]
        entry = groups.setdefault(key, Prescription(key, _moment(request.get("authoredOn")), names.get(tenant, tenant), ""))
        entry.drugs.append(_drug(request))
        entry.code = entry.code or _code(request)
    return list(groups.values())
