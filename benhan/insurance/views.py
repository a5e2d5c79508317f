"""The insurance desk's pages: thin views over `claims.py` and `desk.py` (errors shown in Vietnamese)."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benhan.accounts.actors import current_facility, repository_for_request
from benhan.accounts.decorators import role_required
from benhan.accounts.models import Facility, User
from benhan.documents.signing.keys import SigningError
from benhan.fhir.errors import FhirError

from . import claims, desk
from .builder import CATEGORY_EXTENSION, RESULT_EXTENSION
from .claims import RESULT_CODES, Batch, ClaimError
from .models import Claim
from .portal import PortalError, configured_portal
from .spec import tables as table_specs

DESK = ("insurance",)


def _facility(request: HttpRequest) -> Facility:
    facility = Facility.objects.filter(code=current_facility(request)).first()
    if facility is None:
        raise PermissionDenied
    return facility


def _month(raw: str) -> tuple[date, date, str]:
    try:
        shown = datetime.strptime(raw, "%m/%Y").date()
    except ValueError:
        shown = timezone.localdate()
    start, end = claims.month_range(shown.year, shown.month)
    return start, end, start.strftime("%m/%Y")


def _back(request: HttpRequest, label: str) -> HttpResponse:
    return redirect(f"/ui/bhyt/?thang={label}")


@role_required(*DESK)
def month(request: HttpRequest) -> HttpResponse:
    facility = _facility(request)
    start, end, label = _month(request.GET.get("thang", ""))
    status = request.GET.get("trang_thai", "")
    if status not in Claim.Status.values:
        status = ""
    repo = repository_for_request(request)
    rows = desk.claims_in(facility.code, start, end, status)
    return render(request, "insurance/month.html", {
        "facility": facility, "month": label, "status": status,
        "statuses": [(value, text, n) for (value, text), n in
                     zip(Claim.Status.choices, desk.status_counts(facility.code, start, end).values(), strict=True)],
        "claims": rows, "pending": desk.pending(repo, start, end),
        "portal_ready": configured_portal(facility.code) is not None,
    })


@role_required(*DESK)
@require_POST
def generate_view(request: HttpRequest) -> HttpResponse:
    _facility(request)  # the desk works for one facility: none chosen is refused
    start, end, label = _month(request.POST.get("thang", ""))
    repo = repository_for_request(request)
    ids = request.POST.getlist("encounter")
    if not ids:  # "generate all": every finished encounter of the month still without a claim
        ids = [p.encounter_id for p in desk.pending(repo, start, end)]
    counts, errors = desk.generate_many(repo, ids)
    for error in errors:
        messages.error(request, error)
    if counts:
        messages.success(request, _("Đã lập %(n)s hồ sơ: %(detail)s.") % {
            "n": sum(counts.values()),
            "detail": ", ".join(f"{Claim.Status(k).label} {v}" for k, v in sorted(counts.items()))})
    elif not errors:
        messages.warning(request, _("Không có lượt khám nào cần lập hồ sơ trong tháng %(month)s.") % {"month": label})
    return _back(request, label)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _month_batch(request: HttpRequest, facility: Facility) -> tuple[Batch | None, date, str]:
    """The posted month's ready claims, signed as one envelope; None (with the message shown) if refused."""
    start, end, label = _month(request.POST.get("thang", ""))
    try:
        return claims.export_batch(facility, start, end, _user(request)), start, label
    except (ClaimError, SigningError) as exc:
        messages.error(request, str(exc))
        return None, start, label


@role_required(*DESK)
@require_POST
def export_view(request: HttpRequest) -> HttpResponse:
    """The month's ready claims in one signed GIAMDINHHS envelope, as a download."""
    facility = _facility(request)
    batch, start, label = _month_batch(request, facility)
    if batch is None:
        return _back(request, label)
    response = HttpResponse(batch.envelope, content_type="application/xml")
    name = f"GIAMDINHHS_{facility.code}_{start:%Y%m}.xml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _send(request: HttpRequest, facility: Facility, batch: Batch) -> None:
    portal = configured_portal(facility.code)
    if portal is None:
        messages.error(request, _("Chưa cấu hình cổng giám định BHXH (địa chỉ, tài khoản, mật khẩu) cho cơ sở này."))
        return
    try:
        claims.submit(batch, facility, portal)
    except PortalError as exc:
        messages.error(request, _("Cổng BHXH không nhận hồ sơ: %(why)s") % {"why": exc})
        return
    sent = Claim.objects.get(pk=batch.claims[0].pk)
    messages.success(request, _("Cổng BHXH đã tiếp nhận %(n)s hồ sơ, mã giao dịch %(tx)s.") % {
        "n": len(batch.claims), "tx": sent.transaction_id})


@role_required(*DESK)
@require_POST
def submit_view(request: HttpRequest) -> HttpResponse:
    facility = _facility(request)
    batch, _start, label = _month_batch(request, facility)
    if batch is not None:
        _send(request, facility, batch)
    return _back(request, label)


def _claim(request: HttpRequest, ma_lk: str) -> Claim:
    # Another facility's claim is not found: its existence is not disclosed.
    return get_object_or_404(Claim, ma_lk=ma_lk, facility=_facility(request).code)


@role_required(*DESK)
def claim_view(request: HttpRequest, ma_lk: str) -> HttpResponse:
    claim = _claim(request, ma_lk)
    repo = repository_for_request(request)
    encounter = repo.read("Encounter", claim.encounter_id).json()
    facts = {e.get("url"): (e.get("valueCoding") or {}).get("code", "") for e in encounter.get("extension") or ()}
    specs = table_specs(claim.version)
    shown = []
    for name, rows in claim.tables.items():
        fields = [f for f in specs[name].fields if any(f in r for r in rows)] if name in specs else sorted(rows[0])
        shown.append({"name": name, "title": specs[name].title if name in specs else name, "fields": fields,
                      "rows": [[r.get(f, "") for f in fields] for r in rows]})
    return render(request, "insurance/claim.html", {
        "claim": claim, "tables": shown, "results": sorted(RESULT_CODES.items()),
        "result": facts.get(RESULT_EXTENSION, ""), "category": facts.get(CATEGORY_EXTENSION, ""),
        "month": timezone.localtime(claim.period_end).strftime("%m/%Y"),
        "can_regenerate": claim.status not in (Claim.Status.SUBMITTED, Claim.Status.ACCEPTED),
        "can_resend": claim.status in (Claim.Status.READY, Claim.Status.REJECTED),
    })


@role_required(*DESK)
@require_POST
def facts_view(request: HttpRequest, ma_lk: str) -> HttpResponse:
    """Record the treatment result and patient category, then generate the claim again from the record."""
    claim = _claim(request, ma_lk)
    repo = repository_for_request(request)
    try:
        claims.record_claim_facts(repo, claim.encounter_id, result=request.POST.get("result", ""),
                                  category=request.POST.get("category", "").strip())
        claim = claims.generate(repo, claim.encounter_id)
    except (ClaimError, FhirError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã ghi thông tin và lập lại hồ sơ: %(status)s.") % {"status": claim.get_status_display()})
    return redirect("bhyt:claim", ma_lk=ma_lk)


@role_required(*DESK)
@require_POST
def regenerate_view(request: HttpRequest, ma_lk: str) -> HttpResponse:
    claim = _claim(request, ma_lk)
    try:
        claim = claims.generate(repository_for_request(request), claim.encounter_id)
    except ClaimError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã lập lại hồ sơ từ bệnh án: %(status)s.") % {"status": claim.get_status_display()})
    return redirect("bhyt:claim", ma_lk=ma_lk)


@role_required(*DESK)
@require_POST
def resend_view(request: HttpRequest, ma_lk: str) -> HttpResponse:
    """Sign this one claim in its own envelope and send it (after a refusal, or on its own)."""
    claim = _claim(request, ma_lk)
    facility = _facility(request)
    day = timezone.localtime(claim.period_end).date()
    try:
        batch = claims.export_batch(facility, day, day, _user(request), ma_lks=[claim.ma_lk])
    except (ClaimError, SigningError) as exc:
        messages.error(request, str(exc))
    else:
        _send(request, facility, batch)
    return redirect("bhyt:claim", ma_lk=ma_lk)
