"""Registration, patient search, the chart and its access log, merging and check-in."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from benhan.accounts.decorators import has_role, role_required
from benhan.facilities.models import Bed, Department, Room

from ..errors import ClinicalError
from ..models import PatientKey
from ..workflows import chart as chart_flow
from ..workflows import inpatient, prescriptions, registration, visits
from ..workflows.registration import DuplicateWarning, PatientInput
from .common import ACCESS_LOG_READERS, CLINICIANS, FRONT_DESK, post, repo_for
from .present import chart_rows, patient_summary

REGISTRATION_FIELDS = ("name", "birth_date", "gender", "cccd", "address", "phone", "bhyt", "bhyt_valid_from",
                       "bhyt_valid_to", "bhyt_facility")


def exam_rooms(facility: str) -> list[Room]:
    return list(Room.objects.filter(department__facility__code=facility, kind=Room.Kind.EXAM, active=True)
                .order_by("code"))


@role_required(*FRONT_DESK)
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    repo = repo_for(request)
    values = {f: post(request, f) for f in REGISTRATION_FIELDS}
    context: dict[str, object] = {"values": values, "rooms": exam_rooms(repo.facility)}
    if request.method == "POST" and "read_qr" in request.POST:
        # Scanning fills the form; reception then adds the phone and BHYT card and saves.
        try:
            scanned = registration.input_from_chip_qr(post(request, "qr"))
        except ClinicalError as exc:
            context.update(error=exc.message, field="qr", qr=post(request, "qr"))
            return render(request, "clinical/register.html", context, status=400)
        values.update({k: getattr(scanned, k) for k in ("name", "birth_date", "gender", "cccd", "address")})
        context["scanned"] = True
        return render(request, "clinical/register.html", context)
    if request.method == "POST":
        try:
            with repo.atomic():  # the record and the patient's sharing consent, together or not at all
                done = registration.register_patient(repo, PatientInput(**values),
                                                     confirm_not_duplicate=request.POST.get("confirm") == "1")
                if request.POST.get("share_consent") == "1":
                    from benhan.exchange.consent import record as record_consent

                    record_consent(repo, done.patient["id"], permit=True, performer=values["name"])
        except DuplicateWarning as exc:
            context.update(error=exc.message, field=exc.field, duplicates=exc.candidates, overridable=exc.overridable)
            return render(request, "clinical/register.html", context, status=409)
        except ClinicalError as exc:
            context.update(error=exc.message, field=exc.field)
            return render(request, "clinical/register.html", context, status=400)
        messages.success(request, _("Đã tạo hồ sơ người bệnh."))
        room = post(request, "room")
        if room:
            room_name = next((r.name for r in context["rooms"] if r.code == room), room)  # type: ignore[attr-defined]
            visit = visits.start_outpatient_visit(repo, done.patient["id"], room, room_name)
            messages.success(request, _("Số thứ tự: %(n)s tại %(room)s.") % {"n": visit.ticket.number, "room": room_name})  # type: ignore[union-attr]
            return redirect("clinical:encounter", encounter_id=visit.encounter["id"])
        return redirect("clinical:chart", patient_id=done.patient["id"])
    return render(request, "clinical/register.html", context)


@role_required()
def search(request: HttpRequest) -> HttpResponse:
    """Find a patient by CCCD, BHYT card, record number, or name (accent-insensitive)."""
    from benhan.vn.text import fold

    repo = repo_for(request)
    query = request.GET.get("q", "").strip()
    patients = []
    if query:
        compact = "".join(query.split()).upper()
        qs = PatientKey.objects.filter(active=True)
        tenants = repo.policy.tenants(repo.actor)
        if tenants is not None:
            qs = qs.filter(tenant__in=tenants)
        ids = list(qs.filter(kind__in=("cccd", "bhyt", "mrn"), value=compact).values_list("patient_id", flat=True)[:20])
        if not ids:
            ids = list(qs.filter(kind="name_dob", value__startswith=fold(query)).values_list("patient_id", flat=True)[:50])
        patients = [patient_summary(s.json()) for s in repo.read_many("Patient", list(dict.fromkeys(ids)))]
    return render(request, "clinical/search.html", {"query": query, "patients": patients})


@role_required()
def chart(request: HttpRequest, patient_id: str) -> HttpResponse:
    repo = repo_for(request)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    try:
        opened = chart_flow.open_chart(repo, patient_id, page=page)
    except ClinicalError as exc:
        return render(request, "clinical/error.html", {"error": exc.message}, status=404)
    from ..workflows.signing import signed_for_encounters

    shown = opened.sections
    encounter_ids = {e["id"] for e in shown["encounters"].items} | {
        str((item.get("encounter") or {}).get("reference", "")).partition("/")[2]
        for name in ("medications", "results") for item in shown[name].items}
    signed = signed_for_encounters(repo, sorted(i for i in encounter_ids if i))
    context = {
        "patient": patient_summary(opened.patient),
        "chart": opened,
        "sections": opened.sections,
        "rows": chart_rows(opened.sections, signed),
        "rooms": exam_rooms(repo.facility),
        "departments": Department.objects.filter(facility__code=repo.facility, inpatient=True, active=True),
        "beds": Bed.objects.filter(room__department__facility__code=repo.facility, active=True)
        .select_related("room__department"),
        "can_read_log": has_role(request.user, *ACCESS_LOG_READERS),
    }
    return render(request, "clinical/chart.html", context)


@role_required(*ACCESS_LOG_READERS)
def access_log(request: HttpRequest, patient_id: str) -> HttpResponse:
    repo = repo_for(request)
    _stored, patient = chart_flow.load(repo, "Patient", patient_id)
    rows, total = chart_flow.access_log(patient_id, page=int(request.GET.get("page", "1") or 1))
    repo.audit_event("access-log-view", resource_type="Patient", resource_id=patient_id, patient_id=patient_id)
    return render(request, "clinical/access_log.html", {"patient": patient_summary(patient), "rows": rows, "total": total})


@role_required(*FRONT_DESK)
@require_POST
def check_in(request: HttpRequest, patient_id: str) -> HttpResponse:
    repo = repo_for(request)
    room = post(request, "room")
    room_name = next((r.name for r in exam_rooms(repo.facility) if r.code == room), room)
    try:
        visit = visits.start_outpatient_visit(repo, patient_id, room, room_name, post(request, "reason"))
    except ClinicalError as exc:
        messages.error(request, exc.message)
        return redirect("clinical:chart", patient_id=patient_id)
    messages.success(request, _("Số thứ tự: %(n)s tại %(room)s.") % {"n": visit.ticket.number, "room": room_name})  # type: ignore[union-attr]
    return redirect("clinical:encounter", encounter_id=visit.encounter["id"])


@role_required("doctor")
@require_POST
def admit(request: HttpRequest, patient_id: str) -> HttpResponse:
    repo = repo_for(request)
    bed = post(request, "bed")
    try:
        stay = inpatient.admit(repo, patient_id, post(request, "department"), bed, post(request, "diagnosis"),
                               post(request, "reason"), post(request, "from_encounter"))
    except ClinicalError as exc:
        messages.error(request, exc.message)
        return redirect("clinical:chart", patient_id=patient_id)
    messages.success(request, _("Đã nhập viện."))
    return redirect("clinical:encounter", encounter_id=stay["id"])


@role_required(*CLINICIANS)
@require_POST
def add_allergy(request: HttpRequest, patient_id: str) -> HttpResponse:
    try:
        prescriptions.record_allergy(repo_for(request), patient_id, post(request, "substance"), post(request, "reaction"))
        messages.success(request, _("Đã ghi nhận dị ứng."))
    except ClinicalError as exc:
        messages.error(request, exc.message)
    return redirect("clinical:chart", patient_id=patient_id)


@role_required("doctor", "facility_admin")
@require_POST
def merge(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Merge another record (named by its record number or CCCD) into this one."""
    repo = repo_for(request)
    key = "".join(post(request, "other").split()).upper()
    other = (PatientKey.objects.filter(kind__in=("mrn", "cccd"), value=key, active=True)
             .exclude(patient_id=patient_id).values_list("patient_id", flat=True).first())
    if other is None:
        messages.error(request, _("Không tìm thấy hồ sơ trùng với mã %(key)s.") % {"key": key})
        return redirect("clinical:chart", patient_id=patient_id)
    try:
        registration.merge_patients(repo, other, patient_id, post(request, "reason"))
        messages.success(request, _("Đã gộp hồ sơ."))
    except ClinicalError as exc:
        messages.error(request, exc.message)
    return redirect("clinical:chart", patient_id=patient_id)
