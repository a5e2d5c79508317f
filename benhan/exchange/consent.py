"""The patient's consent to let clinicians at other facilities open their records: a FHIR R4 Consent.

Recorded at registration (staff, /ui/) or by the patient in the app; revoked the same ways. A
revocation is a new version of the same Consent (status inactive, provision.period.end set), so the
history shows every decision. When several Consents are known (the asking facility's and the
holding facility's own), the most recent decision wins: a revocation anywhere closes the records.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.repository import Repository
from benhan.fhir.search import search

JSON = dict[str, Any]
POLICY_SYSTEM = "https://benhan.vn/fhir/CodeSystem/chinh-sach-dong-y"
POLICY_CODE = "chia-se-lien-thong"
CSKCB_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-cskcb"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"


def is_sharing_consent(resource: Any) -> bool:
    return isinstance(resource, dict) and resource.get("resourceType") == "Consent" and any(
        c.get("system") == POLICY_SYSTEM and c.get("code") == POLICY_CODE
        for c in (resource.get("policyRule") or {}).get("coding") or ())


def sharing_consents(repo: Repository, patient_id: str) -> list[JSON]:
    """This facility's sharing Consents for one of its patients, most recently changed first."""
    found = search(repo, "Consent", [("patient", f"Patient/{patient_id}"), ("_sort", "-_lastUpdated"), ("_count", "20")],
                   base_url="", compartment=("Patient", patient_id)).matches
    return [r for r in (e.stored().json() for e in found) if is_sharing_consent(r)]


def latest(consents: list[JSON]) -> JSON | None:
    """The most recent decision among Consents held at different facilities."""
    def changed(c: JSON) -> str:
        period = (c.get("provision") or {}).get("period") or {}
        return max(str(period.get("end", "")), str(period.get("start", "")), str(c.get("dateTime", "")))

    return max(consents, key=changed, default=None)


def permits(consent: JSON | None, now: datetime | None = None) -> bool:
    if consent is None or consent.get("status") != "active":
        return False
    provision = consent.get("provision") or {}
    if provision.get("type") != "permit":
        return False
    end = (provision.get("period") or {}).get("end")
    return not end or datetime.fromisoformat(str(end)) > (now or timezone.now())


def record(repo: Repository, patient_id: str, *, permit: bool, performer: str = "") -> JSON:
    """Give (`permit`) or revoke the consent for one facility's record of the patient; atomic, audited."""
    now = timezone.localtime().isoformat(timespec="seconds")
    with repo.atomic():
        current = next(iter(sharing_consents(repo, patient_id)), None)
        if permit:
            if current is not None and permits(current):
                return current
            consent: JSON = {
                "resourceType": "Consent", "status": "active",
                "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                      "code": "patient-privacy"}]},
                "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
                "patient": {"reference": f"Patient/{patient_id}"}, "dateTime": now,
                "performer": [{"reference": f"Patient/{patient_id}", **({"display": performer} if performer else {})}],
                "organization": [{"identifier": {"system": CSKCB_SYSTEM, "value": repo.facility}}],
                "policyRule": {"coding": [{"system": POLICY_SYSTEM, "code": POLICY_CODE}],
                               "text": "Đồng ý cho cơ sở khám bệnh, chữa bệnh khác xem hồ sơ để điều trị"},
                "provision": {"type": "permit", "period": {"start": now},
                              "purpose": [{"system": ACT_REASON, "code": "TREAT"}]},
            }
            return repo.create(consent).json()
        if current is None or current.get("status") != "active":
            return current or {}
        current["status"] = "inactive"
        current.setdefault("provision", {}).setdefault("period", {})["end"] = now
        current.pop("meta", None)
        repo.update(current, current["id"])
        return current


def record_for_person(actor: Actor, records: list[tuple[str, str]], *, permit: bool, performer: str = "") -> None:
    """The patient, in the app, gives or revokes consent on every record they hold ((patient id, facility)
    each), in one transaction; `actor` is their patient actor, narrowed here to Consent."""
    narrowed = replace(actor, scopes=parse_scopes(["patient/Consent.read", "patient/Consent.write"]))
    with transaction.atomic():
        for patient_id, facility in records:
            record(Repository(narrowed, facility, purpose="PATRQT"), patient_id, permit=permit, performer=performer)


def person_consents(actor: Actor, records: list[tuple[str, str]]) -> bool:
    """Whether the latest decision across the person's records permits sharing (for the app's page)."""
    narrowed = replace(actor, scopes=parse_scopes(["patient/Consent.read"]))
    held = [c for pid, facility in records for c in sharing_consents(Repository(narrowed, facility, purpose="PATRQT"), pid)]
    return permits(latest(held))
