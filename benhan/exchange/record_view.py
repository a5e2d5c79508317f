"""Cross-facility record view: a clinician opens the records other facilities hold about their patient.

The asking facility finds where the person's records are (the hub's patient index) and asks each
holding facility with a signed question (`calls.ask`). The holding facility decides by itself:
with the patient's consent (its own sharing Consent or the one the asker presents, the latest
decision wins) or an emergency override, which needs a reason. It reads what it sends through a
Repository acting as the asking clinician of the asking node, so every read is audited with the
patient's id and shows in the patient's "who opened my record"; refusals are audited too. The same
path runs when every facility is hosted on one server (questions are answered in-process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from benhan.accounts.models import Facility
from benhan.fhir.access import READ, Actor, parse_scopes
from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.fhir.search import search

from . import consent as consents
from .calls import CallFailed, CallRefused, answerer, ask, ask_signed, verify_answer
from .messages import Message

JSON = dict[str, Any]
EMERGENCY = "ETREAT"  # HL7 v3 PurposeOfUse: emergency treatment (break the glass)
SOURCE_PREFIX = "https://benhan.vn/fhir/facility/"  # + code, in each shared resource's meta.source
# What a treating clinician elsewhere needs first, newest first, bounded per type.
SHARED: tuple[tuple[str, list[tuple[str, str]]], ...] = (
    ("Condition", [("_count", "50")]),
    ("AllergyIntolerance", [("_count", "50")]),
    ("MedicationRequest", [("_sort", "-authoredon"), ("_count", "50")]),
    ("Encounter", [("_sort", "-date"), ("_count", "20")]),
    ("Observation", [("_sort", "-date"), ("_count", "50")]),
    ("DiagnosticReport", [("_sort", "-date"), ("_count", "20")]),
    ("Composition", [("_sort", "-date"), ("_count", "10")]),
)


class RecordViewError(Exception):
    """The view cannot be opened; the message is Vietnamese, for the clinician."""


@dataclass
class Source:
    facility: str
    name: str
    patient_id: str
    status: str  # shown, refused, unreachable
    detail: str = ""
    resources: list[JSON] = field(default_factory=list)


@dataclass
class SharedView:
    patient_id: str
    emergency: bool
    sources: list[Source]

    @property
    def items(self) -> list[tuple[Source, JSON]]:
        return [(s, r) for s in self.sources for r in s.resources]


def facility_name(code: str) -> str:
    from .models import Node

    return (Facility.objects.filter(code=code).values_list("name", flat=True).first()
            or Node.objects.filter(code=code).values_list("name", flat=True).first() or code)


def hub() -> str:
    return str(getattr(settings, "BENHAN_EXCHANGE_HUB", ""))


def locate(facility: str, patient_id: str) -> tuple[list[tuple[str, str]], str]:
    """(facility, patient id) of the same person's records elsewhere, from the hub's patient index, and
    the hub's signed answer, which the holding facilities check (they trust the hub's link, not the asker's)."""
    if not hub():
        raise RecordViewError(_("Chưa cấu hình chỉ mục người bệnh của tỉnh (BENHAN_EXCHANGE_HUB)."))
    try:
        found, proof = ask_signed(facility, hub(), "mpi.where", {"facility": facility, "patient_id": patient_id})
    except (CallFailed, CallRefused) as exc:
        raise RecordViewError(_("Không hỏi được chỉ mục người bệnh của tỉnh: %(e)s") % {"e": exc}) from exc
    return [(str(r["facility"]), str(r["patient_id"])) for r in found.get("records") or ()], proof


def open_other_records(repo: Repository, patient_id: str) -> SharedView:
    """The patient's records at the other facilities, each marked with where it came from.

    `repo` is the clinician's own repository; its purpose says how: TREAT needs the patient's
    consent, EMERGENCY (with `repo.reason`) is the audited override.
    """
    emergency = repo.purpose == EMERGENCY
    if emergency and not repo.reason.strip():
        repo.audit_event("open-shared", outcome="4", resource_type="Patient", resource_id=patient_id,
                         patient_id=patient_id, reason="emergency override without a reason")
        raise RecordViewError(_("Mở hồ sơ khẩn cấp cần ghi lý do."))
    try:
        repo.policy.check_type(repo.actor, "Consent", READ)
        repo.read("Patient", patient_id)
        held = next(iter(consents.sharing_consents(repo, patient_id)), None)
    except FhirError as exc:
        raise RecordViewError(_("Bạn không có quyền xem hồ sơ người bệnh này.")) from exc
    sources: list[Source] = []
    question = {"asker_patient_id": patient_id, "clinician": repo.actor.display, "clinician_id": repo.actor.id,
                "licence": str(repo.actor.extra.get("licence_number", "")), "purpose": repo.purpose or "TREAT",
                "reason": repo.reason.strip(), "consent": held}
    where, proof = locate(repo.facility, patient_id)
    question["index_answer"] = proof
    for facility, other_id in where:
        source = Source(facility, facility_name(facility), other_id, "shown")
        try:
            answer = ask(repo.facility, facility, "records.fetch", {**question, "patient_id": other_id})
            source.resources = list(answer.get("resources") or ())
        except CallRefused as exc:
            source.status, source.detail = "refused", str(exc)
        except CallFailed as exc:
            source.status, source.detail = "unreachable", str(exc)
        sources.append(source)
    opened = ",".join(s.facility for s in sources if s.status == "shown")
    repo.audit_event("open-shared", resource_type="Patient", resource_id=patient_id, patient_id=patient_id,
                     query=f"records of other facilities opened: {opened or 'none'}")
    return SharedView(patient_id, emergency, sources)


# --- at the holding facility -----------------------------------------------------------------------
REFUSED_NO_CONSENT = "Người bệnh chưa đồng ý chia sẻ hồ sơ (hoặc đã rút lại đồng ý)."
REFUSED_NO_REASON = "Mở hồ sơ khẩn cấp cần ghi lý do."


def _asker(message: Message, purpose: str, reason: str) -> Repository:
    body = message.body
    who = f"{body.get('clinician') or body.get('clinician_id')} — {facility_name(message.sender)}"
    actor = Actor("node", f"{message.sender}/{body.get('clinician_id', '')}", who, parse_scopes(["system/*.read"]),
                  frozenset({message.destination}), extra={"licence_number": str(body.get("licence", ""))})
    return Repository(actor, message.destination, purpose=purpose, reason=reason)


def _presented(message: Message) -> JSON | None:
    """The asker's own sharing Consent, if it is about the record the asker named and made there."""
    given = message.body.get("consent")
    if not consents.is_sharing_consent(given):
        return None
    assert isinstance(given, dict)
    about = (given.get("patient") or {}).get("reference") == f"Patient/{message.body.get('asker_patient_id')}"
    made_there = any((o.get("identifier") or {}).get("value") == message.sender for o in given.get("organization") or ())
    return given if about and made_there else None


def _check_same_person(message: Message, patient_id: str) -> None:
    """The hub's signed answer must link the asker's record to ours: a node cannot name any patient."""
    if not hub():
        raise CallRefused("Cơ sở này chưa cấu hình chỉ mục người bệnh của tỉnh.")
    linked = verify_answer(str(message.body.get("index_answer", "")), signer=hub(), addressed_to=message.sender,
                           kind="mpi.where")
    about = linked.get("about") or {}
    same = {"facility": message.destination, "patient_id": patient_id} in (linked.get("records") or ())
    if not same or about != {"facility": message.sender, "patient_id": str(message.body.get("asker_patient_id", ""))}:
        raise CallRefused("Chỉ mục người bệnh của tỉnh không liên kết hồ sơ này với hồ sơ của cơ sở hỏi.")


@answerer("records.fetch")
def _fetch(message: Message) -> JSON:
    body = message.body
    patient_id = str(body.get("patient_id", ""))
    purpose = EMERGENCY if body.get("purpose") == EMERGENCY else "TREAT"
    reason = str(body.get("reason", "")).strip()
    repo = _asker(message, purpose, reason)
    try:
        _check_same_person(message, patient_id)
    except CallRefused as exc:
        repo.audit_event("open-shared", outcome="4", resource_type="Patient", resource_id=patient_id,
                         patient_id=patient_id, reason=str(exc))
        raise
    if purpose == EMERGENCY:
        if not reason:
            repo.audit_event("open-shared", outcome="4", resource_type="Patient", resource_id=patient_id,
                             patient_id=patient_id, reason="emergency override without a reason")
            raise CallRefused(REFUSED_NO_REASON)
    else:
        checker = Repository(Actor.system("consent-check"), message.destination, purpose="TREAT")
        known = consents.sharing_consents(checker, patient_id)
        presented = _presented(message)
        if not consents.permits(consents.latest(known + ([presented] if presented else []))):
            repo.audit_event("open-shared", outcome="4", resource_type="Patient", resource_id=patient_id,
                             patient_id=patient_id, reason="no active sharing consent")
            raise CallRefused(REFUSED_NO_CONSENT)
    try:
        patient = repo.read("Patient", patient_id).json()
    except FhirError as exc:
        raise CallRefused(f"Không có hồ sơ {patient_id} tại cơ sở này.") from exc
    repo.audit_event("open-shared", resource_type="Patient", resource_id=patient_id, patient_id=patient_id,
                     query=f"records sent to {message.sender} ({'emergency override' if purpose == EMERGENCY else 'consent'})")
    resources = [patient]
    for resource_type, params in SHARED:
        found = search(repo, resource_type, params, base_url="", compartment=("Patient", patient_id)).matches
        resources.extend(e.stored().json() for e in found)
    source = SOURCE_PREFIX + message.destination
    for resource in resources:
        resource.setdefault("meta", {})["source"] = source
    return {"facility": message.destination, "resources": resources}


@answerer("mpi.where")
def _where(message: Message) -> JSON:
    """At the hub: the same person's records at other facilities (asked by a node about its own record)."""
    from .patient_index import cross_references

    if message.body.get("facility") != message.sender:
        raise CallRefused("a node asks about its own records only")
    about = {"facility": message.sender, "patient_id": str(message.body.get("patient_id", ""))}
    found = cross_references(about["facility"], about["patient_id"])
    return {"about": about, "records": [{"facility": r.facility, "patient_id": r.patient_id} for r in found]}
