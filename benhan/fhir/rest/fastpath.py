"""Middleware: a FHIR API call with a bearer token skips the browser middleware.

Sessions, CSRF, login, OTP, messages, the UI language, HTMX, CSP, axes and static files serve the
web UI; a token-authenticated API call uses none of them (the token is its only credential, so
there is no ambient cookie to protect with CSRF), yet they were a tenth of a read by id. It sits
right after SecurityMiddleware, which still sets its headers, and still checks the Host header
against ALLOWED_HOSTS as CommonMiddleware would. Calls without an Authorization header (a staff
session in a browser) take the full chain, CSRF included.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import resolve
from django.utils import translation

PREFIX = "/fhir"


class BearerApiFastPath:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if "HTTP_AUTHORIZATION" not in request.META or not (path == PREFIX or path.startswith(PREFIX + "/")):
            return self.get_response(request)
        request.get_host()  # DisallowedHost (a 400) for a Host not in ALLOWED_HOSTS
        # What the locale middleware would choose without a cookie, rather than whatever language an
        # earlier request left active in this thread.
        translation.activate(settings.LANGUAGE_CODE)
        match = resolve(path)  # Http404 becomes a 404 response, as in the full chain
        request.resolver_match = match
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        response.setdefault("X-Frame-Options", "DENY")
        return response
