"""Everything one finished encounter's claim is made from, read through the repository."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from benhan.fhir.repository import Repository
from benhan.fhir.search import search

JSON = dict[str, Any]


@dataclass
class Episode:
    encounter: JSON
    patient: JSON
    coverage: JSON | None
    conditions: list[JSON] = field(default_factory=list)  # in Encounter.diagnosis rank order
    medications: list[JSON] = field(default_factory=list)
    services: list[JSON] = field(default_factory=list)  # ServiceRequests
    observations: list[JSON] = field(default_factory=list)
    notes: list[JSON] = field(default_factory=list)  # DocumentReferences (clinical notes)
    compositions: list[JSON] = field(default_factory=list)  # discharge summaries
    appointments: list[JSON] = field(default_factory=list)  # re-examination appointments made at this visit
    referrals: list[JSON] = field(default_factory=list)  # referral ServiceRequests (benhan.exchange.referral)


REFERRAL_CATEGORY = ("http://snomed.info/sct", "3457005")


def is_referral(request: JSON) -> bool:
    return any((c.get("system"), c.get("code")) == REFERRAL_CATEGORY
               for cat in request.get("category") or () for c in cat.get("coding") or ())


def _all(repo: Repository, resource_type: str, params: list[tuple[str, str]]) -> list[JSON]:
    out: list[JSON] = []
    page = [*params, ("_count", "500")]
    base = settings.FHIR_BASE_URL
    while True:
        result = search(repo, resource_type, page, base_url=base)
        out += [e.stored().json() for e in result.matches]
        if not result.next_link:
            return out
        token = result.next_link.split("_page=", 1)[1].split("&", 1)[0]
        page = [*params, ("_count", "500"), ("_page", token)]


def _record(repo: Repository, encounter_id: str) -> tuple[JSON, dict[str, dict[str, JSON]]]:
    """The encounter with its patient, its diagnoses and everything that references it, in one search
    (`_include` / `_revinclude`: one query per include round instead of a search per resource type)."""
    result = search(repo, "Encounter", [
        ("_id", encounter_id), ("_include", "Encounter:subject"), ("_include", "Encounter:diagnosis"),
        ("_revinclude", "*"), ("_count", "1"),
    ], base_url=settings.FHIR_BASE_URL)
    encounter: JSON | None = None
    by_type: dict[str, dict[str, JSON]] = {}
    for entry in result.entries:
        resource = entry.stored().json()
        if entry.mode == "match":
            encounter = resource
        else:
            by_type.setdefault(entry.resource_type, {})[entry.id] = resource
    if encounter is None:
        encounter = repo.read("Encounter", encounter_id).json()  # not there or not visible: the read says which
    return encounter, by_type


def _referencing(found: dict[str, dict[str, JSON]], resource_type: str, field_name: str, ref: str) -> list[JSON]:
    """Included resources of a type whose `field_name` points at `ref`, oldest first as a search would list them."""
    out = []
    for resource in found.get(resource_type, {}).values():
        value = resource.get(field_name)
        refs = value if isinstance(value, list) else [value]
        if field_name == "context":  # DocumentReference.context.encounter
            refs = (value or {}).get("encounter") or []
        if any(isinstance(r, dict) and r.get("reference") == ref for r in refs):
            out.append(resource)
    return sorted(out, key=lambda r: ((r.get("meta") or {}).get("lastUpdated", ""), r.get("id", "")))


def load_episode(repo: Repository, encounter_id: str) -> Episode:
    encounter, found = _record(repo, encounter_id)
    patient_id = encounter["subject"]["reference"].split("/", 1)[1]
    patient = found.get("Patient", {}).get(patient_id) or repo.read("Patient", patient_id).json()
    enc = f"Encounter/{encounter_id}"
    coverages = [c for c in _all(repo, "Coverage", [("beneficiary", f"Patient/{patient_id}")])
                 if c.get("status") == "active"]
    ranked = sorted(encounter.get("diagnosis") or (), key=lambda d: d.get("rank", 99))
    condition_ids = [d["condition"]["reference"].split("/", 1)[1] for d in ranked if "condition" in d]
    by_id = found.get("Condition", {})
    missing = [i for i in condition_ids if i not in by_id]
    if missing:
        by_id = {**by_id, **{s.id: s.json() for s in repo.read_many("Condition", missing)}}
    period = encounter.get("period") or {}
    appointments = []
    if period.get("start"):
        # A re-examination appointment carries no encounter link in R4; it is the one booked for this
        # patient while this encounter was open.
        for appt in _all(repo, "Appointment", [("actor", f"Patient/{patient_id}"), ("date", f"ge{period['start'][:10]}")]):
            created = appt.get("created", "")
            if created >= period["start"] and (not period.get("end") or created <= period["end"]):
                appointments.append(appt)
    requests = [s for s in _referencing(found, "ServiceRequest", "encounter", enc)
                if s.get("status") not in ("revoked", "entered-in-error")]
    return Episode(
        encounter=encounter,
        patient=patient,
        coverage=coverages[0] if coverages else None,
        conditions=[by_id[i] for i in condition_ids if i in by_id],
        medications=[m for m in _referencing(found, "MedicationRequest", "encounter", enc)
                     if m.get("status") not in ("cancelled", "entered-in-error")],
        services=[s for s in requests if not is_referral(s)],
        referrals=[s for s in requests if is_referral(s)],
        observations=_referencing(found, "Observation", "encounter", enc),
        notes=_referencing(found, "DocumentReference", "context", enc),
        compositions=_referencing(found, "Composition", "encounter", enc),
        appointments=appointments,
    )
