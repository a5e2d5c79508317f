"""What the insurance desk sees for a month: claims by status and finished encounters still without one.

Plain functions over `claims.py` and the repository, so the pages stay thin and testable without HTTP.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from benhan.clinical.views.present import patient_summary
from benhan.fhir.repository import Repository
from benhan.fhir.search import search

from .claims import ClaimError, claim_context, generate
from .episode import JSON
from .models import Claim
from .values import parse_fhir_datetime


@dataclass(frozen=True)
class Pending:
    encounter_id: str
    patient_id: str
    patient_name: str
    ended: datetime | None
    inpatient: bool


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, zone), datetime.combine(end + timedelta(days=1), time.min, zone))


def claims_in(facility_code: str, start: date, end: date, status: str = "") -> list[Claim]:
    low, high = _bounds(start, end)
    qs = Claim.objects.filter(facility=facility_code, period_end__gte=low, period_end__lt=high)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-period_end", "ma_lk"))


def status_counts(facility_code: str, start: date, end: date) -> dict[str, int]:
    counted = Counter(c.status for c in claims_in(facility_code, start, end))
    return {value: counted.get(value, 0) for value in Claim.Status.values}


def finished_encounters(repo: Repository, start: date, end: date) -> list[JSON]:
    """The facility's finished encounters that ended in the period (read through the repository)."""
    low, high = _bounds(start, end)
    params = [("status", "finished"), ("date", f"ge{start.isoformat()}"), ("_count", "1000")]
    out = []
    page = params
    while True:
        with transaction.atomic():
            result = search(repo, "Encounter", page, base_url="")
            found = [e.stored().json() for e in result.matches]
        for enc in found:
            ended = parse_fhir_datetime((enc.get("period") or {}).get("end", ""))
            if ended is not None and low <= ended < high:
                out.append(enc)
        if not result.next_link:
            return out
        token = result.next_link.split("_page=", 1)[1].split("&", 1)[0]
        page = [*params, ("_page", token)]


def pending(repo: Repository, start: date, end: date) -> list[Pending]:
    """Finished encounters of the period that have no claim yet, newest first, with the patient's name."""
    encounters = finished_encounters(repo, start, end)
    claimed = set(Claim.objects.filter(facility=repo.facility, encounter_id__in=[e["id"] for e in encounters])
                  .values_list("encounter_id", flat=True))
    todo = [e for e in encounters if e["id"] not in claimed]
    patient_ids = sorted({str(e["subject"]["reference"]).split("/", 1)[1] for e in todo})
    names = {s.id: patient_summary(s.json())["name"] for s in repo.read_many("Patient", patient_ids)}
    rows = []
    for enc in todo:
        pid = str(enc["subject"]["reference"]).split("/", 1)[1]
        rows.append(Pending(str(enc["id"]), pid, names.get(pid, ""),
                            parse_fhir_datetime((enc.get("period") or {}).get("end", "")),
                            (enc.get("class") or {}).get("code") == "IMP"))
    return sorted(rows, key=lambda p: p.ended or timezone.now(), reverse=True)


def generate_many(repo: Repository, encounter_ids: list[str]) -> tuple[Counter[str], list[str]]:
    """Generate each claim; returns counts by status and the Vietnamese errors of those that could not be made."""
    counts: Counter[str] = Counter()
    errors: list[str] = []
    context = claim_context(repo.facility, batch=True)
    for encounter_id in encounter_ids:
        try:
            counts[generate(repo, encounter_id, context).status] += 1
        except ClaimError as exc:
            errors.append(f"{encounter_id}: {exc}")
    return counts, errors
