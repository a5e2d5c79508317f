"""The technicians' worklist, result entry against the catalogue, and approving (signing) reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from benhan.accounts.decorators import role_required
from benhan.accounts.models import User
from benhan.fhir.repository import Repository

from .. import catalogs, release
from ..errors import ClinicalError
from ..workflows import orders
from ..workflows.common import load, subject_id
from .common import RESULTS, post, repo_for, signed_message, staff
from .present import concept_text, patient_summary, vn_datetime


@role_required(*RESULTS)
def worklist(request: HttpRequest) -> HttpResponse:
    repo = repo_for(request)
    category = request.GET.get("loai") or None
    if category not in (None, "lab", "imaging", "procedure"):
        category = None
    pending = orders.worklist(repo, category)
    patients = {s.id: patient_summary(s.json()) for s in repo.read_many("Patient", [subject_id(r) for r in pending])}
    rows = [{"id": r["id"], "name": concept_text(r.get("code")), "category": orders.category_of(r),
             "patient": patients.get(subject_id(r)), "authored": r.get("authoredOn", "")} for r in pending]
    return render(request, "clinical/worklist.html", {"rows": rows, "category": category,
                                                      "to_sign": _to_sign(repo, staff(request), category)})


def _to_sign(repo: Repository, user: User, category: str | None) -> list[dict[str, Any]]:
    """Reports entered and waiting for approval and signature, those this user may sign first."""
    wanted = {"lab": "LAB", "imaging": "RAD", "procedure": "RAD"}.get(category or "")
    reports = [r for r in orders.awaiting_signature(repo) if not wanted or orders.report_section(r) == wanted]
    patients = {s.id: patient_summary(s.json()) for s in repo.read_many("Patient", [subject_id(r) for r in reports])}
    rows = [{"id": r["id"], "name": concept_text(r.get("code")), "section": orders.report_section(r),
             "can_sign": user.role in orders.SIGNERS.get(orders.report_section(r), ()),
             "patient": patients.get(subject_id(r)), "issued": vn_datetime(r.get("issued"))} for r in reports]
    return sorted(rows, key=lambda row: not row["can_sign"])


@role_required(*RESULTS)
@require_http_methods(["GET", "POST"])
def enter_result(request: HttpRequest, request_id: str) -> HttpResponse:
    repo = repo_for(request)
    try:
        _stored, order = load(repo, "ServiceRequest", request_id)
        _stored, patient = load(repo, "Patient", subject_id(order))
    except ClinicalError as exc:
        return render(request, "clinical/error.html", {"error": exc.message}, status=404)
    category = orders.category_of(order)
    service_code = next((c["code"] for c in order["code"].get("coding", [])), "")
    tests = catalogs.lab_panel(service_code, patient.get("gender", "")) if category == "lab" else []
    context = {"order": order, "name": concept_text(order.get("code")), "category": category,
               "tests": [(t, request.POST.get(f"result_{t.code}", "")) for t in tests],
               "patient": patient_summary(patient), "posted": request.POST}
    if request.method == "POST":
        try:
            if category == "lab":
                report = orders.enter_lab_results(repo, request_id, {t.code: post(request, f"result_{t.code}") for t in tests},
                                                  post(request, "conclusion"))
            else:
                report = orders.enter_imaging_report(repo, request_id, post(request, "findings"), post(request, "conclusion"))
            upload = request.FILES.get("file")
            if upload is not None:
                orders.attach_file(repo, subject_id(order), (order.get("encounter") or {}).get("reference", "/").split("/")[1],
                                   post(request, "file_title") or upload.name or "", upload.content_type or "",
                                   upload.read(), report["id"])
        except ClinicalError as exc:
            context.update(error=exc.message, field=exc.field)
            return render(request, "clinical/result_entry.html", context, status=400)
        messages.success(request, _("Đã lưu kết quả; chờ duyệt và ký."))
        return redirect("clinical:worklist")
    return render(request, "clinical/result_entry.html", context)


@role_required(*RESULTS)
@require_POST
def sign_report(request: HttpRequest, report_id: str) -> HttpResponse:
    repo = repo_for(request)
    back = post(request, "next") or "/ui/can-lam-sang/"
    try:
        orders.sign_report(repo, staff(request), report_id)
        messages.success(request, signed_message(request, _("Đã duyệt và ký phiếu kết quả.")))
    except ClinicalError as exc:
        messages.error(request, exc.message)
    return redirect(back if back.startswith("/ui/") else "/ui/")


@role_required("doctor")
@require_POST
def review_result(request: HttpRequest, report_id: str) -> HttpResponse:
    """The doctor has gone over a "release after review" result with the patient: release it."""
    back = post(request, "next") or "/ui/"
    try:
        release.record_review(repo_for(request), staff(request), report_id)
        messages.success(request, _("Đã ghi nhận tư vấn kết quả; người bệnh đã xem được kết quả trên ứng dụng."))
    except ClinicalError as exc:
        messages.error(request, exc.message)
    return redirect(back if back.startswith("/ui/") else "/ui/")
