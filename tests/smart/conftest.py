from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from benhan.accounts.clients import NewClient, create_patient_app
from tests.portal.conftest import CCCD, OTHER_PHONE, PHONE, World, sms, world  # noqa: F401 (fixtures)
from tests.portal.helpers import linked_account, log_in
from tests.portal.sms_standin import Gateway

REDIRECT = "https://miniapp.example.vn/callback"
SCOPE = "launch/patient openid fhirUser offline_access patient/*.rs"


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    # Confidential clients' secrets are hashed like passwords; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mini_app(db: None) -> NewClient:
    return create_patient_app("Sổ khám Thủ Đức", "patient/*.read launch/patient openid fhirUser offline_access",
                              [REDIRECT, "https://miniapp.example.vn/other"], confidential=False)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client_id: str, challenge: str, **extra: str) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": SCOPE,
              "state": "st-123", "aud": settings.FHIR_BASE_URL, "code_challenge": challenge,
              "code_challenge_method": "S256", **extra}
    return "/app/uy-quyen/?" + urlencode({k: v for k, v in params.items() if v is not None})


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Launched:
    code: str
    verifier: str
    browser: Client


def consent_id(page: Any) -> str:
    """The id of the authorize request a consent page answers (its hidden field)."""
    found = re.search(r'name="request" value="([^"]+)"', page.content.decode())
    assert found, page.content[:400]
    return found.group(1)


def launch(browser: Client, client_id: str, profile_id: int, *, days: int = 30, **extra: str) -> Launched:
    """The patient (already logged in on `browser`) approves the app for one profile."""
    verifier, challenge = pkce()
    consent = browser.get(authorize_url(client_id, challenge, **extra))
    assert consent.status_code == 200, consent.content[:400]
    back = browser.post("/app/uy-quyen/", {"request": consent_id(consent), "decision": "allow", "profile": profile_id,
                                           "days": days})
    assert back.status_code == 302 and back["Location"].startswith(REDIRECT), back.content[:400]
    answer = query(back["Location"])
    assert answer["state"] == "st-123"
    return Launched(answer["code"], verifier, browser)


def exchange(client_id: str, code: str, verifier: str, redirect_uri: str = REDIRECT) -> Any:
    return Client().post("/oauth2/token", {"grant_type": "authorization_code", "code": code, "client_id": client_id,
                                           "redirect_uri": redirect_uri, "code_verifier": verifier})


def api(access_token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {access_token}"})


@dataclass
class Patient:
    browser: Client
    profile_id: int


@pytest.fixture
def binh(world: World, sms: Gateway) -> Patient:  # noqa: F811
    """Bình, logged in to the app on his phone, with both his records linked to his own profile."""
    _account, opened = linked_account(PHONE, world.binh_regional, world.binh_provincial)
    browser = Client()
    log_in(browser, sms, PHONE)
    return Patient(browser, opened.profile.pk)


__all__ = ["CCCD", "OTHER_PHONE", "PHONE", "World", "sms", "world"]
