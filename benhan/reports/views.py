"""The facility dashboard (/reports/): facility admins and quality staff see their own facilities,
the provincial Department of Health every facility, with a picker."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benhan.accounts.actors import current_facility, facilities_of
from benhan.accounts.decorators import role_required
from benhan.accounts.models import Facility, User
from benhan.vn.formatting import vn_date, vnd

from . import exports
from .charts import bar_chart
from .figures import (
    COUNT,
    FIGURES,
    HOURS,
    MINUTES,
    PERCENT,
    VND,
    Column,
    Figure,
    Value,
    last_months,
    missing_figures,
    province_overview,
    window_end,
    window_start,
)

DASHBOARD_ROLES = (User.Role.FACILITY_ADMIN, User.Role.QUALITY, User.Role.PROVINCE)
CHART_UNITS = {HOURS: gettext_lazy("giờ"), MINUTES: gettext_lazy("phút"), PERCENT: "%"}


def _decimal(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def show(value: Value, kind: str) -> str:
    """A cell as the page shows it: Vietnamese separators, VND, a dash for no value."""
    if value is None or value == "":
        return "—"
    if kind == VND:
        return vnd(value)
    if kind == COUNT:
        return f"{int(value):,}".replace(",", ".")
    if kind in (HOURS, MINUTES, PERCENT):
        return _decimal(float(value), 2 if kind == MINUTES else 1)
    return str(value)


def facilities_for(user: User) -> list[Facility]:
    allowed = facilities_of(user)
    found = Facility.objects.filter(active=True)
    return list(found if allowed is None else found.filter(code__in=allowed))


def chosen_facility(request: HttpRequest) -> Facility:
    """The facility asked for (?facility=), else the session's; refused unless the user may see it."""
    assert isinstance(request.user, User)
    allowed = facilities_of(request.user)
    code = request.GET.get("facility", "").strip() or current_facility(request)
    if not code and allowed is None:
        first = Facility.objects.filter(active=True).first()
        code = first.code if first else ""
    if not code or (allowed is not None and code not in allowed):
        raise PermissionDenied
    facility = Facility.objects.filter(code=code).first()
    if facility is None:
        raise Http404
    return facility


def _figure(facility: Facility, key: str) -> Figure:
    compute = FIGURES.get(key)
    if compute is None:
        raise Http404
    return compute(facility.code, last_months())


def present_figure(figure: Figure) -> dict[str, object]:
    chart_column = next((c for c in figure.columns if c.key == figure.chart_column), Column("", "", COUNT))
    return {
        "figure": figure,
        "chart": bar_chart(figure.key, f"{figure.title} — {chart_column.label}", figure.chart_series(),
                           str(CHART_UNITS.get(chart_column.kind, ""))),
        "chart_label": chart_column.label,
        "header": [c.label for c in figure.columns],
        "rows": [[show(row.get(c.key), c.kind) for c in figure.columns] for row in figure.rows],
    }


@role_required(*DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    facility = chosen_facility(request)
    months = last_months()
    figures = [present_figure(compute(facility.code, months)) for compute in FIGURES.values()]
    facilities = facilities_for(request.user)  # type: ignore[arg-type]
    overview = province_overview([(f.code, f.name) for f in facilities], months) if len(facilities) > 1 else []
    return render(request, "reports/dashboard.html", {
        "facility": facility,
        "facilities": facilities,
        "overview": overview,
        "figures": figures,
        "missing": missing_figures(),
        "period_start": vn_date(window_start(months)),
        "period_end": vn_date(window_end(months)),
    })


@role_required(*DASHBOARD_ROLES)
def export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    facility = chosen_facility(request)
    figure = _figure(facility, key)
    name = f"benhan-{facility.code}-{figure.key}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(figure), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(figure),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404(_("Định dạng không hỗ trợ."))
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
