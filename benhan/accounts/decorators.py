"""View guards for the clinician UI: logged in, and (optionally) holding one of the given roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import User

View = Callable[..., HttpResponse]


def has_role(user: Any, *roles: str) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or not roles or user.role in roles


def role_required(*roles: str) -> Callable[[View], View]:
    """`@role_required(User.Role.DOCTOR, User.Role.NURSE)`; with no roles: any logged-in staff member."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required()
admin_required = role_required(User.Role.FACILITY_ADMIN)
