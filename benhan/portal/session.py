"""The patient session: its own cookie and its own session record, apart from the staff session.

A patient logging in on a ward computer never touches the staff login (request.session and
request.user stay as they were), and the staff cookie never opens the patient app. The idle
timeout is enforced here from the last request's time, not only by the cookie's age.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from .models import Account

COOKIE = "benhan_app"
IDLE_SECONDS = int(getattr(settings, "PORTAL_IDLE_SECONDS", 15 * 60))
_ACCOUNT = "account_id"
_SEEN = "seen"


class PortalSession:
    def __init__(self, request: HttpRequest) -> None:
        self.store = SessionStore(session_key=request.COOKIES.get(COOKIE))
        self.account: Account | None = None
        seen = self.store.get(_SEEN)
        now = timezone.now().timestamp()
        if self.store.get(_ACCOUNT) and seen is not None and now - float(seen) <= IDLE_SECONDS:
            self.account = Account.objects.filter(pk=self.store[_ACCOUNT]).first()
        elif self.store.get(_ACCOUNT):
            self.store.flush()  # idle too long: the next page asks for a new code
        self.expired = False

    def get(self, key: str, default: Any = None) -> Any:
        return self.store.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.store[key] = value

    def pop(self, key: str, default: Any = None) -> Any:
        return self.store.pop(key, default)

    def log_in(self, account: Account) -> None:
        self.store.cycle_key()  # a new session id at login (no fixation)
        self.store[_ACCOUNT] = account.pk
        self.account = account
        account.last_login = timezone.now()
        account.save(update_fields=["last_login"])

    def log_out(self) -> None:
        self.store.flush()
        self.account = None
        self.expired = True

    def save(self, response: HttpResponse) -> None:
        if self.expired:
            response.delete_cookie(COOKIE, path="/app/")
            return
        if not self.store.keys() and self.store.session_key is None:
            return  # nothing to keep: no cookie for anonymous visitors who only read the login page
        self.store[_SEEN] = timezone.now().timestamp()
        self.store.set_expiry(IDLE_SECONDS)
        self.store.save()
        response.set_cookie(COOKIE, self.store.session_key or "", max_age=IDLE_SECONDS, path="/app/", httponly=True,
                            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


View = Callable[..., HttpResponse]


def with_portal_session(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.portal = PortalSession(request)  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        request.portal.save(response)  # type: ignore[attr-defined]
        response.setdefault("Cache-Control", "private, no-cache")
        return response
    return wrapper


def patient_required(view: View) -> View:
    @wraps(view)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.portal.account is None:  # type: ignore[attr-defined]
            return HttpResponseRedirect(reverse("portal:login"))
        return view(request, *args, **kwargs)
    return with_portal_session(inner)


def account_of(request: HttpRequest) -> Account:
    account = request.portal.account  # type: ignore[attr-defined]
    assert account is not None
    return account
