"""Who is calling the FHIR API, and the Repository that acts for them.

Two ways in: an OAuth2 bearer token (django-oauth-toolkit; client-credentials clients get their
facilities from their ClientProfile), or a logged-in staff session (mapped by
benhan.accounts.actors.actor_for_user, with CSRF enforced on writes as for any session form).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .. import audit
from ..access import Actor, Scope, parse_scopes
from ..errors import FhirError, Issue
from ..repository import Repository
from . import token_cache

REALM = 'Bearer realm="benhan-fhir"'
FACILITY_HEADER = "X-Benhan-Facility"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _unauthorized(request: HttpRequest, diagnostics: str, error: str = "") -> FhirError:
    challenge = REALM + (f', error="{error}", error_description="{diagnostics}"' if error else "")
    audit.record(Actor("anonymous", "", "anonymous"), "authenticate", outcome="4", reason=diagnostics,
                 source_ip=client_ip(request), query=request.path[:200])
    return FhirError(401, [Issue("login", diagnostics)], headers={"WWW-Authenticate": challenge})


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _covers(held: Scope, wanted: Scope) -> bool:
    return (held.context == wanted.context and held.resource_type in ("*", wanted.resource_type)
            and (held.read or not wanted.read) and (held.write or not wanted.write))


@cache
def _token_sql() -> str:
    """One statement for token, client and profile: the ORM's query compilation cost more than the query."""
    from oauth2_provider.models import get_access_token_model, get_application_model

    from benhan.accounts.clients import ClientProfile

    tokens = get_access_token_model()._meta.db_table
    applications = get_application_model()._meta.db_table
    profiles = ClientProfile._meta.db_table
    return (
        f"SELECT t.expires, t.scope, t.user_id, a.client_id, a.name, p.facility_codes, p.all_facilities, a.id "
        f"FROM {tokens} t LEFT JOIN {applications} a ON a.id = t.application_id "
        f"LEFT JOIN {profiles} p ON p.application_id = a.id WHERE t.token_checksum = %s"
    )


def _token_actor(request: HttpRequest, token_text: str) -> Actor:
    checksum = hashlib.sha256(token_text.encode()).hexdigest()
    actor = token_cache.get(checksum)
    if actor is None:
        actor, expires = _resolve_token(request, checksum)
        if expires is not None:
            token_cache.put(checksum, actor, expires)
    return actor


def _resolve_token(request: HttpRequest, checksum: str) -> tuple[Actor, datetime | None]:
    """The actor a token stands for and when the token expires, from the database. An expiry of
    None keeps the actor out of the token memory: only tokens whose revocation empties the memory
    (token_cache.connect_signals) may be remembered."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [checksum])
        row = cursor.fetchone()
    if row is None:
        from benhan.smart.tokens import actor_for_access_token  # a token a patient gave an app

        if (patient_app := actor_for_access_token(checksum)) is not None:
            return patient_app, None  # not remembered: its revocation does not empty the token memory
        raise _unauthorized(request, "the access token is invalid or has expired", "invalid_token")
    expires, scope, user_id, client_id, name, facility_codes, all_facilities, application_id = row
    if isinstance(expires, str):  # SQLite hands back text for a raw query
        expires = parse_datetime(expires)
    if expires is not None and timezone.is_naive(expires):
        expires = timezone.make_aware(expires, UTC)
    if expires is None or expires <= timezone.now():
        raise _unauthorized(request, "the access token is invalid or has expired", "invalid_token")
    token_scopes = parse_scopes(str(scope).split())
    if user_id is not None:
        # A user's token never reaches further than the user's own role would.
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise _unauthorized(request, "the account is disabled", "invalid_token")
        staff = _staff_actor(user)
        granted = tuple(s for s in token_scopes if any(_covers(h, s) for h in staff.scopes))
        return replace(staff, scopes=granted), expires
    if application_id is None:
        raise _unauthorized(request, "the access token belongs to no client", "invalid_token")
    if facility_codes is None:  # a client without a benhan profile reaches no facility's records
        facilities: frozenset[str] | None = frozenset()
    else:
        facilities = None if all_facilities else frozenset(str(facility_codes).split())
    return Actor("client", str(client_id), str(name or client_id), token_scopes, facilities), expires


def _staff_actor(user: Any) -> Actor:
    from benhan.accounts.actors import actor_for_user

    return actor_for_user(user)


def _session_actor(request: HttpRequest) -> Actor | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if request.method not in _SAFE_METHODS:
        # A browser session carries ambient credentials: writes need the CSRF token like any form.
        rejection = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})  # type: ignore[arg-type]
        if rejection is not None:
            raise FhirError(403, [Issue("forbidden", "a session write to the FHIR API needs the CSRF token")])
    return _staff_actor(user)


def authenticate(request: HttpRequest) -> Actor:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized(request, "use an OAuth2 bearer token (Authorization: Bearer ...)", "invalid_request")
        return _token_actor(request, token.strip())
    actor = _session_actor(request)
    if actor is None:
        raise _unauthorized(request, "authentication is required: get a token at /oauth2/token")
    return actor


def facility_for(actor: Actor, request: HttpRequest) -> str:
    """The facility the request acts for: the header if the actor may act for it, else its own."""
    named = request.headers.get(FACILITY_HEADER, "").strip()
    if named:
        if actor.facilities is not None and named not in actor.facilities:
            raise FhirError(403, [Issue("forbidden", f"this caller may not act for facility {named}")])
        return named
    if actor.kind == "user" and "HTTP_AUTHORIZATION" not in request.META:
        # A staff session acts for the facility chosen in the UI, as every screen does.
        from benhan.accounts.actors import current_facility

        if chosen := current_facility(request):
            return chosen
    if actor.facilities is None:
        return settings.DEFAULT_FACILITY
    if len(actor.facilities) == 1:
        return next(iter(actor.facilities))
    return ""


def repository_for(request: HttpRequest, actor: Actor) -> Repository:
    return Repository(actor, facility_for(actor, request), source_ip=client_ip(request))
