"""Staff pages of the exchange: incoming referrals, follow-ups, and the delivery queues."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from benhan.accounts.actors import repository_for_request
from benhan.accounts.decorators import has_role, role_required
from benhan.accounts.models import User

from . import consent, outbox, record_view, referral
from .describe import describe, when
from .models import OutboxMessage
from .referral import ReferralError

CLINICAL = (User.Role.DOCTOR, User.Role.NURSE, User.Role.RECEPTIONIST)
ADMINS = (User.Role.FACILITY_ADMIN,)


def _rows(repo, tasks):
    patients = {s.id: s.json() for s in repo.read_many(
        "Patient", [t["for"]["reference"].split("/", 1)[1] for t in tasks if t.get("for")])}
    rows = []
    for t in tasks:
        patient = patients.get(t.get("for", {}).get("reference", "/").split("/", 1)[1], {})
        rows.append({"task": t, "from": (t.get("requester") or {}).get("display", ""),
                     "patient": (patient.get("name") or [{}])[0].get("text", ""),
                     "birth": patient.get("birthDate", ""), "status": t.get("businessStatus", {}).get("text", "")})
    return rows


@role_required(*CLINICAL)
def incoming(request: HttpRequest) -> HttpResponse:
    repo = repository_for_request(request)
    return render(request, "exchange/incoming.html", {
        "rows": _rows(repo, referral.worklist(repo)), "follow_ups": _rows(repo, referral.follow_up_worklist(repo))})


@role_required(User.Role.DOCTOR)
@require_POST
def decide(request: HttpRequest, task_id: str) -> HttpResponse:
    repo = repository_for_request(request)
    try:
        if request.POST.get("action") == "accept":
            referral.accept(repo, task_id)
            messages.success(request, _("Đã tiếp nhận người bệnh chuyển đến."))
        else:
            referral.reject(repo, task_id, str(request.POST.get("reason", "")))
            messages.success(request, _("Đã từ chối; cơ sở chuyển sẽ nhận được lý do."))
    except ReferralError as exc:
        messages.error(request, str(exc))
    return redirect("exchange:incoming")


@role_required(*ADMINS)
def queues(request: HttpRequest) -> HttpResponse:
    counts = (OutboxMessage.objects.values("destination", "status").annotate(n=Count("id")).order_by("destination", "status"))
    dead = OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).order_by("-created")[:100]
    failing = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, attempts__gt=0).order_by("next_attempt_at")[:100]
    return render(request, "exchange/queues.html", {"counts": counts, "dead": dead, "failing": failing})


@role_required(*ADMINS)
@require_POST
def retry(request: HttpRequest) -> HttpResponse:
    n = outbox.retry_dead([str(i) for i in request.POST.getlist("message")])
    messages.success(request, _("Đã đưa %(n)d tin vào hàng đợi gửi lại.") % {"n": n})
    return redirect("exchange:queues")


# --- records held at other facilities, and the patient's consent to share them ---------------------
@role_required(User.Role.DOCTOR, User.Role.NURSE, User.Role.RECEPTIONIST)
@require_http_methods(["GET", "POST"])
def shared_records(request: HttpRequest, patient_id: str) -> HttpResponse:
    """GET shows the consent state (reception records it here too); POST opens the records, for the
    clinicians only (with consent, or the override)."""
    view, error = None, ""
    if request.method == "POST":
        if not has_role(request.user, User.Role.DOCTOR, User.Role.NURSE):
            raise PermissionDenied
        emergency = request.POST.get("how") == "emergency"
        repo = repository_for_request(request, purpose=record_view.EMERGENCY if emergency else "TREAT",
                                      reason=str(request.POST.get("reason", "")) if emergency else "")
        try:
            view = record_view.open_other_records(repo, patient_id)
        except record_view.RecordViewError as exc:
            error = str(exc)
    repo = repository_for_request(request)
    held = next(iter(consent.sharing_consents(repo, patient_id)), None)
    return render(request, "exchange/shared_records.html", {
        "patient_id": patient_id, "view": view, "error": error, "consented": consent.permits(held),
        "can_open": has_role(request.user, User.Role.DOCTOR, User.Role.NURSE),
        "sources": _present(view) if view else []}, status=400 if error else 200)


def _present(view: record_view.SharedView) -> list[dict[str, object]]:
    return [{"source": s, "rows": [{"type": r["resourceType"], "text": describe(r), "when": when(r)} for r in s.resources]}
            for s in view.sources]


@role_required(User.Role.DOCTOR, User.Role.NURSE, User.Role.RECEPTIONIST)
@require_POST
def sharing_consent(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Reception records (or withdraws) the patient's consent, as the patient said at the desk."""
    repo = repository_for_request(request)
    give = request.POST.get("action") == "give"
    consent.record(repo, patient_id, permit=give, performer=str(request.POST.get("performer", "")))
    messages.success(request, _("Đã ghi nhận người bệnh đồng ý chia sẻ hồ sơ.") if give
                     else _("Đã ghi nhận người bệnh rút lại đồng ý chia sẻ hồ sơ."))
    return redirect("exchange:shared-records", patient_id=patient_id)
