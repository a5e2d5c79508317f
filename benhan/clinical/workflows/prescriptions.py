"""Prescriptions (TT 26/2025): one MedicationRequest per drug, grouped by the prescription's id.

Dose per time × times per day × days gives the quantity to dispense. Supply is limited to 30 days,
90 for chronic conditions (the list is configurable: TT 26/2025 Appendix VII). Allergies and drugs
already prescribed are warned about before anything is stored; the doctor confirms to go on.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from benhan.accounts.models import User
from benhan.fhir.repository import Repository
from benhan.vn.text import fold

from .. import catalogs
from ..eprescription import EPrescriptionError, Gateway, build_payload
from ..errors import ClinicalError
from ..fhirutil import DRUG_SYSTEM, PRESCRIPTION_CODE_SYSTEM, coding, now_iso, ref, vn_date
from ..models import ChartEntry
from .common import load, modify, performer, subject_id
from .visits import _begin, _encounter, diagnosis_codes, parse_decimal

GROUP_SYSTEM = "https://benhan.vn/fhir/sid/don-thuoc"
DEFAULT_MAX_DAYS = 30
CHRONIC_MAX_DAYS = 90
# Chronic ICD-10 codes or three-character categories (TT 26/2025 Appendix VII lists 252 conditions;
# this default covers the common ones at district level). Override with BENHAN_CHRONIC_ICD10="I10,E11,..."
# or settings.CLINICAL_CHRONIC_ICD10.
DEFAULT_CHRONIC_ICD10 = (
    "I10", "I11", "I12", "I13", "I15", "I20", "I25", "I48", "I50", "I69", "E10", "E11", "E14", "E78", "E03", "E05",
    "J44", "J45", "N18", "K73", "K74", "B18", "B20", "M05", "M06", "M15", "M17", "M81", "G20", "G40", "F20", "F31",
    "F32", "C", "D61", "D66", "E66", "I70",
)

ROUTES = {
    "oral": ("26643006", "Oral route", gettext_noop("Uống")),
    "iv": ("47625008", "Intravenous route", gettext_noop("Tiêm tĩnh mạch")),
    "im": ("78421000", "Intramuscular route", gettext_noop("Tiêm bắp")),
    "topical": ("6064005", "Topical route", gettext_noop("Dùng ngoài")),
    "inhaled": ("18679011000001101", "Inhalation", gettext_noop("Hít")),
    "sublingual": ("37161004", "Sublingual route", gettext_noop("Ngậm dưới lưỡi")),
    "eye": ("54485002", "Ophthalmic route", gettext_noop("Nhỏ mắt")),
}


def chronic_codes() -> tuple[str, ...]:
    env = os.environ.get("BENHAN_CHRONIC_ICD10", "")
    if env.strip():
        return tuple(c.strip().upper() for c in env.split(",") if c.strip())
    return tuple(getattr(settings, "CLINICAL_CHRONIC_ICD10", DEFAULT_CHRONIC_ICD10))


def is_chronic(icd: str) -> bool:
    return any(icd.upper().startswith(prefix) for prefix in chronic_codes())


@dataclass
class Line:
    """One drug as the doctor types it."""

    drug_code: str
    dose: str  # per time, in the drug's unit (e.g. "1" viên)
    times_per_day: str
    days: str
    route: str = "oral"
    instructions: str = ""  # e.g. "sau ăn"


@dataclass
class PrescriptionWarning(ClinicalError):
    warnings: list[str]

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(_("Cần xác nhận cảnh báo trước khi lưu đơn thuốc."), "confirm")
        self.warnings = warnings


def quantity(dose: Decimal, times_per_day: int, days: int) -> Decimal:
    """Units to dispense, rounded up to whole units (a pharmacy does not hand out half a tablet)."""
    return (dose * times_per_day * days).to_integral_value(rounding=ROUND_CEILING)


def instruction_text(route: str, dose: Decimal, unit: str, times_per_day: int, days: int, extra: str) -> str:
    """The instructions printed for the patient and the pharmacy: always Vietnamese, whatever the UI language."""
    with translation.override("vi"):
        text = _("%(route)s, mỗi lần %(dose)s %(unit)s, ngày %(times)s lần, trong %(days)s ngày") % {
            "route": _(ROUTES[route][2]), "dose": _fmt(dose), "unit": unit, "times": times_per_day, "days": days}
    return f"{text}; {extra.strip()}" if extra.strip() else text


def _fmt(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize()).replace(".", ",")


def _positive_int(text: str, label: str, field: str) -> int:
    value = parse_decimal(text, label, field)
    if value != value.to_integral_value() or value <= 0:
        raise ClinicalError(_("%(label)s phải là số nguyên dương.") % {"label": label}, field)
    return int(value)


@dataclass
class CheckedLine:
    drug: catalogs.Drug
    dose: Decimal
    times_per_day: int
    days: int
    route: str
    instructions: str

    @property
    def total(self) -> Decimal:
        return quantity(self.dose, self.times_per_day, self.days)


def check_lines(lines: list[Line], diagnoses: list[str]) -> list[CheckedLine]:
    if not lines:
        raise ClinicalError(_("Đơn thuốc chưa có thuốc nào."), "drug")
    max_days = CHRONIC_MAX_DAYS if any(is_chronic(c) for c in diagnoses) else DEFAULT_MAX_DAYS
    out = []
    for n, line in enumerate(lines, start=1):
        drug = catalogs.drug(line.drug_code.strip())
        if drug is None:
            raise ClinicalError(_("Thuốc %(code)s (dòng %(n)s) không có trong danh mục.") % {"code": line.drug_code, "n": n}, "drug")
        dose = parse_decimal(line.dose, _("Liều mỗi lần"), "dose")
        if dose <= 0:
            raise ClinicalError(_("Liều mỗi lần của %(drug)s phải lớn hơn 0.") % {"drug": drug.name}, "dose")
        times = _positive_int(line.times_per_day, _("Số lần mỗi ngày"), "times_per_day")
        if times > 12:
            raise ClinicalError(_("Số lần dùng mỗi ngày của %(drug)s quá lớn.") % {"drug": drug.name}, "times_per_day")
        days = _positive_int(line.days, _("Số ngày dùng"), "days")
        if days > max_days:
            raise ClinicalError(
                _("%(drug)s: kê %(days)s ngày vượt quá %(max)s ngày cho phép%(why)s.") % {
                    "drug": drug.name, "days": days, "max": max_days,
                    "why": "" if max_days == CHRONIC_MAX_DAYS else _(" (bệnh không thuộc danh mục bệnh mạn tính)")},
                "days")
        if line.route not in ROUTES:
            raise ClinicalError(_("Đường dùng không hợp lệ."), "route")
        out.append(CheckedLine(drug, dose, times, days, line.route, line.instructions))
    return out


def _words(text: str) -> set[str]:
    return {w for w in fold(text).replace(",", " ").replace("/", " ").split() if len(w) > 2}


def warnings_for(repo: Repository, patient_id: str, lines: list[CheckedLine], exclude_group: str = "") -> list[str]:
    """Allergies recorded for the patient that match a drug or its active ingredient, the same drug twice
    in the prescription, and drugs of an active prescription still running."""
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for line in lines:
        key = fold(line.drug.ingredient or line.drug.name)
        if key in seen:
            warnings.append(_("Trùng thuốc: %(a)s và %(b)s cùng hoạt chất.") % {"a": seen[key], "b": line.drug.name})
        seen[key] = line.drug.name
    entries = ChartEntry.objects.filter(patient_id=patient_id, resource_type__in=("AllergyIntolerance", "MedicationRequest"))
    allergy_ids = [e.resource_id for e in entries if e.resource_type == "AllergyIntolerance"]
    active_ids = [e.resource_id for e in entries if e.resource_type == "MedicationRequest" and e.status == "active"]
    for stored in repo.read_many("AllergyIntolerance", allergy_ids):
        allergy = stored.json()
        if (allergy.get("verificationStatus") or {}).get("coding", [{}])[0].get("code") in ("refuted", "entered-in-error"):
            continue
        substance = (allergy.get("code") or {}).get("text") or next(
            (c.get("display", "") for c in (allergy.get("code") or {}).get("coding", [])), "")
        allergy_words = _words(substance)
        for line in lines:
            if allergy_words & (_words(line.drug.name) | _words(line.drug.ingredient)):
                warnings.append(_("Dị ứng: người bệnh có tiền sử dị ứng %(substance)s; thuốc %(drug)s.") % {
                    "substance": substance, "drug": line.drug.name})
    for stored in repo.read_many("MedicationRequest", active_ids):
        request = stored.json()
        if exclude_group and (request.get("groupIdentifier") or {}).get("value") == exclude_group:
            continue
        codes = {c.get("code") for c in (request.get("medicationCodeableConcept") or {}).get("coding", [])}
        for line in lines:
            if line.drug.code in codes:
                warnings.append(_("Trùng thuốc: %(drug)s đang có trong đơn ngày %(date)s.") % {
                    "drug": line.drug.name, "date": vn_date(request.get("authoredOn", ""))})
    return list(dict.fromkeys(warnings))


def prescribe(repo: Repository, encounter_id: str, lines: list[Line], *, note: str = "",
              confirm_warnings: bool = False) -> list[dict[str, Any]]:
    """Store the prescription as MedicationRequests sharing a groupIdentifier (the prescription number)."""
    encounter = _encounter(repo, encounter_id)
    diagnoses = diagnosis_codes(repo, encounter)
    if not diagnoses:
        raise ClinicalError(_("Cần nhập chẩn đoán trước khi kê đơn."), "main_diagnosis")
    checked = check_lines(lines, diagnoses)
    patient_id = subject_id(encounter)
    warnings = warnings_for(repo, patient_id, checked)
    if warnings and not confirm_warnings:
        raise PrescriptionWarning(warnings)
    group = uuid.uuid4().hex[:12]
    when, who = now_iso(), performer(repo)
    chronic = any(is_chronic(c) for c in diagnoses)
    with repo.atomic():
        _begin(repo, encounter)
        out = []
        for line in checked:
            route = ROUTES[line.route]
            request: dict[str, Any] = {
                "resourceType": "MedicationRequest",
                "status": "active",
                "intent": "order",
                "category": [{"coding": [coding("http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                                                "outpatient" if (encounter.get("class") or {}).get("code") == "AMB" else "inpatient")]}],
                "groupIdentifier": {"system": GROUP_SYSTEM, "value": group},
                "medicationCodeableConcept": {
                    "coding": [coding(DRUG_SYSTEM, line.drug.code, line.drug.name)],
                    "text": f"{line.drug.name} {line.drug.strength}".strip(),
                },
                "subject": ref("Patient", patient_id),
                "encounter": ref("Encounter", encounter_id),
                "authoredOn": when,
                "requester": who,
                "reasonCode": [{"text": ", ".join(diagnoses)}],
                "dosageInstruction": [{
                    "text": instruction_text(line.route, line.dose, line.drug.unit, line.times_per_day, line.days,
                                             line.instructions),
                    "patientInstruction": line.instructions.strip() or None,
                    "timing": {"repeat": {"frequency": line.times_per_day, "period": 1, "periodUnit": "d",
                                          "boundsDuration": {"value": line.days, "unit": "ngày",
                                                             "system": "http://unitsofmeasure.org", "code": "d"}}},
                    "route": {"coding": [coding("http://snomed.info/sct", route[0], route[1])], "text": _(route[2])},
                    "doseAndRate": [{"doseQuantity": {"value": float(line.dose), "unit": line.drug.unit}}],
                }],
                "dispenseRequest": {
                    "quantity": {"value": int(line.total), "unit": line.drug.unit},
                    "expectedSupplyDuration": {"value": line.days, "unit": "ngày", "system": "http://unitsofmeasure.org",
                                               "code": "d"},
                },
            }
            if not line.instructions.strip():
                del request["dosageInstruction"][0]["patientInstruction"]
            notes = [n for n in (note.strip(), _("Bệnh mạn tính") if chronic else "") if n]
            if notes:
                request["note"] = [{"text": n} for n in notes]
            out.append(repo.create(request).json())
    return out


def prescription_group(repo: Repository, encounter_id: str) -> dict[str, list[dict[str, Any]]]:
    """The encounter's prescriptions, by group (prescription number), in order written."""
    ids = list(ChartEntry.objects.filter(encounter_id=encounter_id, resource_type="MedicationRequest")
               .order_by("sort_date", "id").values_list("resource_id", flat=True))
    groups: dict[str, list[dict[str, Any]]] = {}
    for stored in repo.read_many("MedicationRequest", ids):
        request = stored.json()
        groups.setdefault((request.get("groupIdentifier") or {}).get("value", request["id"]), []).append(request)
    return groups


def national_code(requests: list[dict[str, Any]]) -> str:
    for request in requests:
        for ident in request.get("identifier") or ():
            if ident.get("system") == PRESCRIPTION_CODE_SYSTEM:
                return str(ident.get("value", ""))
    return ""


def set_national_code(repo: Repository, requests: list[dict[str, Any]], code: str) -> None:
    """Record the 14-character code the national system gave the prescription on each of its lines."""
    if len(code) != 14:
        raise ClinicalError(_("Mã đơn thuốc quốc gia phải gồm 14 ký tự."), "national_code")

    def stamp(r: dict[str, Any]) -> None:
        r["identifier"] = [i for i in r.get("identifier") or () if i.get("system") != PRESCRIPTION_CODE_SYSTEM]
        r["identifier"].append({"system": PRESCRIPTION_CODE_SYSTEM, "value": code})

    with repo.atomic():
        for request in requests:
            modify(repo, "MedicationRequest", request["id"], stamp)


def record_allergy(repo: Repository, patient_id: str, substance: str, reaction: str = "",
                   criticality: str = "high") -> dict[str, Any]:
    if not substance.strip():
        raise ClinicalError(_("Chưa nhập tác nhân gây dị ứng."), "substance")
    allergy: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active")]},
        "verificationStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed")]},
        "category": ["medication"],
        "criticality": criticality if criticality in ("low", "high", "unable-to-assess") else "high",
        "code": {"text": substance.strip()},
        "patient": ref("Patient", patient_id),
        "recordedDate": now_iso(),
        "recorder": performer(repo),
    }
    if reaction.strip():
        allergy["reaction"] = [{"description": reaction.strip(), "manifestation": [{"text": reaction.strip()}]}]
    return repo.create(allergy).json()


def submit_to_national_system(repo: Repository, encounter_id: str, group: str, gateway: Gateway) -> str:
    """Send the prescription to donthuocquocgia.vn and record the 14-character code it returns.

    Nothing is stored when the national system refuses or cannot be reached: the doctor resends later.
    """
    groups = prescription_group(repo, encounter_id)
    requests = groups.get(group)
    if not requests:
        raise ClinicalError(_("Không tìm thấy đơn thuốc."))
    if existing := national_code(requests):
        return existing
    encounter = _encounter(repo, encounter_id, open_only=False)
    patient_id = subject_id(encounter)
    _s, patient = load(repo, "Patient", patient_id)
    condition_ids = [d["condition"]["reference"].split("/", 1)[1]
                     for d in sorted(encounter.get("diagnosis") or (), key=lambda d: d.get("rank", 99))]
    conditions = [s.json() for s in repo.read_many("Condition", condition_ids)]
    user = User.objects.filter(pk=repo.actor.id).first() if repo.actor.kind == "user" else None
    prescriber = {"name": performer(repo).get("display", ""), "licence": user.licence_number if user else ""}
    payload = build_payload(patient, requests, conditions, facility_code=repo.facility, prescriber=prescriber,
                            group=group)
    try:
        code = gateway.submit(payload)
    except EPrescriptionError as exc:
        raise ClinicalError(exc.message, "national_code") from exc
    set_national_code(repo, requests, code)
    return code


def sign_prescription(repo: Repository, signer: User, encounter_id: str, group: str,
                      gateway: Gateway | None = None) -> Any:
    """Sign the prescription (đơn thuốc) over its lines. With a gateway configured, the prescription is
    first sent to the national system so that the printed, signed paper carries its code and QR."""
    from benhan.documents.pdf.contexts import prescription_context

    from .signing import coverage_of, facility_of, sign, signed_documents, signed_targets

    requests = prescription_group(repo, encounter_id).get(group)
    if not requests:
        raise ClinicalError(_("Không tìm thấy đơn thuốc."))
    if f"MedicationRequest/{requests[0]['id']}" in signed_targets(signed_documents(repo, encounter_id)):
        raise ClinicalError(_("Đơn thuốc này đã được ký."))
    if gateway is not None and not national_code(requests):
        submit_to_national_system(repo, encounter_id, group, gateway)
        requests = prescription_group(repo, encounter_id)[group]
    encounter = _encounter(repo, encounter_id, open_only=False)
    patient_id = subject_id(encounter)
    ranked = [d["condition"]["reference"].split("/", 1)[1]
              for d in sorted(encounter.get("diagnosis") or (), key=lambda d: d.get("rank", 99))]
    conditions = [s.json() for s in repo.read_many("Condition", ranked)]
    _s, patient = load(repo, "Patient", patient_id)
    context = prescription_context(patient, requests, conditions, facility=facility_of(repo),
                                   coverage=coverage_of(repo, patient_id), encounter=encounter)
    refs = [f"Patient/{patient_id}", *(f"MedicationRequest/{r['id']}" for r in requests),
            *(f"Condition/{c['id']}" for c in conditions)]
    with repo.atomic():
        return sign(repo, signer, "prescription", refs, context)
