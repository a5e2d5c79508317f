"""The page shown when django-axes locks an account after repeated failed logins (in Vietnamese)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_minutes() -> int:
    return round(float(getattr(settings, "AXES_COOLOFF_TIME", 0.5) or 0) * 60)


def lockout_message() -> str:
    return _("Tài khoản tạm bị khoá do đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút "
             "hoặc liên hệ quản trị cơ sở.") % {"minutes": lockout_minutes()}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    from .forms import LoginForm

    form = LoginForm(initial={"username": (credentials or {}).get("username", "")})
    return render(request, "accounts/login.html", {"form": form, "locked_message": lockout_message()}, status=429)
