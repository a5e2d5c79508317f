"""The outpatient visit: reception queue, vital signs, history and examination, diagnoses, conclusion."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from benhan.accounts.models import User
from benhan.fhir.repository import Repository

from .. import catalogs
from ..counters import next_number
from ..errors import ClinicalError
from ..fhirutil import (
    ACT_CODE,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    DIAG_ROLE,
    ICD10_SYSTEM,
    LOCATION_SYSTEM,
    LOINC,
    NOTE_KIND_SYSTEM,
    OBS_CATEGORY,
    UCUM,
    coding,
    concept,
    now_iso,
    ref,
)
from ..models import QueueTicket
from .common import load, load_active_patient, modify, performer, service_provider, subject_id


# --- reception ------------------------------------------------------------------------------------
@dataclass
class Visit:
    encounter: dict[str, Any]
    ticket: QueueTicket | None


def location_entry(kind: str, code: str, name: str, start: str) -> dict[str, Any]:
    """An Encounter.location entry for a room, department or bed (by code: the facility's catalogue)."""
    return {
        "location": {"identifier": {"system": LOCATION_SYSTEM, "value": code}, "display": name or code},
        "status": "active",
        "physicalType": concept("http://terminology.hl7.org/CodeSystem/location-physical-type",
                                {"room": "ro", "department": "wa", "bed": "bd"}[kind]),
        "period": {"start": start},
    }


def start_outpatient_visit(repo: Repository, patient_id: str, room_code: str, room_name: str = "",
                           reason: str = "") -> Visit:
    """Check the patient in: an arrived AMB Encounter and the next queue number of the room for today."""
    if not room_code:
        raise ClinicalError(_("Chưa chọn phòng khám."), "room")
    load_active_patient(repo, patient_id)
    start = now_iso()
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "status": "arrived",
        "class": coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [{"text": _("Khám bệnh ngoại trú")}],
        "subject": ref("Patient", patient_id),
        "period": {"start": start},
        "location": [location_entry("room", room_code, room_name, start)],
        "serviceProvider": service_provider(repo),
    }
    if reason.strip():
        encounter["reasonCode"] = [{"text": reason.strip()}]
    day = timezone.localdate()
    with repo.atomic():
        stored = repo.create(encounter)
        number = next_number(f"queue:{repo.facility}:{day.isoformat()}:{room_code}")
        ticket = QueueTicket.objects.create(facility=repo.facility, day=day, room=room_code, number=number,
                                            patient_id=patient_id, encounter_id=stored.id)
    return Visit(stored.json(), ticket)


def room_queue(facility: str, room_code: str) -> list[QueueTicket]:
    return list(QueueTicket.objects.filter(facility=facility, day=timezone.localdate(), room=room_code)
                .order_by("number"))


def call_next(facility: str, room_code: str) -> QueueTicket | None:
    ticket = (QueueTicket.objects.filter(facility=facility, day=timezone.localdate(), room=room_code,
                                         status=QueueTicket.Status.WAITING).order_by("number").first())
    if ticket:
        ticket.status = QueueTicket.Status.CALLED
        ticket.save(update_fields=["status"])
    return ticket


def _encounter(repo: Repository, encounter_id: str, *, open_only: bool = True) -> dict[str, Any]:
    _stored, encounter = load(repo, "Encounter", encounter_id)
    if open_only and encounter.get("status") in ("finished", "cancelled", "entered-in-error"):
        raise ClinicalError(_("Lượt khám/điều trị này đã kết thúc, không thể ghi thêm."))
    return encounter


def _begin(repo: Repository, encounter: dict[str, Any]) -> None:
    """The first clinical entry moves an arrived encounter to in-progress."""
    if encounter.get("status") in ("planned", "arrived", "triaged"):
        def progress(e: dict[str, Any]) -> None:
            e["status"] = "in-progress"
        modify(repo, "Encounter", encounter["id"], progress)


# --- vital signs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class VitalSign:
    key: str
    loinc: str
    display: str
    label: str
    unit: str
    ucum: str
    low: Decimal
    high: Decimal


# Plausibility bounds reject typing errors (a pulse of 700), not abnormal values: abnormal values are recorded.
VITALS: tuple[VitalSign, ...] = (
    VitalSign("pulse", "8867-4", "Heart rate", gettext_noop("Mạch"), "lần/phút", "/min", Decimal(20), Decimal(250)),
    VitalSign("temperature", "8310-5", "Body temperature", gettext_noop("Nhiệt độ"), "°C", "Cel", Decimal(30), Decimal(45)),
    VitalSign("systolic", "8480-6", "Systolic blood pressure", gettext_noop("Huyết áp tâm thu"), "mmHg", "mm[Hg]", Decimal(40), Decimal(300)),
    VitalSign("diastolic", "8462-4", "Diastolic blood pressure", gettext_noop("Huyết áp tâm trương"), "mmHg", "mm[Hg]", Decimal(20), Decimal(200)),
    VitalSign("respiratory_rate", "9279-1", "Respiratory rate", gettext_noop("Nhịp thở"), "lần/phút", "/min", Decimal(4), Decimal(80)),
    VitalSign("spo2", "2708-6", "Oxygen saturation in Arterial blood", "SpO2", "%", "%", Decimal(50), Decimal(100)),
    VitalSign("weight", "29463-7", "Body weight", gettext_noop("Cân nặng"), "kg", "kg", Decimal("0.3"), Decimal(300)),
    VitalSign("height", "8302-2", "Body height", gettext_noop("Chiều cao"), "cm", "cm", Decimal(20), Decimal(250)),
)
VITAL_BY_KEY = {v.key: v for v in VITALS}
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BMI = ("39156-5", "Body mass index (BMI) [Ratio]")


def parse_decimal(text: str, label: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ClinicalError(_("%(label)s phải là một số.") % {"label": label}, field) from exc
    if not value.is_finite():
        raise ClinicalError(_("%(label)s phải là một số.") % {"label": label}, field)
    return value


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _vital_observation(patient_id: str, encounter_id: str, when: str, code: str, display: str,
                       who: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},
        "status": "final",
        "category": [concept(OBS_CATEGORY, "vital-signs", "Vital Signs")],
        "code": {"coding": [coding(LOINC, code, display)], "text": display},
        "subject": ref("Patient", patient_id),
        "encounter": ref("Encounter", encounter_id),
        "effectiveDateTime": when,
        "performer": [who],
    }


def _quantity(value: Decimal, sign: VitalSign) -> dict[str, Any]:
    return {"value": _number(value), "unit": sign.unit, "system": UCUM, "code": sign.ucum}


def record_vitals(repo: Repository, encounter_id: str, values: dict[str, str]) -> list[dict[str, Any]]:
    """One vital-signs Observation per measured value (blood pressure as the LOINC panel), BMI derived."""
    parsed: dict[str, Decimal] = {}
    for key, text in values.items():
        sign = VITAL_BY_KEY.get(key)
        if sign is None or not (text or "").strip():
            continue
        value = parse_decimal(text, _(sign.label), key)
        if not sign.low <= value <= sign.high:
            raise ClinicalError(_("%(label)s %(value)s %(unit)s nằm ngoài giới hạn cho phép (%(low)s–%(high)s).") % {
                "label": _(sign.label), "value": text.strip(), "unit": sign.unit, "low": sign.low, "high": sign.high}, key)
        parsed[key] = value
    if not parsed:
        raise ClinicalError(_("Chưa nhập chỉ số sinh tồn nào."))
    if ("systolic" in parsed) != ("diastolic" in parsed):
        raise ClinicalError(_("Huyết áp cần đủ cả tâm thu và tâm trương."), "systolic")
    if "systolic" in parsed and parsed["systolic"] <= parsed["diastolic"]:
        raise ClinicalError(_("Huyết áp tâm thu phải lớn hơn tâm trương."), "systolic")
    encounter = _encounter(repo, encounter_id)
    patient_id = subject_id(encounter)
    when, who = now_iso(), performer(repo)
    resources = []
    for key, value in parsed.items():
        if key in ("systolic", "diastolic"):
            continue
        sign = VITAL_BY_KEY[key]
        obs = _vital_observation(patient_id, encounter_id, when, sign.loinc, sign.display, who)
        obs["valueQuantity"] = _quantity(value, sign)
        resources.append(obs)
    if "systolic" in parsed:
        obs = _vital_observation(patient_id, encounter_id, when, *BP_PANEL, who)
        obs["component"] = [
            {"code": {"coding": [coding(LOINC, VITAL_BY_KEY[k].loinc, VITAL_BY_KEY[k].display)]},
             "valueQuantity": _quantity(parsed[k], VITAL_BY_KEY[k])}
            for k in ("systolic", "diastolic")
        ]
        resources.append(obs)
    if "weight" in parsed and "height" in parsed:
        bmi = (parsed["weight"] / (parsed["height"] / 100) ** 2).quantize(Decimal("0.1"))
        obs = _vital_observation(patient_id, encounter_id, when, *BMI, who)
        obs["valueQuantity"] = {"value": float(bmi), "unit": "kg/m2", "system": UCUM, "code": "kg/m2"}
        resources.append(obs)
    with repo.atomic():
        _begin(repo, encounter)
        return [repo.create(r).json() for r in resources]


# --- notes ------------------------------------------------------------------------------------------
NOTE_KINDS: dict[str, tuple[str, str, str]] = {
    # kind: (LOINC, LOINC display, Vietnamese title)
    "history": ("10164-2", "History of Present illness Narrative", gettext_noop("Bệnh sử")),
    "exam": ("29545-1", "Physical findings Narrative", gettext_noop("Khám lâm sàng")),
    "course": ("11506-3", "Progress note", gettext_noop("Diễn biến bệnh")),
    "conclusion": ("51848-0", "Evaluation note", gettext_noop("Kết luận")),
    "treatment": ("18776-5", "Plan of care note", gettext_noop("Hướng điều trị")),
}


def note_resource(patient_id: str, encounter_id: str, kind: str, text: str, who: dict[str, Any],
                  when: str) -> dict[str, Any]:
    code, display, title = NOTE_KINDS[kind]
    return {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "preliminary",
        "type": {"coding": [coding(LOINC, code, display)], "text": _(title)},
        "category": [{"coding": [coding(NOTE_KIND_SYSTEM, kind)]}],
        "subject": ref("Patient", patient_id),
        "date": when,
        "author": [who],
        "description": _(title),
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                    "data": base64.b64encode(text.encode()).decode(), "title": _(title)}}],
        "context": {"encounter": [ref("Encounter", encounter_id)], "period": {"start": when}},
    }


def record_note(repo: Repository, encounter_id: str, kind: str, text: str) -> dict[str, Any]:
    """A narrative entry of the record (history, examination, daily course, conclusion) as a DocumentReference."""
    if kind not in NOTE_KINDS:
        raise ClinicalError(_("Loại ghi chép không hợp lệ."), "kind")
    text = text.strip()
    if not text:
        raise ClinicalError(_("Chưa nhập nội dung %(title)s.") % {"title": _(NOTE_KINDS[kind][2]).lower()}, kind)
    encounter = _encounter(repo, encounter_id)
    with repo.atomic():
        _begin(repo, encounter)
        return repo.create(note_resource(subject_id(encounter), encounter_id, kind, text, performer(repo),
                                         now_iso())).json()


# --- diagnoses -----------------------------------------------------------------------------------
def set_diagnoses(repo: Repository, encounter_id: str, main_code: str, secondary_codes: list[str]) -> list[dict[str, Any]]:
    """The main diagnosis (rank 1) and secondary ones as encounter-diagnosis Conditions in Encounter.diagnosis.

    Replaces the encounter's previous diagnosis list; earlier Conditions are marked entered-in-error
    only when they are no longer listed, so the history shows what was changed.
    """
    main_code = main_code.strip().upper()
    if not main_code:
        raise ClinicalError(_("Chưa nhập chẩn đoán chính (mã ICD-10)."), "main_diagnosis")
    codes = [main_code] + [c.strip().upper() for c in secondary_codes if c.strip()]
    if len(set(codes)) != len(codes):
        raise ClinicalError(_("Một mã ICD-10 được nhập hai lần."), "secondary_diagnoses")
    entries = []
    for i, code in enumerate(codes):
        entry = catalogs.icd10(code)
        if entry is None:
            raise ClinicalError(_("Mã ICD-10 %(code)s không có trong danh mục.") % {"code": code},
                                "main_diagnosis" if i == 0 else "secondary_diagnoses")
        entries.append(entry)
    encounter = _encounter(repo, encounter_id)
    patient_id, when, who = subject_id(encounter), now_iso(), performer(repo)
    listed = [d["condition"]["reference"].split("/", 1)[1] for d in encounter.get("diagnosis") or ()]
    with repo.atomic():
        conditions = []
        existing_by_code = {icd_code(c): c for c in (s.json() for s in repo.read_many("Condition", listed))}
        for rank, (code, name) in enumerate(entries, start=1):
            if code in existing_by_code:
                conditions.append(existing_by_code.pop(code))
                continue
            conditions.append(repo.create({
                "resourceType": "Condition",
                "clinicalStatus": concept(CONDITION_CLINICAL, "active"),
                "verificationStatus": concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
                "category": [concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")],
                "code": {"coding": [coding(ICD10_SYSTEM, code, name)], "text": name},
                "subject": ref("Patient", patient_id),
                "encounter": ref("Encounter", encounter_id),
                "recordedDate": when,
                "recorder": who,
                "note": [{"text": _("Bệnh chính") if rank == 1 else _("Bệnh kèm theo")}],
            }).json())
        for dropped in existing_by_code.values():
            dropped.pop("clinicalStatus", None)  # con-5: no clinical status on an entry made in error
            dropped["verificationStatus"] = concept("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                    "entered-in-error")
            repo.update(dropped, dropped["id"])

        def relist(e: dict[str, Any]) -> None:
            e["diagnosis"] = [
                {"condition": ref("Condition", c["id"], icd_code(c) + " " + c["code"].get("text", "")),
                 "use": concept(DIAG_ROLE, "DD" if rank == 1 else "CM",
                                "Discharge diagnosis" if rank == 1 else "Comorbidity diagnosis"),
                 "rank": rank}
                for rank, c in enumerate(conditions, start=1)
            ]
            if e.get("status") in ("planned", "arrived", "triaged"):
                e["status"] = "in-progress"
        modify(repo, "Encounter", encounter_id, relist)
    return conditions


def icd_code(condition: dict[str, Any]) -> str:
    for c in (condition.get("code") or {}).get("coding") or ():
        if c.get("system") == ICD10_SYSTEM:
            return str(c.get("code", ""))
    return ""


def diagnosis_codes(repo: Repository, encounter: dict[str, Any]) -> list[str]:
    """ICD-10 codes of the encounter's diagnoses, main first."""
    ids = [d["condition"]["reference"].split("/", 1)[1]
           for d in sorted(encounter.get("diagnosis") or (), key=lambda d: d.get("rank", 99))]
    by_id = {s.id: s.json() for s in repo.read_many("Condition", ids)}
    return [icd_code(by_id[i]) for i in ids if i in by_id]


# --- conclusion -------------------------------------------------------------------------------------
# Hooks run inside the conclusion's transaction for the outcome "referral": the exchange registers one
# that builds and queues the referral package (a later issue). Each gets (repo, encounter, reason).
ReferralHook = Callable[[Repository, dict[str, Any], str], None]
referral_hooks: list[ReferralHook] = []

OUTCOMES = {
    "home": ("home", gettext_noop("Về nhà")),
    "reexam": ("home", gettext_noop("Hẹn tái khám")),
    "referral": ("other-hcf", gettext_noop("Chuyển cơ sở khám chữa bệnh")),
    "admission": ("oth", gettext_noop("Nhập viện điều trị nội trú")),
}


@dataclass
class Concluded:
    encounter: dict[str, Any]
    visit_record: Any  # benhan.documents.SignedDocument
    appointment: dict[str, Any] | None = None
    appointment_paper: Any = None


def note_text(note: dict[str, Any]) -> str:
    attachment = (note.get("content") or [{}])[0].get("attachment") or {}
    return base64.b64decode(attachment.get("data", "")).decode() if attachment.get("data") else ""


def note_kind(note: dict[str, Any]) -> str:
    return next((c.get("code", "") for cat in note.get("category") or () for c in cat.get("coding") or ()
                 if c.get("system") == NOTE_KIND_SYSTEM), "")


def conclude_visit(repo: Repository, signer: User, encounter_id: str, outcome: str, conclusion: str, *,
                   referral_reason: str = "", reexam_date: str = "", reexam_note: str = "") -> Concluded:
    """Finish the visit and sign the visit record in one step (TT 13/2025: every entry signed by the
    person responsible). Needs the main diagnosis; a refused signature leaves the visit open."""
    from benhan.documents.pdf.contexts import reexam_context, visit_record_context

    from .chart import encounter_entries
    from .signing import coverage_of, facility_of, sign

    if outcome not in OUTCOMES:
        raise ClinicalError(_("Chưa chọn hướng xử trí."), "outcome")
    encounter = _encounter(repo, encounter_id)
    if not encounter.get("diagnosis"):
        raise ClinicalError(_("Chưa nhập chẩn đoán chính: không thể kết thúc lượt khám."), "main_diagnosis")
    if outcome == "referral" and not referral_reason.strip():
        raise ClinicalError(_("Cần ghi lý do chuyển cơ sở."), "referral_reason")
    if outcome == "reexam" and not reexam_date.strip():
        raise ClinicalError(_("Chưa nhập ngày hẹn tái khám."), "reexam_date")
    code, label = OUTCOMES[outcome]
    patient_id = subject_id(encounter)
    with repo.atomic():
        if conclusion.strip():
            repo.create(note_resource(patient_id, encounter_id, "conclusion", conclusion.strip(), performer(repo), now_iso()))
        appointment = schedule_reexam(repo, encounter_id, reexam_date, reexam_note) if outcome == "reexam" else None

        def finish(e: dict[str, Any]) -> None:
            e["status"] = "finished"
            e.setdefault("period", {})["end"] = now_iso()
            e["hospitalization"] = {**e.get("hospitalization", {}), "dischargeDisposition": {
                "coding": [coding("http://terminology.hl7.org/CodeSystem/discharge-disposition", code)],
                "text": _(label)}}
            for loc in e.get("location") or ():
                if loc.get("status") == "active":
                    loc["status"] = "completed"
                    loc.setdefault("period", {})["end"] = e["period"]["end"]
        finished = modify(repo, "Encounter", encounter_id, finish)
        QueueTicket.objects.filter(encounter_id=encounter_id).update(status=QueueTicket.Status.DONE)

        entries = encounter_entries(repo, encounter_id, ("Condition", "Observation", "DocumentReference"))
        ranked = [d["condition"]["reference"].split("/", 1)[1]
                  for d in sorted(finished.get("diagnosis") or (), key=lambda d: d.get("rank", 99))]
        by_id = {c["id"]: c for c in entries["Condition"]}
        conditions = [by_id[i] for i in ranked if i in by_id]
        vitals = [o for o in entries["Observation"]
                  if any(c.get("code") == "vital-signs" for cat in o.get("category", []) for c in cat.get("coding", []))]
        notes: dict[str, list[str]] = {}
        for note in entries["DocumentReference"]:
            notes.setdefault(note_kind(note), []).append(note_text(note))
        _s, patient = load(repo, "Patient", patient_id)
        coverage, facility = coverage_of(repo, patient_id), facility_of(repo)
        findings = "\n".join([*(f"{_('Bệnh sử')}: {t}" for t in notes.get("history", [])), *notes.get("exam", [])])
        conclusion_text = "\n".join([*notes.get("conclusion", []), f"{_('Hướng xử trí')}: {_(label)}"
                                      + (f" ({referral_reason.strip()})" if referral_reason.strip() else "")])
        context = visit_record_context(patient, finished, conditions, vitals, facility=facility, coverage=coverage,
                                       extra={"findings": findings, "conclusion": conclusion_text})
        refs = [f"Patient/{patient_id}", f"Encounter/{encounter_id}", *(f"Condition/{c['id']}" for c in conditions),
                *(f"Observation/{o['id']}" for o in vitals)]
        record = sign(repo, signer, "visit_record", refs, context)
        paper = None
        if appointment is not None:
            paper = sign(repo, signer, "reexam_appointment",
                         [f"Patient/{patient_id}", f"Appointment/{appointment['id']}", f"Encounter/{encounter_id}"],
                         reexam_context(patient, appointment, finished, conditions, facility=facility, coverage=coverage,
                                        extra={"notes": appointment.get("description", "")}))
        if outcome == "referral":
            for hook in referral_hooks:
                hook(repo, finished, referral_reason.strip())
    return Concluded(finished, record, appointment, paper)


def schedule_reexam(repo: Repository, encounter_id: str, day: str, note: str = "") -> dict[str, Any]:
    """A booked re-examination Appointment (printed as the appointment paper)."""
    encounter = _encounter(repo, encounter_id, open_only=False)
    try:
        when = datetime.strptime(day.strip(), "%d/%m/%Y").date()
    except ValueError as exc:
        raise ClinicalError(_("Ngày hẹn tái khám không hợp lệ (định dạng ngày/tháng/năm)."), "reexam_date") from exc
    if when <= timezone.localdate():
        raise ClinicalError(_("Ngày hẹn tái khám phải sau hôm nay."), "reexam_date")
    start = timezone.make_aware(datetime.combine(when, time(7, 0)))
    appointment = {
        "resourceType": "Appointment",
        "status": "booked",
        "serviceType": [{"text": _("Khám lại")}],
        "appointmentType": concept("http://terminology.hl7.org/CodeSystem/v2-0276", "FOLLOWUP", "A follow up visit"),
        "description": note.strip() or _("Tái khám theo hẹn"),
        "start": start.isoformat(),
        "end": (start + timedelta(hours=4)).isoformat(),
        "created": now_iso(),
        "participant": [
            {"actor": ref("Patient", subject_id(encounter)), "status": "accepted", "required": "required"},
            {"actor": performer(repo), "status": "accepted"},
        ],
    }
    return repo.create(appointment).json()
