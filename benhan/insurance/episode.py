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


def load_episode(repo: Repository, encounter_id: str) -> Episode:
    encounter = repo.read("Encounter", encounter_id).json()
    patient_id = encounter["subject"]["reference"].split("/", 1)[1]
    patient = repo.read("Patient", patient_id).json()
    enc = f"Encounter/{encounter_id}"
    coverages = [c for c in _all(repo, "Coverage", [("beneficiary", f"Patient/{patient_id}")])
                 if c.get("status") == "active"]
    ranked = sorted(encounter.get("diagnosis") or (), key=lambda d: d.get("rank", 99))
    condition_ids = [d["condition"]["reference"].split("/", 1)[1] for d in ranked if "condition" in d]
    by_id = {s.id: s.json() for s in repo.read_many("Condition", condition_ids)}
    period = encounter.get("period") or {}
    appointments = []
    if period.get("start"):
        # A re-examination appointment carries no encounter link in R4; it is the one booked for this
        # patient while this encounter was open.
        for appt in _all(repo, "Appointment", [("actor", f"Patient/{patient_id}"), ("date", f"ge{period['start'][:10]}")]):
            created = appt.get("created", "")
            if created >= period["start"] and (not period.get("end") or created <= period["end"]):
                appointments.append(appt)
    requests = [s for s in _all(repo, "ServiceRequest", [("encounter", enc)])
                if s.get("status") not in ("revoked", "entered-in-error")]
    return Episode(
        encounter=encounter,
        patient=patient,
        coverage=coverages[0] if coverages else None,
        conditions=[by_id[i] for i in condition_ids if i in by_id],
        medications=[m for m in _all(repo, "MedicationRequest", [("encounter", enc)])
                     if m.get("status") not in ("cancelled", "entered-in-error")],
        services=[s for s in requests if not is_referral(s)],
        referrals=[s for s in requests if is_referral(s)],
        observations=_all(repo, "Observation", [("encounter", enc)]),
        notes=_all(repo, "DocumentReference", [("encounter", enc)]),
        compositions=_all(repo, "Composition", [("encounter", enc)]),
        appointments=appointments,
    )
