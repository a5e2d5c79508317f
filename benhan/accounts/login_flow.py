"""Two-step login: password (counted by django-axes), then a TOTP code when the user needs one.

The session is only authenticated after the last required step, so a half-logged-in session can
reach nothing; views need no extra "is verified" check.
"""

from __future__ import annotations

import time

from django.contrib.auth import authenticate, login, user_login_failed
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .models import User

PENDING_KEY = "benhan_pending_login"
PENDING_SECONDS = 5 * 60
BACKEND = "django.contrib.auth.backends.ModelBackend"


def check_password(request: HttpRequest, username: str, password: str) -> User | None:
    """Authenticate through the configured backends, so axes counts failures and enforces lockout."""
    user = authenticate(request, username=username, password=password)
    return user if isinstance(user, User) and user.is_active else None


def is_locked_out(request: HttpRequest) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def start_second_step(request: HttpRequest, user: User) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "at": time.time()}


def pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()


def complete(request: HttpRequest, user: User, device: TOTPDevice | None = None) -> None:
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=BACKEND)
    if device is not None:
        otp_login(request, device)


def record_failed_code(request: HttpRequest, user: User) -> None:
    """A wrong TOTP code counts as a failed login, so guessing codes also ends in lockout."""
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)


def code_locked_out(request: HttpRequest, user: User) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return bool(AxesProxyHandler.is_locked(request, credentials={"username": user.username}))


def needs_second_step(user: User) -> bool:
    return two_factor.requires_two_factor(user)


def safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return default
