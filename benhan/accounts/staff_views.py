"""Staff list, creation and editing for facility admins."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import two_factor
from .decorators import admin_required
from .forms import StaffForm
from .models import User
from .staff import managed_facilities, may_manage, staff_visible_to


@admin_required
def staff_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    query = request.GET.get("q", "").strip()
    staff = staff_visible_to(request.user, query)
    template = "accounts/_staff_rows.html" if request.htmx else "accounts/staff_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"staff": staff, "q": query, "required_roles": two_factor.required_roles()})


@admin_required
def staff_create(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = StaffForm(request.POST or None, facilities=managed_facilities(request.user),
                     initial={"facility": request.user.facility})
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Đã tạo tài khoản %(username)s.") % {"username": user.username})
        return redirect("accounts:staff-list")
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True},
                  status=400 if form.errors else 200)


@admin_required
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assert isinstance(request.user, User)
    staff = get_object_or_404(User, pk=pk)
    if not may_manage(request.user, staff):
        raise PermissionDenied
    form = StaffForm(request.POST or None, instance=staff, facilities=managed_facilities(request.user), creating=False)
    if request.method == "POST" and "reset_otp" in request.POST:
        two_factor.reset(staff)
        messages.success(request, _("Đã huỷ thiết bị xác thực; nhân viên sẽ đăng ký lại khi đăng nhập."))
        return redirect("accounts:staff-edit", pk=staff.pk)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu tài khoản %(username)s.") % {"username": staff.username})
        return redirect("accounts:staff-list")
    return render(request, "accounts/staff_form.html",
                  {"form": form, "creating": False, "staff": staff,
                   "has_device": two_factor.confirmed_device(staff) is not None},
                  status=400 if form.errors else 200)
