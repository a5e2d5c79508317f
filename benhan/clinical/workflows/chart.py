"""The patient chart: one page of each section, newest first, and the chart-opening audit.

The first page of every section costs two index queries (a row-number window per type and a count
per type) and one batch read through Repository.read_refs, however long the record is: a patient
with 500 encounters opens as fast as one with five.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

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


def _scope(repo: Repository, patient_ids: list[str], names: tuple[str, ...]) -> Q:
    """The index rows of the chosen sections (vital signs only among Observations)."""
    where = Q()
    for name in names:
        part = Q(resource_type__in=SECTIONS[name])
        if name == "vitals":
            part &= Q(category="vital-signs")
        where |= part
    where &= Q(patient_id__in=patient_ids)
    tenants = repo.policy.tenants(repo.actor)
    if tenants is not None:
        where &= Q(tenant__in=tenants)
    return where


def _first_pages(repo: Repository, patient_ids: list[str], names: tuple[str, ...], size: int) -> dict[str, Section]:
    """The first page of every section with two index queries (a window per type, a count per type)
    and one batch read of all the resources shown."""
    where = _scope(repo, patient_ids, names)
    ranked = (ChartEntry.objects.filter(where)
              .annotate(rank=Window(RowNumber(), partition_by=[F("resource_type")],
                                    order_by=[F("sort_date").desc(nulls_last=True), F("id").desc()]))
              .filter(rank__lte=size).values_list("resource_type", "resource_id", "sort_date", "id"))
    rows = sorted(ranked, key=lambda r: (r[2] is not None, r[2], r[3]), reverse=True)
    counts = dict(ChartEntry.objects.filter(where).values_list("resource_type").annotate(n=Count("id"))
                  .values_list("resource_type", "n"))
    found = {(s.resource_type, s.id): s.json() for s in repo.read_refs([(t, i) for t, i, _d, _n in rows])}
    sections = {}
    for name in names:
        types = SECTIONS[name]
        items = [found[(t, i)] for t, i, _d, _n in rows if t in types and (t, i) in found][:size]
        if name == "problems":
            items = [c for c in items if _verification(c) != "entered-in-error"]
        total = sum(counts.get(t, 0) for t in types)
        sections[name] = Section(name, items, total, 1, max(1, -(-total // size)))
    return sections


def _verification(condition: dict[str, Any]) -> str:
    return str(((condition.get("verificationStatus") or {}).get("coding") or [{}])[0].get("code", ""))


def open_chart(repo: Repository, patient_id: str, *, page: int = 1, sections: tuple[str, ...] | None = None) -> Chart:
    """Open the chart (audited as one 'chart-open' event) with the first page of each section.

    The record includes the records merged into this one (Patient.link replaces). A later page of
    the encounters costs one more section read.
    """
    _stored, patient = load(repo, "Patient", patient_id)
    ids = [patient_id, *replaced_ids(patient)]
    repo.audit_event("chart-open", resource_type="Patient", resource_id=patient_id, patient_id=patient_id)
    chart = Chart(patient, ids)
    chart.sections = _first_pages(repo, ids, sections or tuple(SECTIONS), SECTION_SIZE)
    if page > 1 and "encounters" in chart.sections:
        chart.sections["encounters"] = section(repo, ids, "encounters", page=page)
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
