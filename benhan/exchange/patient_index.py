"""The provincial patient index (at the hub): which records at which facilities are the same person.

Nodes report each Patient they write (`mpi.register`, through the outbox); the hub files the record
and compares it with the records it could be (same CCCD, same BHYT social-insurance number, or born
the same year), using benhan.exchange.matching. A match links the record to that person; a score
between the thresholds goes to the review queue; every link and unlink is logged and reversible.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from benhan.vn.text import fold

from .matching import Decision, Demographics, Thresholds, match
from .models import IndexedRecord, LinkEvent, MatchReview, Person

CCCD_SYSTEM = "http://fhir.hl7.org.vn/core/sid/cccd"
BHYT_SYSTEM = "http://fhir.hl7.org.vn/core/sid/bhyt"
RECORD_SYSTEM_PREFIX = "https://benhan.vn/fhir/sid/patient/"  # + facility code: a facility's own patient ids


def thresholds() -> Thresholds:
    conf = getattr(settings, "BENHAN_MPI_THRESHOLDS", {})
    return Thresholds(match=float(conf.get("match", Thresholds.match)), review=float(conf.get("review", Thresholds.review)))


def demographics_of(patient: dict[str, Any]) -> dict[str, Any]:
    """What a node reports about a Patient: only what matching needs."""
    name = next((n.get("text") or " ".join([n.get("family", ""), *n.get("given", [])]) for n in patient.get("name") or ()), "")
    ident = {i.get("system"): i.get("value", "") for i in patient.get("identifier") or ()}
    phone = next((t.get("value", "") for t in patient.get("telecom") or () if t.get("system") == "phone"), "")
    commune = next((a.get("district", "") or a.get("postalCode", "") for a in patient.get("address") or ()), "")
    address = next((a.get("text") or ", ".join([*a.get("line", []), *(a.get(k, "") for k in ("district", "city") if a.get(k))])
                    for a in patient.get("address") or ()), "")
    return {"name": name.strip(), "birth_date": patient.get("birthDate", ""), "sex": patient.get("gender", ""),
            "commune": commune, "phone": phone, "cccd": ident.get(CCCD_SYSTEM, ""), "bhyt": ident.get(BHYT_SYSTEM, ""),
            "address": address}


def _as_demographics(r: IndexedRecord) -> Demographics:
    return Demographics(name=r.name, birth_date=r.birth_date, sex=r.sex, commune=r.commune, phone=r.phone,
                        cccd=r.cccd, bhyt=r.bhyt)


def _bhxh(card: str) -> str:
    card = card.strip().upper()
    return card[-10:] if len(card) == 15 else card


def _birth(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def _merge_persons(keep: Person, other: Person) -> None:
    if keep.pk != other.pk:
        IndexedRecord.objects.filter(person=other).update(person=keep)


@transaction.atomic
def register(facility: str, patient_id: str, demo: dict[str, Any]) -> IndexedRecord:
    """File (or refresh) one facility's record and link it to the person it is, when the evidence is strong."""
    record = IndexedRecord.objects.select_for_update().filter(facility=facility, patient_id=patient_id).first()
    fields = {"name": demo.get("name", ""), "name_key": fold(demo.get("name", "")), "address": str(demo.get("address", ""))[:500],
              "address_key": fold(str(demo.get("address", "")))[:500],
              "birth_date": _birth(demo.get("birth_date", "")), "sex": demo.get("sex", ""),
              "commune": demo.get("commune", ""), "phone": demo.get("phone", ""), "cccd": demo.get("cccd", ""),
              "bhyt": demo.get("bhyt", ""), "bhxh_number": _bhxh(demo.get("bhyt", ""))}
    if record is None:
        record = IndexedRecord.objects.create(facility=facility, patient_id=patient_id, person=Person.objects.create(),
                                              **fields)
    else:
        for key, value in fields.items():
            setattr(record, key, value)
        record.save()
    blocking = Q(birth_date__year=record.birth_date.year) if record.birth_date else Q(pk__in=[])
    if record.cccd:
        blocking |= Q(cccd=record.cccd)
    if record.bhxh_number:
        blocking |= Q(bhxh_number=record.bhxh_number)
    limits = thresholds()
    for candidate in IndexedRecord.objects.filter(blocking).exclude(pk=record.pk).exclude(person=record.person):
        result = match(_as_demographics(record), _as_demographics(candidate), limits)
        if result.decision is Decision.MATCH:
            _merge_persons(candidate.person, record.person)
            record.person = candidate.person
            LinkEvent.objects.create(action="link", record=record, other=candidate, by="auto",
                                     reason="; ".join(result.reasons)[:2000])
        elif result.decision is Decision.REVIEW:
            MatchReview.objects.get_or_create(record=record, candidate=candidate, status=MatchReview.Status.PENDING,
                                              defaults={"score": result.score, "reasons": result.reasons})
    return record


@transaction.atomic
def decide(review_id: int, *, link: bool, by: str) -> MatchReview:
    review = MatchReview.objects.select_for_update().get(pk=review_id, status=MatchReview.Status.PENDING)
    if link:
        _merge_persons(review.candidate.person, review.record.person)
        LinkEvent.objects.create(action="link", record=review.record, other=review.candidate, by=by, reason="review")
    review.status = MatchReview.Status.LINKED if link else MatchReview.Status.DISTINCT
    review.decided_by, review.decided_at = by, timezone.now()
    review.save()
    return review


@transaction.atomic
def unlink(facility: str, patient_id: str, *, by: str, reason: str) -> IndexedRecord:
    """Take a record out of its person (a wrong link): it becomes a person of its own again."""
    if not reason.strip():
        raise ValueError("unlinking needs a reason")
    record = IndexedRecord.objects.select_for_update().get(facility=facility, patient_id=patient_id)
    record.person = Person.objects.create()
    record.save()
    LinkEvent.objects.create(action="unlink", record=record, by=by, reason=reason.strip())
    return record


def cross_references(facility: str, patient_id: str) -> list[IndexedRecord]:
    """The same person's records at the other facilities."""
    record = IndexedRecord.objects.filter(facility=facility, patient_id=patient_id).first()
    if record is None:
        return []
    return list(IndexedRecord.objects.filter(person=record.person).exclude(pk=record.pk).order_by("facility"))


def record_by_identifier(system: str, value: str) -> IndexedRecord | None:
    if system == CCCD_SYSTEM:
        return IndexedRecord.objects.filter(cccd=value).first()
    if system == BHYT_SYSTEM:
        return IndexedRecord.objects.filter(bhxh_number=_bhxh(value)).first()
    if system.startswith(RECORD_SYSTEM_PREFIX):
        return IndexedRecord.objects.filter(facility=system[len(RECORD_SYSTEM_PREFIX):], patient_id=value).first()
    return None
