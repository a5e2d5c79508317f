"""Facility administration: facilities on this server, their departments, rooms and beds."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from benhan.accounts.decorators import admin_required
from benhan.accounts.models import Facility, User
from benhan.accounts.staff import managed_facilities
from benhan.vn import admin_units

from .forms import BedsForm, DepartmentForm, FacilityForm, RoomForm
from .models import Department
from .structure import departments_with_counts, ensure_beds, facility_counts


def _facility(request: HttpRequest, code: str) -> Facility:
    assert isinstance(request.user, User)
    facility = get_object_or_404(Facility, code=code)
    if not managed_facilities(request.user).filter(pk=facility.pk).exists():
        raise PermissionDenied
    return facility


@admin_required
def facility_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    facilities = [(f, facility_counts(f)) for f in managed_facilities(request.user).order_by("code")]
    return render(request, "facilities/list.html", {"facilities": facilities})


@admin_required
def facility_create(request: HttpRequest) -> HttpResponse:
    # Adding a tenant to the server is for the server's administrator, not a facility's.
    if not request.user.is_superuser:
        raise PermissionDenied
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        facility = form.save()
        messages.success(request, _("Đã thêm cơ sở %(name)s.") % {"name": facility.name})
        return redirect("facilities:detail", code=facility.code)
    return render(request, "facilities/facility_form.html", {"form": form, "creating": True},
                  status=400 if form.errors else 200)


@admin_required
def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    facility = _facility(request, code)
    # Two forms on one page: only the one whose button was pressed is bound.
    form = FacilityForm(request.POST if "save_facility" in request.POST else None, instance=facility, prefix="f")
    dept_form = DepartmentForm(request.POST if "add_department" in request.POST else None, facility=facility,
                               prefix="d")
    if request.method == "POST":
        if "save_facility" in request.POST and form.is_valid():
            form.save()
            messages.success(request, _("Đã lưu thông tin cơ sở."))
            return redirect("facilities:detail", code=facility.code)
        if "add_department" in request.POST and dept_form.is_valid():
            dept = dept_form.save(commit=False)
            dept.facility = facility
            dept.save()
            messages.success(request, _("Đã thêm %(name)s.") % {"name": dept.name})
            return redirect("facilities:detail", code=facility.code)
    commune = admin_units.commune(facility.commune_code) if facility.commune_code else None
    return render(request, "facilities/detail.html", {
        "facility": facility, "form": form, "dept_form": dept_form, "commune": commune,
        "departments": departments_with_counts(facility),
        "bound": "save_facility" if "save_facility" in request.POST else "add_department",
    }, status=400 if request.method == "POST" else 200)


@admin_required
def department_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    facility = _facility(request, code)
    department = get_object_or_404(Department, pk=pk, facility=facility)
    edit_form = DepartmentForm(request.POST if "save_department" in request.POST else None, instance=department,
                               facility=facility, prefix="e")
    room_form = RoomForm(request.POST if "add_room" in request.POST else None, department=department, prefix="r")
    beds_form = BedsForm(request.POST if "add_beds" in request.POST else None, department=department, prefix="b")
    if request.method == "POST":
        if "save_department" in request.POST and edit_form.is_valid():
            edit_form.save()
            messages.success(request, _("Đã lưu %(name)s.") % {"name": department.name})
            return redirect("facilities:department", code=code, pk=pk)
        if "add_room" in request.POST and room_form.is_valid():
            room = room_form.save(commit=False)
            room.department = department
            room.save()
            messages.success(request, _("Đã thêm %(name)s.") % {"name": room.name})
            return redirect("facilities:department", code=code, pk=pk)
        if "add_beds" in request.POST and beds_form.is_valid():
            room = beds_form.cleaned_data["room"]
            with transaction.atomic():
                before = room.beds.count()
                ensure_beds(room, before + beds_form.cleaned_data["count"], prefix=beds_form.cleaned_data["kind"])
            messages.success(request, _("Phòng %(room)s hiện có %(n)s giường.") % {"room": room.name, "n": room.beds.count()})
            return redirect("facilities:department", code=code, pk=pk)
    rooms = department.rooms.prefetch_related("beds").order_by("code")
    return render(request, "facilities/department.html", {
        "facility": facility, "department": department, "rooms": rooms,
        "room_form": room_form, "beds_form": beds_form, "edit_form": edit_form,
    }, status=400 if request.method == "POST" else 200)


@admin_required
def commune_options(request: HttpRequest) -> HttpResponse:
    """The commune <select> for the chosen province (htmx swap on province change)."""
    province = request.GET.get("f-province_code") or request.GET.get("province_code") or ""
    units = admin_units.communes(province) if province else []
    return render(request, "facilities/_commune_select.html", {"units": units,
                                                               "name": request.GET.get("name", "f-commune_code")})
