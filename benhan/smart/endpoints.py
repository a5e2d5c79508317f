"""The OAuth2 endpoints at /oauth2/: patient apps are answered here, system clients by django-oauth-toolkit.

One token endpoint for both (the SMART configuration names one): the client's registered grant type
decides who answers.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider import views as oauth_views
from oauth2_provider.models import get_application_model

from . import server, signing

_toolkit_token = oauth_views.TokenView.as_view()
_toolkit_revoke = oauth_views.RevokeTokenView.as_view()
_toolkit_introspect = oauth_views.IntrospectTokenView.as_view()


def _json(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(payload), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(exc: server.OAuthError) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Basic realm="benhan"'} if exc.status == 401 else None
    return _json({"error": exc.error, "error_description": exc.description}, exc.status, headers)


def _credentials(request: HttpRequest) -> tuple[str, str]:
    """client_id and secret from HTTP Basic (form-encoded, RFC 6749 §2.3.1) or from the form."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _patient_app(request: HttpRequest) -> bool:
    client_id, _secret = _credentials(request)
    return bool(client_id) and get_application_model().objects.filter(
        client_id=client_id, authorization_grant_type=get_application_model().GRANT_AUTHORIZATION_CODE).exists()


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    if not _patient_app(request):
        return _toolkit_token(request)
    form = request.POST
    try:
        application = server.authenticate_client(*_credentials(request))
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            payload = server.exchange_code(application, form.get("code", ""), form.get("redirect_uri", ""),
                                           form.get("code_verifier", ""), settings.FHIR_BASE_URL)
        elif grant_type == "refresh_token":
            payload = server.refresh(application, form.get("refresh_token", ""), form.get("scope", ""),
                                     settings.FHIR_BASE_URL)
        else:
            raise server.OAuthError("unsupported_grant_type", "use authorization_code or refresh_token")
    except server.OAuthError as exc:
        return _error(exc)
    return _json(payload)


@csrf_exempt
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    if not _patient_app(request):
        return _toolkit_revoke(request)
    try:
        application = server.authenticate_client(*_credentials(request))
    except server.OAuthError as exc:
        return _error(exc)
    server.revoke_token(application, request.POST.get("token", ""))
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def introspect(request: HttpRequest) -> HttpResponse:
    if not _patient_app(request):
        return _toolkit_introspect(request)
    try:
        application = server.authenticate_client(*_credentials(request))
    except server.OAuthError as exc:
        return _error(exc)
    return _json(server.introspect(application, request.POST.get("token", "")))


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    response = _json(signing.jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response
