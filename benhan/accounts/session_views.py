"""Per-session choices of a logged-in staff member: which facility they are working for."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .actors import SESSION_FACILITY_KEY, facilities_of
from .decorators import staff_required
from .login_flow import safe_next
from .models import User


@staff_required
def password_changed(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("Đã đổi mật khẩu."))
    return redirect("core:home")


@require_POST
@staff_required
def switch_facility(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    code = request.POST.get("facility", "")
    allowed = facilities_of(request.user)
    if allowed is not None and code not in allowed:
        messages.error(request, _("Bạn không có quyền làm việc tại cơ sở này."))
    else:
        request.session[SESSION_FACILITY_KEY] = code
    return redirect(safe_next(request))
