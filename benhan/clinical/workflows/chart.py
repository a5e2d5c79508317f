"""The patient chart: one page of each section, newest first, and the chart-opening audit.

Each section costs two indexed queries (ids from the chart index, then the resources through
Repository.read_many), however long the record is: a patient with 500 encounters opens as fast as
one with five.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator

from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository

from ..models import ChartEntry
from .common import load
from .registration import replaced_ids

SECTION_SIZE = 20
SECTIONS = {
    "encounters": ("Encounter",),
    "problems": ("Condition",),
    "medications": ("MedicationRequest",),
    "results": ("DiagnosticReport",),
    "vitals": ("Observation",),
    "documents": ("DocumentReference", "Composition"),
    "allergies": ("AllergyIntolerance",),
    "appointments": ("Appointment",),
    "orders": ("ServiceRequest",),
}


@dataclass
class Section:
    name: str
    items: list[dict[str, Any]]
    total: int
    page: int = 1
    pages: int = 1


@dataclass
class Chart:
    patient: dict[str, Any]
    patient_ids: list[str]
    sections: dict[str, Section] = field(default_factory=dict)


def section(repo: Repository, patient_ids: list[str], name: str, *, page: int = 1, size: int = SECTION_SIZE,
            with_total: bool = True) -> Section:
    """One page of one section: ids from the chart index, newest first, then the resources in one read."""
    types = SECTIONS[name]
    qs = ChartEntry.objects.filter(patient_id__in=patient_ids, resource_type__in=types)
    tenants = repo.policy.tenants(repo.actor)
    if tenants is not None:
        qs = qs.filter(tenant__in=tenants)
    if name == "vitals":
        # Only vital signs: laboratory Observations are shown through their reports.
        qs = qs.filter(category="vital-signs")
    if name == "problems":
        qs = qs.exclude(status="entered-in-error")
    rows = list(qs.order_by("-sort_date", "-id").values_list("resource_type", "resource_id")
                [(page - 1) * size: page * size + (0 if with_total else 1)])
    total = qs.count() if with_total else len(rows)
    by_type: dict[str, list[str]] = {}
    for rtype, rid in rows:
        by_type.setdefault(rtype, []).append(rid)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for rtype, ids in by_type.items():
        for stored in repo.read_many(rtype, ids):
            found[(rtype, stored.id)] = stored.json()
    items = [found[key] for key in rows if key in found]
    if name == "problems":
        items = [c for c in items if ((c.get("verificationStatus") or {}).get("coding") or [{}])[0].get("code")
                 != "entered-in-error"]
    pages = max(1, -(-total // size))
    return Section(name, items[:size], total, page, pages)


def open_chart(repo: Repository, patient_id: str, *, page: int = 1, sections: tuple[str, ...] | None = None) -> Chart:
    """Open the chart (audited as one 'chart-open' event) with the first page of each section.

    The record includes the records merged into this one (Patient.link replaces).
    """
    _stored, patient = load(repo, "Patient", patient_id)
    ids = [patient_id, *replaced_ids(patient)]
    repo.audit_event("chart-open", resource_type="Patient", resource_id=patient_id, patient_id=patient_id)
    chart = Chart(patient, ids)
    for name in sections or tuple(SECTIONS):
        chart.sections[name] = section(repo, ids, name, page=page if name == "encounters" else 1)
    return chart


def encounter_entries(repo: Repository, encounter_id: str, types: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """Everything written in one encounter, by type, in the order written."""
    rows = list(ChartEntry.objects.filter(encounter_id=encounter_id, resource_type__in=types)
                .order_by("sort_date", "id").values_list("resource_type", "resource_id").distinct())
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in types}
    by_type: dict[str, list[str]] = {}
    for rtype, rid in rows:
        by_type.setdefault(rtype, []).append(rid)
    for rtype, ids in by_type.items():
        out[rtype] = [s.json() for s in repo.read_many(rtype, ids)]
    return out


def access_log(patient_id: str, limit: int = 200, page: int = 1) -> tuple[list[AuditRow], int]:
    """Who opened or changed this patient's record, newest first (for authorised staff)."""
    qs = AuditRow.objects.filter(patient_id=patient_id).order_by("-recorded", "-id")
    paginator = Paginator(qs, limit)
    current = paginator.get_page(page)
    return list(current.object_list), paginator.count
