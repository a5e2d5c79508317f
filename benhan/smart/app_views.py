"""Patient-app pages of the SMART launch (under /app/, where the patient's session cookie lives):
the authorize step with its consent screen, and the list of apps the patient authorized."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benhan.portal.access import Opened, opened_profiles
from benhan.portal.session import account_of, patient_required, with_portal_session

from . import consent, server

_PENDING = "smart_authorize"
_MAX_PENDING = 5  # consent screens open at once in one session
AFTER_LOGIN = "after_login"


def _choices(request: HttpRequest) -> list[Opened]:
    """Profiles the phone may give to an app: its own and its children's with a linked record (not shared ones)."""
    return [o for o in opened_profiles(account_of(request)) if o.can_manage and o.patient_ids]


def _error_page(request: HttpRequest, exc: server.OAuthError) -> HttpResponse:
    return render(request, "smart/authorize_error.html", {"error_code": exc.error, "description": exc.description},
                  status=400)


@require_http_methods(["GET", "POST"])
@with_portal_session
def authorize(request: HttpRequest) -> HttpResponse:
    # Each consent form names the request it answers: with two apps' screens open in two tabs, a
    # "yes" on one never approves the other.
    pending: dict[str, dict[str, Any]] = dict(request.portal.get(_PENDING) or {})  # type: ignore[attr-defined]
    request_id = request.POST.get("request", "")
    params: dict[str, Any] = request.GET.dict() if request.method == "GET" else pending.pop(request_id, {})
    try:
        auth_request = server.parse_authorize(params, settings.FHIR_BASE_URL)
    except server.AuthorizeError as exc:
        return HttpResponseRedirect(exc.redirect_url()) if exc.redirect_uri else _error_page(request, exc)
    if request.portal.account is None:  # type: ignore[attr-defined]
        # Log in with the phone and a code first, then come back to this very request.
        request.portal[AFTER_LOGIN] = request.get_full_path()  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse("portal:login"))
    if request.method == "GET":
        request_id = secrets.token_urlsafe(12)
        recent = list(pending.items())[-(_MAX_PENDING - 1):]
        request.portal[_PENDING] = {**dict(recent), request_id: params}  # type: ignore[attr-defined]
        target = urlsplit(auth_request.redirect_uri)
        page = render(request, "smart/consent.html", {
            "request_id": request_id, "app": auth_request.application, "lines": consent.data_lines(auth_request.resource_scopes),
            "offline": auth_request.offline, "profiles": _choices(request), "durations": consent.durations(),
            "redirect_host": target.netloc,
        })
        # Browsers apply form-action to the redirect that follows the post: this form may end at the app.
        page._csp_update = {"form-action": [f"{target.scheme}://{target.netloc}"]}  # type: ignore[attr-defined]
        return page
    request.portal[_PENDING] = pending  # type: ignore[attr-defined]  # this one answered, once
    if request.POST.get("decision") != "allow":
        return HttpResponseRedirect(server.deny(auth_request))
    chosen = next((o for o in _choices(request) if str(o.profile.pk) == request.POST.get("profile")), None)
    try:
        days = int(request.POST.get("days", ""))
        if chosen is None:
            raise server.OAuthError("access_denied", "choose whose record the app may read")
        return HttpResponseRedirect(server.approve(account_of(request), chosen, auth_request, days))
    except (ValueError, server.OAuthError) as exc:
        error = exc if isinstance(exc, server.OAuthError) else server.OAuthError("invalid_request", "bad duration")
        return _error_page(request, error)


@require_GET
@patient_required
def apps(request: HttpRequest) -> HttpResponse:
    rows = [(a, consent.data_lines(tuple(a.scope.split()))) for a in server.authorized_apps(account_of(request))]
    return render(request, "smart/apps.html", {"rows": rows})


@require_POST
@patient_required
def revoke(request: HttpRequest, authorization_id: int) -> HttpResponse:
    if not server.revoke_for_account(account_of(request), authorization_id):
        raise Http404
    return HttpResponseRedirect(reverse("portal:smart_apps"))
