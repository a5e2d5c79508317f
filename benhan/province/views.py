"""The provincial / Ministry dashboard at the hub, and the facility admin's self-assessment at the node."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from benhan.accounts.actors import current_facility
from benhan.accounts.decorators import role_required
from benhan.accounts.models import Facility, User
from benhan.reports import exports
from benhan.reports.figures import Figure, last_months
from benhan.reports.views import present_figure

from . import overview
from .criteria import CRITERIA, clean, status_of
from .models import EmrStatus, SelfAssessment
from .reporting import report

HEALTH_AUTHORITY = (User.Role.PROVINCE,)


def _province(request: HttpRequest) -> str:
    code = request.GET.get("tinh", "").strip()
    return code if code.isdigit() else ""


def _figures(province: str) -> list[Figure]:
    months = last_months()
    return [overview.live_over_time(months, province), *overview.aggregated_figures(months, province)]


@role_required(*HEALTH_AUTHORITY)
def dashboard(request: HttpRequest) -> HttpResponse:
    province = _province(request)
    rows = overview.facility_rows(province)
    totals = overview.province_totals(rows)
    live = sum(t.live for t in totals)
    return render(request, "province/dashboard.html", {
        "province": province, "province_name": overview.province_name(province) if province else "",
        "provinces": overview.province_totals(overview.facility_rows()),
        "rows": rows, "totals": totals, "live": live, "count": len(rows),
        "figures": [present_figure(f) for f in _figures(province)],
        "criteria": CRITERIA, "statuses": EmrStatus,
    })


@role_required(*HEALTH_AUTHORITY)
def export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    province = _province(request)
    if key == "facilities":
        figure = overview.facilities_figure(overview.facility_rows(province))
    else:
        figure = next((f for f in _figures(province) if f.key == key), None)  # type: ignore[assignment]
        if figure is None:
            raise Http404
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(figure), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(exports.to_xlsx(figure),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404(_("Định dạng không hỗ trợ."))
    response["Content-Disposition"] = f'attachment; filename="benhan-tinh{province}-{figure.key}.{fmt}"'
    return response


@role_required(User.Role.FACILITY_ADMIN)
def assessment(request: HttpRequest) -> HttpResponse:
    facility = Facility.objects.filter(code=current_facility(request)).first()
    if facility is None:
        raise PermissionDenied
    saved = SelfAssessment.objects.filter(facility=facility.code).first()
    if request.method == "POST":
        answers = clean({c.code: request.POST.get(c.code) == "1" for c in CRITERIA})
        with transaction.atomic():  # the answers and their report to the hub are kept together
            SelfAssessment.objects.update_or_create(facility=facility.code, defaults={
                "answers": answers, "updated_by": request.user.get_username()})
            sent = report(facility)
        status = EmrStatus(status_of(answers)).label
        if sent:
            messages.success(request, _("Đã lưu tự đánh giá (%(status)s) và gửi báo cáo lên Sở Y tế.") % {"status": status})
        else:
            messages.success(request, _("Đã lưu tự đánh giá (%(status)s). Máy chủ chưa cấu hình nơi nhận báo cáo (BENHAN_EXCHANGE_HUB).") % {"status": status})
        return redirect("province:assessment")
    answers = clean(saved.answers if saved else {})
    return render(request, "province/assessment.html", {
        "facility": facility, "saved": saved, "status": EmrStatus(status_of(answers)),
        "items": [(c, answers[c.code]) for c in CRITERIA],
    })
