"""Orders (ServiceRequest) and their results: lab panels entered per test against the catalogue's
reference ranges, imaging reports, attached files; and the technicians' worklist."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from benhan.accounts.models import User
from benhan.fhir.repository import Repository

from .. import catalogs
from ..errors import ClinicalError
from ..fhirutil import (
    INTERPRETATION,
    LABTEST_SYSTEM,
    OBS_CATEGORY,
    SERVICE_SYSTEM,
    UCUM,
    coding,
    concept,
    now_iso,
    ref,
)
from ..models import ChartEntry
from .common import load, modify, performer, subject_id
from .visits import _begin, _encounter, parse_decimal

SNOMED = "http://snomed.info/sct"
CATEGORIES = {
    "lab": ("108252007", "Laboratory procedure", gettext_noop("Xét nghiệm")),
    "imaging": ("363679005", "Imaging", gettext_noop("Chẩn đoán hình ảnh")),
    "procedure": ("387713003", "Surgical procedure", gettext_noop("Thủ thuật")),
}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def place_orders(repo: Repository, encounter_id: str, service_codes: list[str], note: str = "") -> list[dict[str, Any]]:
    """One ServiceRequest per ordered service (lab test, imaging study, procedure) from the catalogue."""
    codes = [c.strip() for c in service_codes if c.strip()]
    if not codes:
        raise ClinicalError(_("Chưa chọn dịch vụ cần chỉ định."), "services")
    services = []
    for code in codes:
        service = catalogs.service(code)
        if service is None:
            raise ClinicalError(_("Dịch vụ %(code)s không có trong danh mục.") % {"code": code}, "services")
        services.append(service)
    encounter = _encounter(repo, encounter_id)
    patient_id, when, who = subject_id(encounter), now_iso(), performer(repo)
    with repo.atomic():
        _begin(repo, encounter)
        out = []
        for service in services:
            snomed, display, label = CATEGORIES[service.category]
            request: dict[str, Any] = {
                "resourceType": "ServiceRequest",
                "status": "active",
                "intent": "order",
                "category": [{"coding": [coding(SNOMED, snomed, display)], "text": _(label)}],
                "code": {"coding": [coding(SERVICE_SYSTEM, service.code, service.name)], "text": service.name},
                "subject": ref("Patient", patient_id),
                "encounter": ref("Encounter", encounter_id),
                "authoredOn": when,
                "requester": who,
            }
            if note.strip():
                request["note"] = [{"text": note.strip()}]
            out.append(repo.create(request).json())
    return out


def worklist(repo: Repository, category: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Active orders of this facility awaiting a result, oldest first (the technicians' worklist)."""
    ids = list(ChartEntry.objects.filter(tenant=repo.facility, resource_type="ServiceRequest", status="active")
               .order_by("sort_date").values_list("resource_id", flat=True)[: limit * 2])
    requests = [s.json() for s in repo.read_many("ServiceRequest", ids)]
    if category:
        snomed = CATEGORIES[category][0]
        requests = [r for r in requests if any(c.get("code") == snomed for cat in r.get("category", [])
                                              for c in cat.get("coding", []))]
    return requests[:limit]


def category_of(request: dict[str, Any]) -> str:
    codes = {c.get("code") for cat in request.get("category", []) for c in cat.get("coding", [])}
    return next((k for k, v in CATEGORIES.items() if v[0] in codes), "")


def _open_request(repo: Repository, request_id: str, category: str) -> dict[str, Any]:
    _stored, request = load(repo, "ServiceRequest", request_id)
    if request.get("status") != "active":
        raise ClinicalError(_("Chỉ định này đã có kết quả hoặc đã huỷ."))
    if category_of(request) != category:
        raise ClinicalError(_("Chỉ định này không thuộc loại kết quả đang nhập."))
    return request


def _service_code(request: dict[str, Any]) -> str:
    return next((c["code"] for c in request["code"].get("coding", []) if c.get("system") == SERVICE_SYSTEM), "")


@dataclass
class LabValue:
    code: str
    name: str
    value: Decimal
    flag: str  # "H", "L" or "N"


def interpret(value: Decimal, low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and value < low:
        return "L"
    if high is not None and value > high:
        return "H"
    return "N"


FLAG_DISPLAY = {"H": "High", "L": "Low", "N": "Normal"}


def enter_lab_results(repo: Repository, request_id: str, values: dict[str, str], conclusion: str = "") -> dict[str, Any]:
    """The panel's results, one Observation per test with the catalogue's unit and reference range and
    an abnormal flag, gathered in a preliminary DiagnosticReport (final when signed)."""
    request = _open_request(repo, request_id, "lab")
    _stored, patient = load(repo, "Patient", subject_id(request))
    tests = catalogs.lab_panel(_service_code(request), patient.get("gender", ""))
    if not tests:
        raise ClinicalError(_("Dịch vụ này không có danh sách xét nghiệm trong danh mục."))
    entered = {code: text for code, text in values.items() if (text or "").strip()}
    if not entered:
        raise ClinicalError(_("Chưa nhập kết quả xét nghiệm nào."))
    known = {t.code: t for t in tests}
    for code in entered:
        if code not in known:
            raise ClinicalError(_("Xét nghiệm %(code)s không thuộc chỉ định này.") % {"code": code})
    patient_id, when, who = subject_id(request), now_iso(), performer(repo)
    encounter = request.get("encounter")
    observations = []
    for test in tests:
        if test.code not in entered:
            continue
        value = parse_decimal(entered[test.code], test.name, f"result_{test.code}")
        flag = interpret(value, test.low, test.high)
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [concept(OBS_CATEGORY, "laboratory", "Laboratory")],
            "code": {"coding": [coding(LABTEST_SYSTEM, test.code, test.name)]
                     + ([coding("http://loinc.org", test.loinc)] if test.loinc else []), "text": test.name},
            "subject": ref("Patient", patient_id),
            "effectiveDateTime": when,
            "issued": when,
            "performer": [who],
            "basedOn": [ref("ServiceRequest", request_id)],
            "valueQuantity": {"value": int(value) if value == value.to_integral_value() else float(value),
                              "unit": test.unit, "system": UCUM, "code": test.ucum or test.unit},
            "interpretation": [concept(INTERPRETATION, flag, FLAG_DISPLAY[flag])],
        }
        rng: dict[str, Any] = {}
        if test.low is not None:
            rng["low"] = {"value": float(test.low), "unit": test.unit, "system": UCUM, "code": test.ucum or test.unit}
        if test.high is not None:
            rng["high"] = {"value": float(test.high), "unit": test.unit, "system": UCUM, "code": test.ucum or test.unit}
        if rng:
            rng["text"] = test.range_text
            obs["referenceRange"] = [rng]
        if encounter:
            obs["encounter"] = encounter
        observations.append(obs)
    with repo.atomic():
        created = [repo.create(o).json() for o in observations]
        report = _report(request, patient_id, when, who, "LAB", "Laboratory")
        report["result"] = [ref("Observation", o["id"], o["code"]["text"]) for o in created]
        if conclusion.strip():
            report["conclusion"] = conclusion.strip()
        stored = repo.create(report).json()
        _complete(repo, request_id)
    return stored


def _report(request: dict[str, Any], patient_id: str, when: str, who: dict[str, Any], section: str,
            display: str) -> dict[str, Any]:
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        # Preliminary until the responsible person signs; signing makes it final and releases it.
        "status": "preliminary",
        "basedOn": [ref("ServiceRequest", request["id"])],
        "category": [concept("http://terminology.hl7.org/CodeSystem/v2-0074", section, display)],
        "code": request["code"],
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": when,
        "issued": when,
        "performer": [who],
    }
    if request.get("encounter"):
        report["encounter"] = request["encounter"]
    return report


def _complete(repo: Repository, request_id: str) -> None:
    def done(r: dict[str, Any]) -> None:
        r["status"] = "completed"
    modify(repo, "ServiceRequest", request_id, done)


def enter_imaging_report(repo: Repository, request_id: str, findings: str, conclusion: str) -> dict[str, Any]:
    """An imaging (or procedure) report: findings and conclusion as a preliminary DiagnosticReport."""
    request = _load_any(repo, request_id)
    if not findings.strip():
        raise ClinicalError(_("Chưa nhập mô tả kết quả."), "findings")
    if not conclusion.strip():
        raise ClinicalError(_("Chưa nhập kết luận."), "conclusion")
    when, who = now_iso(), performer(repo)
    report = _report(request, subject_id(request), when, who, "RAD", "Radiology")
    report["conclusion"] = conclusion.strip()
    report["presentedForm"] = [{"contentType": "text/plain; charset=utf-8", "title": _("Mô tả"),
                                "data": base64.b64encode(findings.strip().encode()).decode()}]
    with repo.atomic():
        stored = repo.create(report).json()
        _complete(repo, request_id)
    return stored


def _load_any(repo: Repository, request_id: str) -> dict[str, Any]:
    _stored, request = load(repo, "ServiceRequest", request_id)
    if request.get("status") != "active":
        raise ClinicalError(_("Chỉ định này đã có kết quả hoặc đã huỷ."))
    if category_of(request) not in ("imaging", "procedure"):
        raise ClinicalError(_("Chỉ định này không thuộc loại kết quả đang nhập."))
    return request


ALLOWED_TYPES = {"image/jpeg", "image/png", "application/pdf", "application/dicom"}


def attach_file(repo: Repository, patient_id: str, encounter_id: str, title: str, content_type: str,
                data: bytes, report_id: str = "") -> dict[str, Any]:
    """A file or image (scan, photo, ECG) as a Binary, described by a DocumentReference in the chart."""
    if not data:
        raise ClinicalError(_("Chưa chọn tệp đính kèm."), "file")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ClinicalError(_("Tệp quá lớn (tối đa 20 MB)."), "file")
    if content_type not in ALLOWED_TYPES:
        raise ClinicalError(_("Chỉ nhận ảnh JPEG/PNG, PDF hoặc DICOM."), "file")
    if not title.strip():
        raise ClinicalError(_("Chưa nhập tên tệp đính kèm."), "title")
    load(repo, "Patient", patient_id)  # refuses an unknown patient before the file is stored
    with repo.atomic():
        binary = repo.create({"resourceType": "Binary", "contentType": content_type,
                              "securityContext": ref("Patient", patient_id),
                              "data": base64.b64encode(data).decode()}).json()
        doc: dict[str, Any] = {
            "resourceType": "DocumentReference",
            "status": "current",
            "type": {"text": title.strip()},
            "category": [{"coding": [coding("https://benhan.vn/fhir/CodeSystem/loai-ghi-chep", "attachment")]}],
            "subject": ref("Patient", patient_id),
            "date": now_iso(),
            "author": [performer(repo)],
            "description": title.strip(),
            "content": [{"attachment": {"contentType": content_type, "url": f"Binary/{binary['id']}",
                                        "size": len(data), "title": title.strip()}}],
        }
        context: dict[str, Any] = {}
        if encounter_id:
            context["encounter"] = [ref("Encounter", encounter_id)]
        if report_id:
            context["related"] = [ref("DiagnosticReport", report_id)]
        if context:
            doc["context"] = context
        return repo.create(doc).json()


# Who may approve and sign each kind of report: lab reports by a doctor (the head of the lab or the
# ordering doctor); imaging and procedure reports by whoever read the study, doctor or technician.
SIGNERS = {"LAB": ("doctor",), "RAD": ("doctor", "technician")}


def report_section(report: dict[str, Any]) -> str:
    """"LAB" or "RAD" (v2-0074 diagnostic service section of the report), else ""."""
    codes = {c.get("code") for cat in report.get("category", []) for c in cat.get("coding", [])}
    return next((code for code in SIGNERS if code in codes), "")


def sign_report(repo: Repository, signer: User, report_id: str) -> Any:
    """Approve a report: final, then signed over the report and what it reports (then released to the patient).

    A lab report is signed over its Observations (phiếu kết quả xét nghiệm); an imaging or procedure
    report over its order, findings and conclusion (phiếu kết quả chẩn đoán hình ảnh)."""
    from benhan.documents.pdf.contexts import imaging_report_context, lab_report_context

    from .. import release
    from .signing import coverage_of, facility_of, sign

    _stored, report = load(repo, "DiagnosticReport", report_id)
    if report.get("status") not in ("preliminary", "partial"):
        raise ClinicalError(_("Phiếu kết quả này đã được duyệt và ký."))
    section = report_section(report)
    if not section:
        raise ClinicalError(_("Phiếu này không phải phiếu kết quả xét nghiệm hay chẩn đoán hình ảnh."))
    if signer.role not in SIGNERS[section]:
        raise ClinicalError(_("Phiếu kết quả xét nghiệm do bác sĩ duyệt và ký."))
    patient_id = subject_id(report)
    result_ids = [r["reference"].split("/", 1)[1] for r in report.get("result") or ()]
    request_ids = [r["reference"].split("/", 1)[1] for r in report.get("basedOn") or ()
                   if str(r.get("reference", "")).startswith("ServiceRequest/")]
    with repo.atomic():
        observations = [s.json() for s in repo.read_many("Observation", result_ids)] if section == "LAB" else []
        review_required = release.needs_review(observations)

        def approve(r: dict[str, Any]) -> None:
            r["status"] = "final"
            r["issued"] = now_iso()
            r["resultsInterpreter"] = [performer(repo)]
            if review_required:
                release.tag_after_review(r)
        final = modify(repo, "DiagnosticReport", report_id, approve)
        _s, patient = load(repo, "Patient", patient_id)
        common: dict[str, Any] = {"facility": facility_of(repo), "coverage": coverage_of(repo, patient_id)}
        if section == "LAB":
            context = lab_report_context(patient, final, observations, **common)
            refs = [f"Patient/{patient_id}", f"DiagnosticReport/{report_id}", *(f"Observation/{i}" for i in result_ids)]
            signed = sign(repo, signer, "lab_report", refs, context)
            # Released to the patient, and `result_ready` sent, once signed and any review hold is over
            # (decisions 0012, 0024): now, or later by the review, the remote signature or the delay job.
            release.on_signed(repo, final, signed, review_required)
            return signed
        requests = [s.json() for s in repo.read_many("ServiceRequest", request_ids)]
        context = imaging_report_context(patient, final, requests[0] if requests else None, **common)
        refs = [f"Patient/{patient_id}", f"DiagnosticReport/{report_id}", *(f"ServiceRequest/{i}" for i in request_ids)]
        return sign(repo, signer, "imaging_report", refs, context)


def awaiting_signature(repo: Repository, limit: int = 100) -> list[dict[str, Any]]:
    """Reports of this facility entered but not yet approved and signed, oldest first (second half of
    the technicians' worklist)."""
    ids = list(ChartEntry.objects.filter(tenant=repo.facility, resource_type="DiagnosticReport",
                                         status__in=("preliminary", "partial"))
               .order_by("sort_date").values_list("resource_id", flat=True)[:limit])
    return [s.json() for s in repo.read_many("DiagnosticReport", ids)]
