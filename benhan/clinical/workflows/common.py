"""Helpers every workflow step uses: who acts, and reading/updating resources by reference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.fhir.store import Stored

from ..errors import ClinicalError
from ..fhirutil import CSKCB_SYSTEM


def performer(repo: Repository) -> dict[str, Any]:
    """The acting staff member as a FHIR reference (their Practitioner when the account has one)."""
    practitioner_id = repo.actor.extra.get("practitioner_id", "")
    display = repo.actor.display.split(" (")[0] if repo.actor.display else repo.actor.id
    if practitioner_id:
        return {"reference": f"Practitioner/{practitioner_id}", "display": display}
    return {"display": display}


def load(repo: Repository, resource_type: str, resource_id: str) -> tuple[Stored, dict[str, Any]]:
    try:
        stored = repo.read(resource_type, resource_id)
    except FhirError as exc:
        if exc.status in (404, 410):
            raise ClinicalError(_("Không tìm thấy hồ sơ được yêu cầu.")) from exc
        raise
    return stored, stored.json()


def load_active_patient(repo: Repository, patient_id: str) -> dict[str, Any]:
    """A patient record still in use: a merged record must not get new encounters."""
    _stored, patient = load(repo, "Patient", patient_id)
    if patient.get("active") is False:
        raise ClinicalError(_("Hồ sơ này đã được gộp vào hồ sơ khác; hãy dùng hồ sơ còn hiệu lực."))
    return patient


def service_provider(repo: Repository) -> dict[str, Any]:
    """Encounter.serviceProvider: the facility the repository acts for, by its BHYT code."""
    return {"identifier": {"system": CSKCB_SYSTEM, "value": repo.facility}}


def modify(repo: Repository, resource_type: str, resource_id: str,
           change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Read, change and write back at the version read: a concurrent edit makes the step fail, not vanish."""
    stored, resource = load(repo, resource_type, resource_id)
    change(resource)
    written, _created = repo.update(resource, resource_id, if_match=stored.version_id)
    return written.json()


def subject_id(resource: dict[str, Any]) -> str:
    ref = (resource.get("subject") or resource.get("patient") or {}).get("reference", "")
    return ref.split("/", 1)[1] if ref.startswith("Patient/") else ""
