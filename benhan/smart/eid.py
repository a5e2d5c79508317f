"""Patient-app login through a configured OpenID Connect provider (e.g. the national e-ID, VNeID).

Authorization code flow with PKCE and a nonce, authlib as the client. The ID token is checked here,
not trusted from the token response: signature against the provider's JWKS, `iss` equal to the
configured issuer, our client id in `aud` (and `azp` when there are several), `exp`/`iat`, and the
nonce this browser was given. The verified person then maps to an app account: an identity seen
before (issuer + subject) → its account; else the phone number claim → the account of that phone.
Without a phone claim the person logs in by SMS code once and the identity is joined to that account.

Off unless BENHAN_OIDC_ISSUER is set. Settings: BENHAN_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET,
_SCOPE (default "openid phone"), _NAME (the button's label), _CCCD_CLAIM (default "cccd"),
_PHONE_CLAIM (default "phone_number").
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from benhan.portal.models import Account
from benhan.portal.phones import normalise

from .models import ExternalIdentity

_TIMEOUT = 10.0
_CACHE_SECONDS = 3600
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class EidError(Exception):
    """Login through the provider failed; the message is for the log, the page says it in Vietnamese."""


@dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    scope: str
    name: str
    cccd_claim: str
    phone_claim: str


def config() -> Config | None:
    issuer = getattr(settings, "OIDC_ISSUER", "")
    if not issuer:
        return None
    return Config(issuer.rstrip("/"), settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET, settings.OIDC_SCOPE,
                  settings.OIDC_NAME, settings.OIDC_CCCD_CLAIM, settings.OIDC_PHONE_CLAIM)


def _get_json(url: str, *, fresh: bool = False) -> dict[str, Any]:
    cached = _cache.get(url)
    if cached and not fresh and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    try:
        response = httpx.get(url, timeout=_TIMEOUT)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise EidError(f"cannot read {url}: {exc}") from exc
    _cache[url] = (time.monotonic(), document)
    return document


def discovery(cfg: Config) -> dict[str, Any]:
    document = _get_json(f"{cfg.issuer}/.well-known/openid-configuration")
    if str(document.get("issuer", "")).rstrip("/") != cfg.issuer:
        raise EidError("the discovery document names another issuer")  # OIDC Discovery §4.3
    return document


@dataclass(frozen=True)
class Start:
    url: str
    state: str
    nonce: str
    code_verifier: str


def _client(cfg: Config, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(cfg.client_id, cfg.client_secret, scope=cfg.scope, redirect_uri=redirect_uri,
                         code_challenge_method="S256")


def start(cfg: Config, redirect_uri: str) -> Start:
    endpoint = discovery(cfg)["authorization_endpoint"]
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    with _client(cfg, redirect_uri) as client:
        url, _state = client.create_authorization_url(endpoint, state=state, nonce=nonce, code_verifier=verifier)
    return Start(url, state, nonce, verifier)


def _keys(document: dict[str, Any], *, fresh: bool = False) -> KeySet:
    return KeySet.import_key_set(_get_json(document["jwks_uri"], fresh=fresh))  # type: ignore[arg-type]


def verify_id_token(cfg: Config, document: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in algorithms if a != "none"]
    try:
        try:
            token = jwt.decode(id_token, _keys(document), algorithms=algorithms)
        except JoseError:
            token = jwt.decode(id_token, _keys(document, fresh=True), algorithms=algorithms)  # keys rotated
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": cfg.issuer},
            aud={"essential": True, "value": cfg.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise EidError(f"the ID token is not valid: {exc}") from exc
    claims = dict(token.claims)
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audience) > 1 and claims.get("azp") != cfg.client_id:
        raise EidError("the ID token is meant for several clients and not authorized for us (azp)")
    return claims


def finish(cfg: Config, redirect_uri: str, code: str, pending: Start) -> dict[str, Any]:
    """Exchange the code (with the PKCE verifier) and return the verified ID token claims."""
    document = discovery(cfg)
    try:
        with _client(cfg, redirect_uri) as client:
            token = client.fetch_token(document["token_endpoint"], code=code, code_verifier=pending.code_verifier,
                                       grant_type="authorization_code", timeout=_TIMEOUT)
    except Exception as exc:  # authlib's OAuthError or a requests error: either way, no login
        raise EidError(f"the token request failed: {exc}") from exc
    id_token = token.get("id_token")
    if not id_token:
        raise EidError("the provider returned no ID token")
    return verify_id_token(cfg, document, id_token, pending.nonce)


def account_for(cfg: Config, claims: dict[str, Any]) -> Account | None:
    """The app account of a verified person, or None when only an SMS login can tell which phone it is."""
    cccd = str(claims.get(cfg.cccd_claim, "") or "")[:12]
    with transaction.atomic():
        identity = ExternalIdentity.objects.select_for_update().select_related("account").filter(
            issuer=cfg.issuer, subject=str(claims["sub"])).first()
        if identity is None:
            phone = normalise(str(claims.get(cfg.phone_claim, "") or ""))
            if not phone or claims.get("phone_number_verified") is False:
                return None
            account, _created = Account.objects.get_or_create(phone=phone)
            identity = ExternalIdentity.objects.create(issuer=cfg.issuer, subject=str(claims["sub"]), account=account,
                                                       cccd=cccd)
        identity.last_login = timezone.now()
        identity.cccd = cccd or identity.cccd
        identity.save(update_fields=["last_login", "cccd"])
        return identity.account


def join(cfg: Config, account: Account, claims: dict[str, Any]) -> None:
    """After the SMS login that followed a provider login without a phone: remember who this is."""
    ExternalIdentity.objects.get_or_create(
        issuer=cfg.issuer, subject=str(claims["sub"]),
        defaults={"account": account, "cccd": str(claims.get(cfg.cccd_claim, "") or "")[:12]},
    )
