"""SMART App Launch for patients, standalone launch: the authorize request, the patient's consent,
the code exchange (PKCE S256), refresh and revocation. Plain functions; the views only translate HTTP.

A code is single use: a second exchange is refused and kills the tokens the first one made
(RFC 6749 §4.1.2). A refresh token is rotated on use; presenting a rotated one again means it leaked,
so the whole authorization is revoked (OAuth 2.0 Security BCP §4.14).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_application_model

from benhan.accounts.clients import PATIENT_APP_WORDS
from benhan.accounts.scopes import normalise_scopes, scopes_allowed
from benhan.portal.access import ALL_RECORDS, Opened, is_minor
from benhan.portal.models import Account, Profile

from . import signing
from .models import Authorization, AuthorizationCode, Token

CODE_SECONDS = 60
CONSENT_DAYS = (1, 30, 90, 365)
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256 digest, unpadded
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def access_seconds() -> int:
    return int(settings.OAUTH2_PROVIDER.get("ACCESS_TOKEN_EXPIRE_SECONDS", 3600))  # type: ignore[call-overload]


class OAuthError(Exception):
    """An error the endpoint reports as `{"error": ..., "error_description": ...}` (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class AuthorizeError(OAuthError):
    """An authorize-step error. With `redirect_uri` set it goes back to the app; without (unknown
    client or unregistered redirect URI) it is shown to the patient and never redirected."""

    def __init__(self, error: str, description: str, redirect_uri: str = "", state: str = "") -> None:
        super().__init__(error, description)
        self.redirect_uri, self.state = redirect_uri, state

    def redirect_url(self) -> str:
        return with_query(self.redirect_uri, error=self.error, error_description=self.description, state=self.state)


def with_query(uri: str, **params: str) -> str:
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v})
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_patient_app(application: Any) -> bool:
    return bool(application.authorization_grant_type == get_application_model().GRANT_AUTHORIZATION_CODE)


@dataclass(frozen=True)
class AuthorizeRequest:
    application: Any
    redirect_uri: str
    state: str
    scopes: tuple[str, ...]
    code_challenge: str
    nonce: str

    @property
    def offline(self) -> bool:
        return "offline_access" in self.scopes

    @property
    def resource_scopes(self) -> tuple[str, ...]:
        return tuple(s for s in self.scopes if s.startswith("patient/"))


def parse_authorize(params: Mapping[str, str], fhir_base: str) -> AuthorizeRequest:
    """Check an authorize request. The client and its redirect URI first: until both are known, an
    error must not be sent anywhere (an open redirector otherwise)."""
    application = get_application_model().objects.filter(client_id=params.get("client_id", "")).first()
    if application is None or not is_patient_app(application):
        raise AuthorizeError("invalid_client", "unknown client_id")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in application.redirect_uris.split():
        raise AuthorizeError("invalid_request", "redirect_uri is not registered for this client (exact match)")
    state = params.get("state", "")

    def fail(error: str, description: str) -> AuthorizeError:
        return AuthorizeError(error, description, redirect_uri, state)

    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "only response_type=code is supported")
    if params.get("code_challenge_method") != "S256" or not _CHALLENGE.match(params.get("code_challenge", "")):
        raise fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
    aud = params.get("aud", "")
    if aud and aud.rstrip("/") != fhir_base.rstrip("/"):
        raise fail("invalid_request", f"aud must be this FHIR server: {fhir_base}")
    try:
        scopes = tuple(normalise_scopes(params.get("scope", "")))
    except ValueError as exc:
        raise fail("invalid_scope", str(exc)) from exc
    profile = getattr(application, "benhan_profile", None)
    if not scopes or profile is None or not scopes_allowed(profile.allowed_scopes.split(), list(scopes)):
        raise fail("invalid_scope", "the scope asks for more than this app is registered for")
    if any(s not in PATIENT_APP_WORDS and not s.startswith("patient/") for s in scopes):
        raise fail("invalid_scope", "only patient scopes can be granted here")
    if not any(s.startswith("patient/") for s in scopes):
        raise fail("invalid_scope", "ask for at least one patient/ resource scope")
    return AuthorizeRequest(application, redirect_uri, state, scopes, params["code_challenge"], params.get("nonce", "")[:255])


def launch_patient(opened: Opened) -> str:
    """The `patient` of the launch: the profile's first linked record (its other records, at other
    facilities, are the same person and are readable with the token too)."""
    first = opened.profile.records.order_by("linked", "pk").values_list("patient_id", flat=True).first()
    if first is None:
        raise OAuthError("access_denied", "this profile holds no record yet")
    return str(first)


def approve(account: Account, opened: Opened, request: AuthorizeRequest, days: int) -> str:
    """The patient said yes: record the consent, return the redirect carrying a fresh code."""
    if not opened.can_manage:
        raise OAuthError("access_denied", "a shared profile cannot be given to an app")  # grantees cannot re-share
    if days not in CONSENT_DAYS:
        raise OAuthError("invalid_request", "choose how long the app may read")
    now = timezone.now()
    code = secrets.token_urlsafe(32)
    with transaction.atomic():
        # A new consent for the same app and person replaces the old one (one row per app in the list).
        Authorization.objects.filter(account=account, profile=opened.profile, application=request.application,
                                     revoked__isnull=True).update(revoked=now)
        authorization = Authorization.objects.create(
            account=account, profile=opened.profile, application=request.application, scope=" ".join(request.scopes),
            patient_id=launch_patient(opened), expires=now + timedelta(days=days),
        )
        AuthorizationCode.objects.create(
            code_hash=checksum(code), authorization=authorization, redirect_uri=request.redirect_uri,
            scope=authorization.scope, code_challenge=request.code_challenge, nonce=request.nonce,
            expires=now + timedelta(seconds=CODE_SECONDS),
        )
    return with_query(request.redirect_uri, code=code, state=request.state)


def deny(request: AuthorizeRequest) -> str:
    return AuthorizeError("access_denied", "the patient declined", request.redirect_uri, request.state).redirect_url()


# --- token endpoint --------------------------------------------------------------------------------
def authenticate_client(client_id: str, secret: str) -> Any:
    """The patient app calling the token endpoint: a public app names itself, a confidential one proves it."""
    application = get_application_model().objects.filter(client_id=client_id).select_related("benhan_profile").first()
    if application is None or not is_patient_app(application):
        raise OAuthError("invalid_client", "unknown client", 401)
    if application.client_type == application.CLIENT_CONFIDENTIAL:
        stored = application.client_secret
        ok = check_password(secret, stored) if application.hash_client_secret else hmac.compare_digest(secret, stored)
        if not secret or not ok:
            raise OAuthError("invalid_client", "client authentication failed", 401)
    return application


def _pkce_matches(verifier: str, challenge: str) -> bool:
    if not _VERIFIER.match(verifier):
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(digest, challenge)


def live_profile(authorization: Authorization, now: datetime) -> Opened | None:
    """The profile as the consenting phone may still open it, or None (revoked, expired, child grown up)."""
    if authorization.revoked is not None or authorization.expires <= now:
        return None
    # Only the holder's own and children's profiles are ever consented (approve), so the rules of
    # access.opened_profiles reduce to these two; checked here in one query instead of listing them all.
    profile = authorization.profile
    if profile.account_id != authorization.account_id:
        return None
    if profile.relation == Profile.Relation.CHILD and not is_minor(profile, timezone.localdate()):
        return None  # at 16 the child's record is the child's own
    ids = frozenset(profile.records.values_list("patient_id", flat=True))
    return Opened(profile, ids, ALL_RECORDS, "own" if profile.relation == Profile.Relation.SELF else "child")


def _new_token(authorization: Authorization, kind: str, scope: str, expires: datetime,
               code: AuthorizationCode | None = None) -> str:
    value = secrets.token_urlsafe(32)
    Token.objects.create(checksum=checksum(value), kind=kind, authorization=authorization, code=code, scope=scope,
                         expires=expires)
    return value


def _id_token(authorization: Authorization, application: Any, fhir_base: str, nonce: str, now: datetime) -> str:
    claims: dict[str, Any] = {
        "iss": fhir_base.rsplit("/fhir", 1)[0], "sub": f"account-{authorization.account_id}",
        "aud": application.client_id, "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + access_seconds(),
        "fhirUser": f"{fhir_base}/Patient/{authorization.patient_id}",
        "name": authorization.profile.display_name,
    }
    if nonce:
        claims["nonce"] = nonce
    return signing.sign(claims)


def _issue(authorization: Authorization, scopes: list[str], fhir_base: str, *, code: AuthorizationCode | None = None,
           nonce: str = "") -> dict[str, Any]:
    now = timezone.now()
    expires = min(now + timedelta(seconds=access_seconds()), authorization.expires)
    scope = " ".join(scopes)
    response: dict[str, Any] = {
        "access_token": _new_token(authorization, Token.Kind.ACCESS, scope, expires, code),
        "token_type": "Bearer",
        "expires_in": max(1, int((expires - now).total_seconds())),
        "scope": scope,
        "patient": authorization.patient_id,
        "need_patient_banner": True,
    }
    if "offline_access" in scopes or "online_access" in scopes:
        response["refresh_token"] = _new_token(authorization, Token.Kind.REFRESH, scope, authorization.expires, code)
    if "openid" in scopes and "fhirUser" in scopes:
        response["id_token"] = _id_token(authorization, authorization.application, fhir_base, nonce, now)
    return response


def exchange_code(application: Any, code: str, redirect_uri: str, verifier: str, fhir_base: str) -> dict[str, Any]:
    now = timezone.now()
    with transaction.atomic():
        grant = (AuthorizationCode.objects.select_for_update().select_related("authorization")
                 .filter(code_hash=checksum(code), authorization__application=application).first())
        if grant is None:
            raise OAuthError("invalid_grant", "unknown authorization code")
        replayed = grant.used is not None
        if replayed:
            # Whoever used it first may be an attacker; the tokens it gave die now (committed, then refused).
            Token.objects.filter(code=grant, revoked__isnull=True).update(revoked=now)
        else:
            grant.used = now
            grant.save(update_fields=["used"])
    if replayed:
        raise OAuthError("invalid_grant", "the authorization code was already used")
    # The code is spent from here on, whatever the outcome below (a failed exchange cannot be retried).
    if grant.expires <= now:
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if redirect_uri != grant.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorize request")
    if not _pkce_matches(verifier, grant.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    authorization = grant.authorization
    if live_profile(authorization, now) is None:
        raise OAuthError("invalid_grant", "the patient's authorization is no longer valid")
    with transaction.atomic():
        return _issue(authorization, grant.scope.split(), fhir_base, code=grant, nonce=grant.nonce)


def refresh(application: Any, refresh_token: str, scope: str, fhir_base: str) -> dict[str, Any]:
    now = timezone.now()
    token = (Token.objects.select_related("authorization")
             .filter(checksum=checksum(refresh_token), kind=Token.Kind.REFRESH, authorization__application=application)
             .first())
    if token is None:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if token.revoked is not None:
        if token.authorization.revoked is None:  # a rotated token came back: it leaked
            revoke_authorization(token.authorization, now)
        raise OAuthError("invalid_grant", "the refresh token was revoked")
    with transaction.atomic():
        # Locked and re-read: two refreshes racing with one token give one new pair, not two.
        token = Token.objects.select_for_update().select_related("authorization").get(pk=token.pk)
        authorization = token.authorization
        if token.revoked is not None:
            raise OAuthError("invalid_grant", "the refresh token was revoked")
        if token.expires <= now or live_profile(authorization, now) is None:
            raise OAuthError("invalid_grant", "the patient's authorization is no longer valid")
        held = token.scope.split()
        try:
            wanted = normalise_scopes(scope) if scope.strip() else held
        except ValueError as exc:
            raise OAuthError("invalid_scope", str(exc)) from exc
        if not set(wanted) <= set(held):
            raise OAuthError("invalid_scope", "a refresh may only keep or narrow the granted scope")
        token.revoked = now
        token.save(update_fields=["revoked"])
        return _issue(authorization, wanted, fhir_base)


def revoke_token(application: Any, value: str) -> None:
    """RFC 7009: revoking a refresh token ends its authorization (all its tokens); an access token, itself."""
    token = Token.objects.filter(checksum=checksum(value), authorization__application=application).select_related(
        "authorization").first()
    if token is None:
        return  # unknown tokens are not an error (RFC 7009 §2.2)
    now = timezone.now()
    if token.kind == Token.Kind.REFRESH:
        revoke_authorization(token.authorization, now)
    else:
        Token.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=now)


def introspect(application: Any, value: str) -> dict[str, Any]:
    now = timezone.now()
    token = Token.objects.filter(checksum=checksum(value), authorization__application=application).select_related(
        "authorization", "authorization__account", "authorization__application").first()
    if token is None or token.revoked is not None or token.expires <= now or live_profile(token.authorization, now) is None:
        return {"active": False}
    return {"active": True, "scope": token.scope, "client_id": application.client_id,
            "patient": token.authorization.patient_id, "exp": int(token.expires.timestamp()),
            "token_type": "Bearer" if token.kind == Token.Kind.ACCESS else "refresh_token"}


# --- the patient's side ---------------------------------------------------------------------------
def revoke_authorization(authorization: Authorization, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        Authorization.objects.filter(pk=authorization.pk, revoked__isnull=True).update(revoked=now)
        Token.objects.filter(authorization=authorization, revoked__isnull=True).update(revoked=now)


def authorized_apps(account: Account) -> list[Authorization]:
    return list(Authorization.objects.filter(account=account, revoked__isnull=True, expires__gt=timezone.now())
                .select_related("application", "profile").order_by("-created"))


def revoke_for_account(account: Account, authorization_id: int) -> bool:
    """The patient's button: only their own authorizations (another id is simply not found)."""
    authorization = Authorization.objects.filter(pk=authorization_id, account=account).first()
    if authorization is None:
        return False
    revoke_authorization(authorization)
    return True
