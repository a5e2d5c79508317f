"""The encounter page (outpatient visit or inpatient stay) and the steps taken on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benhan.accounts.decorators import role_required
from benhan.documents.pdf.contexts import presented_text
from benhan.facilities.models import Bed, Department
from benhan.fhir.repository import Repository

from .. import catalogs, release
from ..eprescription import gateway_from_settings
from ..errors import ClinicalError
from ..models import QueueTicket
from ..workflows import inpatient, orders, prescriptions, visits
from ..workflows.chart import encounter_entries
from ..workflows.common import load, subject_id
from ..workflows.signing import kind_of, signed_documents, signed_targets
from ..workflows.visits import NOTE_KINDS, VITALS, note_kind, note_text
from .common import CLINICIANS, post, repo_for, signed_message, staff
from .present import concept_text, encounter_summary, observation_row, patient_summary
from .signatures import any_awaiting, pending_rows

PRESCRIPTION_ROWS = 5


def prescription_rows(posted: Any) -> list[dict[str, str | int]]:
    """The prescription form's rows, filled with what was typed when the page comes back with a message."""
    fields = ("drug", "dose", "times", "days", "route", "instructions")
    return [{"i": i, **{f: str(posted.get(f"{f}_{i}", "")) for f in fields}} for i in range(PRESCRIPTION_ROWS)]


def page_context(repo: Repository, encounter_id: str) -> dict[str, Any]:
    """Everything the encounter page shows, read in one batch per resource type."""
    _stored, encounter = load(repo, "Encounter", encounter_id)
    patient_id = subject_id(encounter)
    _stored, patient = load(repo, "Patient", patient_id)
    entries = encounter_entries(repo, encounter_id, ("Observation", "DocumentReference", "ServiceRequest",
                                                      "DiagnosticReport", "MedicationRequest", "Composition"))
    observations = entries["Observation"]
    vitals = [observation_row(o) for o in observations
              if any(c.get("code") == "vital-signs" for cat in o.get("category", []) for c in cat.get("coding", []))]
    notes = [{"kind": note_kind(d), "title": (d.get("type") or {}).get("text", ""), "text": note_text(d),
              "when": d.get("date", "")} for d in entries["DocumentReference"] if note_kind(d) in NOTE_KINDS]
    documents = signed_documents(repo, encounter_id)
    signed = signed_targets(documents)
    groups: dict[str, list[dict[str, Any]]] = {}
    for request in entries["MedicationRequest"]:
        groups.setdefault((request.get("groupIdentifier") or {}).get("value", request["id"]), []).append(request)
    prescription_list = [{
        "group": group,
        "code": prescriptions.national_code(lines),
        "signed": f"MedicationRequest/{lines[0]['id']}" in signed,
        "lines": [{"drug": concept_text(r.get("medicationCodeableConcept")),
                   "quantity": f"{r['dispenseRequest']['quantity']['value']} {r['dispenseRequest']['quantity']['unit']}",
                   "instructions": r["dosageInstruction"][0].get("text", "")} for r in lines],
    } for group, lines in groups.items()]
    reports = {ref["reference"].split("/", 1)[1]: r for r in entries["DiagnosticReport"] for ref in r.get("basedOn", [])}
    results_by_id = {o["id"]: o for o in observations}
    holds = release.holds([r["id"] for r in reports.values()])
    order_rows = []
    for request in entries["ServiceRequest"]:
        report = reports.get(request["id"])
        order_rows.append({
            "id": request["id"], "name": concept_text(request.get("code")), "status": request.get("status"),
            "category": orders.category_of(request),
            "report": report and {
                "id": report["id"], "status": report.get("status"), "conclusion": report.get("conclusion", ""),
                "findings": presented_text(report), "signers": orders.SIGNERS.get(orders.report_section(report), ()),
                "hold": holds.get(report["id"]),
                "results": [observation_row(results_by_id[r["reference"].split("/", 1)[1]]) for r in report.get("result", [])
                            if r["reference"].split("/", 1)[1] in results_by_id],
            },
        })
    summary = encounter_summary(encounter)
    pending = pending_rows(encounter_id, repo.facility)
    return {
        "patient": patient_summary(patient),
        "encounter": summary,
        "vitals": vitals,
        "vital_fields": VITALS,
        "notes": notes,
        "note_kinds": [(k, v[2]) for k, v in NOTE_KINDS.items() if k != "conclusion"],
        "orders": order_rows,
        "prescriptions": prescription_list,
        "documents": [{"id": d["id"], "title": (d.get("type") or {}).get("text", ""), "kind": kind_of(d),
                       "when": d.get("date", "")} for d in documents],
        "pending": pending,
        "pending_awaiting": any_awaiting(pending),
        "visit_signed": any(kind_of(d) == "visit_record" for d in documents),
        "services": catalogs.orderable_services(),
        "routes": [(k, v[2]) for k, v in prescriptions.ROUTES.items()],
        "prescription_rows": prescription_rows({}),
        "ticket": QueueTicket.objects.filter(encounter_id=encounter_id).first(),
        "departments": Department.objects.filter(facility__code=repo.facility, inpatient=True, active=True),
        "beds": Bed.objects.filter(room__department__facility__code=repo.facility, room__department__inpatient=True,
                                   active=True).select_related("room__department"),
        "gateway": gateway_from_settings() is not None,
        "outcomes": [(k, v[1]) for k, v in visits.OUTCOMES.items() if k != "admission" or summary["class"] == "AMB"],
    }


@role_required()
def encounter(request: HttpRequest, encounter_id: str) -> HttpResponse:
    try:
        return render(request, "clinical/encounter.html", page_context(repo_for(request), encounter_id))
    except ClinicalError as exc:
        return render(request, "clinical/error.html", {"error": exc.message}, status=404)


def _refuse(request: HttpRequest, encounter_id: str, exc: ClinicalError, section: str,
            extra: dict[str, Any] | None = None) -> HttpResponse:
    """Show the page again with the Vietnamese message beside the form, keeping what was typed."""
    context = page_context(repo_for(request), encounter_id)
    context.update({"error": exc.message, "error_section": section, "error_field": exc.field,
                    "posted": request.POST, "prescription_rows": prescription_rows(request.POST), **(extra or {})})
    return render(request, "clinical/encounter.html", context, status=400)


def _done(request: HttpRequest, encounter_id: str, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    response = redirect("clinical:encounter", encounter_id=encounter_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@role_required(*CLINICIANS)
@require_POST
def record_vitals(request: HttpRequest, encounter_id: str) -> HttpResponse:
    try:
        visits.record_vitals(repo_for(request), encounter_id, {v.key: post(request, v.key) for v in VITALS})
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "vitals")
    return _done(request, encounter_id, _("Đã lưu chỉ số sinh tồn."), "vitals")


@role_required(*CLINICIANS)
@require_POST
def record_note(request: HttpRequest, encounter_id: str) -> HttpResponse:
    kind = post(request, "kind")
    try:
        if kind == "course":
            inpatient.record_course(repo_for(request), encounter_id, post(request, "text"), post(request, "orders"))
        else:
            visits.record_note(repo_for(request), encounter_id, kind, post(request, "text"))
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "notes")
    return _done(request, encounter_id, _("Đã lưu ghi chép."), "notes")


def _codes(text: str) -> list[str]:
    return [c for c in text.replace(";", ",").split(",") if c.strip()]


@role_required("doctor")
@require_POST
def set_diagnoses(request: HttpRequest, encounter_id: str) -> HttpResponse:
    try:
        visits.set_diagnoses(repo_for(request), encounter_id, post(request, "main_diagnosis"),
                             _codes(post(request, "secondary_diagnoses")))
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "diagnoses")
    return _done(request, encounter_id, _("Đã lưu chẩn đoán."), "diagnoses")


@role_required("doctor")
@require_POST
def place_orders(request: HttpRequest, encounter_id: str) -> HttpResponse:
    try:
        orders.place_orders(repo_for(request), encounter_id, request.POST.getlist("services"), post(request, "note"))
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "orders")
    return _done(request, encounter_id, _("Đã gửi chỉ định."), "orders")


@role_required("doctor")
@require_POST
def prescribe(request: HttpRequest, encounter_id: str) -> HttpResponse:
    lines = []
    for i in range(PRESCRIPTION_ROWS):
        drug = post(request, f"drug_{i}")
        if drug:
            lines.append(prescriptions.Line(drug, post(request, f"dose_{i}"), post(request, f"times_{i}"),
                                            post(request, f"days_{i}"), post(request, f"route_{i}") or "oral",
                                            post(request, f"instructions_{i}")))
    try:
        prescriptions.prescribe(repo_for(request), encounter_id, lines, note=post(request, "advice"),
                                confirm_warnings=request.POST.get("confirm") == "1")
    except prescriptions.PrescriptionWarning as exc:
        return _refuse(request, encounter_id, exc, "prescription", {"warnings": exc.warnings})
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "prescription")
    return _done(request, encounter_id, _("Đã lưu đơn thuốc."), "prescription")


@role_required("doctor")
@require_POST
def sign_prescription(request: HttpRequest, encounter_id: str, group: str) -> HttpResponse:
    try:
        prescriptions.sign_prescription(repo_for(request), staff(request), encounter_id, group, gateway_from_settings())
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "prescription")
    return _done(request, encounter_id, signed_message(request, _("Đã ký đơn thuốc.")), "documents")


@role_required("doctor")
@require_POST
def national_code(request: HttpRequest, encounter_id: str, group: str) -> HttpResponse:
    """The code typed by hand when the national system answered on its own website (no gateway here)."""
    repo = repo_for(request)
    try:
        lines = prescriptions.prescription_group(repo, encounter_id).get(group) or []
        if not lines:
            raise ClinicalError(_("Không tìm thấy đơn thuốc."))
        prescriptions.set_national_code(repo, lines, "".join(post(request, "national_code").split()))
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "prescription")
    return _done(request, encounter_id, _("Đã ghi mã đơn thuốc quốc gia."), "prescription")


@role_required("doctor")
@require_POST
def conclude(request: HttpRequest, encounter_id: str) -> HttpResponse:
    outcome = post(request, "outcome")
    repo = repo_for(request)
    try:
        if outcome == "admission":
            stay = inpatient.conclude_and_admit(repo, staff(request), encounter_id, post(request, "department"),
                                                post(request, "bed"), post(request, "conclusion"))
            messages.success(request, signed_message(request, _("Đã ký phiếu khám và nhập viện.")))
            return redirect("clinical:encounter", encounter_id=stay["id"])
        visits.conclude_visit(repo, staff(request), encounter_id, outcome, post(request, "conclusion"),
                                     referral_reason=post(request, "referral_reason"),
                                     reexam_date=post(request, "reexam_date"), reexam_note=post(request, "reexam_note"))
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "conclusion")
    return _done(request, encounter_id, signed_message(request, _("Đã ký phiếu khám và kết thúc lượt khám.")), "documents")


@role_required("doctor")
@require_POST
def transfer(request: HttpRequest, encounter_id: str) -> HttpResponse:
    try:
        inpatient.transfer(repo_for(request), encounter_id, post(request, "department"), post(request, "bed"))
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "transfer")
    return _done(request, encounter_id, _("Đã chuyển khoa."), "stay")


@role_required("doctor")
@require_POST
def discharge(request: HttpRequest, encounter_id: str) -> HttpResponse:
    try:
        inpatient.discharge(repo_for(request), staff(request), encounter_id, post(request, "main_diagnosis"),
                            _codes(post(request, "secondary_diagnoses")), post(request, "treatment"),
                            post(request, "condition"), post(request, "advice"))
    except ClinicalError as exc:
        return _refuse(request, encounter_id, exc, "discharge")
    return _done(request, encounter_id, signed_message(request, _("Đã ký giấy ra viện.")), "documents")
