"""The inpatient stay: admission to a department and bed, daily course, transfers, discharge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from benhan.accounts.models import User
from benhan.facilities.models import Bed, Department
from benhan.fhir.repository import Repository

from .. import catalogs
from ..errors import ClinicalError
from ..fhirutil import ACT_CODE, coding, now_iso, ref
from .common import load, load_active_patient, modify, service_provider, subject_id
from .visits import _encounter, location_entry, note_resource, performer, set_diagnoses


def _place(repo: Repository, department_code: str, bed_code: str) -> tuple[Department, Bed | None]:
    department = Department.objects.filter(facility__code=repo.facility, code=department_code, active=True,
                                           inpatient=True).first()
    if department is None:
        raise ClinicalError(_("Chưa chọn khoa điều trị nội trú."), "department")
    bed = None
    if bed_code:
        bed = Bed.objects.filter(room__department=department, code=bed_code, active=True).select_related("room").first()
        if bed is None:
            raise ClinicalError(_("Giường %(bed)s không thuộc khoa %(dept)s.") % {"bed": bed_code, "dept": department.name}, "bed")
    return department, bed


def _locations(department: Department, bed: Bed | None, start: str) -> list[dict[str, Any]]:
    entries = [location_entry("department", department.code, department.name, start)]
    if bed is not None:
        entries.append(location_entry("bed", f"{department.code}/{bed.room.code}/{bed.code}",
                                      f"{bed.room.name} – {_('giường')} {bed.code}", start))
    return entries


def admit(repo: Repository, patient_id: str, department_code: str, bed_code: str, diagnosis_code: str,
          reason: str = "", from_encounter_id: str = "") -> dict[str, Any]:
    """An IMP Encounter in the department (and bed), with the admission diagnosis."""
    if not diagnosis_code.strip():
        raise ClinicalError(_("Chưa nhập chẩn đoán vào viện."), "main_diagnosis")
    if catalogs.icd10(diagnosis_code) is None:
        raise ClinicalError(_("Mã ICD-10 %(code)s không có trong danh mục.") % {"code": diagnosis_code}, "main_diagnosis")
    department, bed = _place(repo, department_code, bed_code)
    load_active_patient(repo, patient_id)
    start = now_iso()
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "status": "in-progress",
        "class": coding(ACT_CODE, "IMP", "inpatient encounter"),
        "type": [{"text": _("Điều trị nội trú")}],
        "subject": ref("Patient", patient_id),
        "period": {"start": start},
        "location": _locations(department, bed, start),
        "serviceProvider": service_provider(repo),
        "hospitalization": {"admitSource": {"text": _("Từ khoa khám bệnh") if from_encounter_id else _("Vào thẳng")}},
        "participant": [{"individual": performer(repo)}],
    }
    if reason.strip():
        encounter["reasonCode"] = [{"text": reason.strip()}]
    if from_encounter_id:
        encounter["partOf"] = ref("Encounter", from_encounter_id)
    with repo.atomic():
        stored = repo.create(encounter).json()
        set_diagnoses(repo, stored["id"], diagnosis_code, [])
    return load(repo, "Encounter", stored["id"])[1]


def current_place(encounter: dict[str, Any]) -> tuple[str, str]:
    """(department, bed) display names where the patient is now."""
    department = bed = ""
    for loc in encounter.get("location") or ():
        if loc.get("status") != "active":
            continue
        kind = ((loc.get("physicalType") or {}).get("coding") or [{}])[0].get("code")
        if kind == "wa":
            department = loc["location"].get("display", "")
        elif kind == "bd":
            bed = loc["location"].get("display", "")
    return department, bed


def transfer(repo: Repository, encounter_id: str, department_code: str, bed_code: str = "") -> dict[str, Any]:
    """Move the patient: the current locations end now, the new ones start; the history stays in the Encounter."""
    encounter = _encounter(repo, encounter_id)
    if (encounter.get("class") or {}).get("code") != "IMP":
        raise ClinicalError(_("Chỉ chuyển khoa được cho người bệnh nội trú."))
    department, bed = _place(repo, department_code, bed_code)
    code_now = next((loc["location"]["identifier"]["value"] for loc in encounter.get("location") or ()
                     if loc.get("status") == "active"
                     and ((loc.get("physicalType") or {}).get("coding") or [{}])[0].get("code") == "wa"), "")
    if code_now == department.code and not bed_code:
        raise ClinicalError(_("Người bệnh đang ở khoa này."), "department")
    moment = now_iso()

    def move(e: dict[str, Any]) -> None:
        for loc in e.get("location") or ():
            if loc.get("status") == "active":
                loc["status"] = "completed"
                loc.setdefault("period", {})["end"] = moment
        e["location"] = [*e.get("location", []), *_locations(department, bed, moment)]

    return modify(repo, "Encounter", encounter_id, move)


def record_course(repo: Repository, encounter_id: str, text: str, orders: str = "") -> dict[str, Any]:
    """The day's clinical course (diễn biến) with the day's orders (y lệnh), one entry per visit to the bed."""
    if not text.strip():
        raise ClinicalError(_("Chưa nhập diễn biến bệnh."), "course")
    encounter = _encounter(repo, encounter_id)
    body = text.strip() + (f"\n\n{_('Y lệnh')}:\n{orders.strip()}" if orders.strip() else "")
    return repo.create(note_resource(subject_id(encounter), encounter_id, "course", body, performer(repo),
                                     now_iso())).json()


@dataclass
class Discharged:
    encounter: dict[str, Any]
    summary: dict[str, Any]  # the Composition
    paper: Any  # benhan.documents.SignedDocument


def discharge(repo: Repository, signer: User, encounter_id: str, diagnosis_code: str, secondary_codes: list[str],
              treatment: str, condition: str, advice: str) -> Discharged:
    """Close the stay: discharge diagnoses, the discharge summary (Composition), the finished Encounter
    and the signed discharge paper (giấy ra viện), in one step: an unsigned stay stays open."""
    from benhan.documents.pdf.contexts import discharge_context

    from .signing import coverage_of, facility_of, sign

    encounter = _encounter(repo, encounter_id)
    if (encounter.get("class") or {}).get("code") != "IMP":
        raise ClinicalError(_("Chỉ ra viện được cho người bệnh nội trú."))
    if not diagnosis_code.strip():
        raise ClinicalError(_("Chưa nhập chẩn đoán ra viện."), "main_diagnosis")
    if not treatment.strip():
        raise ClinicalError(_("Chưa nhập phương pháp điều trị."), "treatment")
    if not condition.strip():
        raise ClinicalError(_("Chưa nhập tình trạng người bệnh ra viện."), "condition")
    patient_id, when, who = subject_id(encounter), now_iso(), performer(repo)
    with repo.atomic():
        conditions = set_diagnoses(repo, encounter_id, diagnosis_code, secondary_codes)
        sections = [
            (_("Chẩn đoán ra viện"), "; ".join(f"{c['code']['coding'][0]['code']} {c['code'].get('text', '')}" for c in conditions),
             [ref("Condition", c["id"]) for c in conditions]),
            (_("Phương pháp điều trị"), treatment.strip(), []),
            (_("Tình trạng người bệnh ra viện"), condition.strip(), []),
            (_("Lời dặn của bác sĩ"), advice.strip() or _("Không"), []),
        ]
        summary = repo.create({
            "resourceType": "Composition",
            "status": "final",
            "type": {"coding": [coding("http://loinc.org", "18842-5", "Discharge summary")], "text": _("Giấy ra viện")},
            "subject": ref("Patient", patient_id),
            "encounter": ref("Encounter", encounter_id),
            "date": when,
            "author": [who],
            "title": _("Giấy ra viện"),
            "section": [
                {"title": title, "text": {"status": "generated", "div": _div(text)}, **({"entry": entries} if entries else {})}
                for title, text, entries in sections
            ],
        }).json()
        finished = _finish_stay(repo, encounter_id)
        _s, patient = load(repo, "Patient", patient_id)
        department, _bed = current_place(encounter)
        context = discharge_context(patient, finished, conditions, facility=facility_of(repo),
                                    coverage=coverage_of(repo, patient_id),
                                    extra={"treatment": treatment.strip(), "outcome": condition.strip(),
                                           "notes": advice.strip(), "department": department})
        refs = [f"Patient/{patient_id}", f"Encounter/{encounter_id}", f"Composition/{summary['id']}",
                *(f"Condition/{c['id']}" for c in conditions)]
        paper = sign(repo, signer, "discharge", refs, context)
    return Discharged(finished, summary, paper)


def _div(text: str) -> str:
    from html import escape

    return '<div xmlns="http://www.w3.org/1999/xhtml">' + "<br/>".join(escape(line) for line in text.splitlines()) + "</div>"


def _finish_stay(repo: Repository, encounter_id: str) -> dict[str, Any]:
    moment = now_iso()

    def finish(e: dict[str, Any]) -> None:
        e["status"] = "finished"
        e.setdefault("period", {})["end"] = moment
        for loc in e.get("location") or ():
            if loc.get("status") == "active":
                loc["status"] = "completed"
                loc.setdefault("period", {})["end"] = moment
        e["hospitalization"] = {**e.get("hospitalization", {}), "dischargeDisposition": {
            "coding": [coding("http://terminology.hl7.org/CodeSystem/discharge-disposition", "home")],
            "text": _("Ra viện")}}

    return modify(repo, "Encounter", encounter_id, finish)


def conclude_and_admit(repo: Repository, signer: User, encounter_id: str, department_code: str, bed_code: str,
                       conclusion: str) -> dict[str, Any]:
    """The outpatient doctor admits: the visit is concluded (signed) and the stay opened, or neither."""
    from .visits import conclude_visit, diagnosis_codes

    _stored, encounter = load(repo, "Encounter", encounter_id)
    codes = diagnosis_codes(repo, encounter)
    _place(repo, department_code, bed_code)  # refuse a wrong ward before signing anything
    with repo.atomic():
        conclude_visit(repo, signer, encounter_id, "admission", conclusion)
        return admit(repo, subject_id(encounter), department_code, bed_code, codes[0] if codes else "",
                     conclusion, encounter_id)
