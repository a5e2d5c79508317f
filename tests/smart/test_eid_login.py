"""App login through an OpenID Connect provider (e-ID), against a local stand-in provider with real
signed ID tokens: discovery, authorize with PKCE and nonce, token, JWKS, and every check on the ID token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from benhan.portal.models import Account
from benhan.smart.models import ExternalIdentity

from .oidc_standin import CLIENT_ID, CLIENT_SECRET, Provider, running

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    with running() as standin:
        settings.OIDC_ISSUER = standin.url
        settings.OIDC_CLIENT_ID = CLIENT_ID
        settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
        yield standin


def via_provider(browser: Client) -> Any:
    """Click the e-ID button, let the provider log the person in, come back with its answer."""
    start = browser.get("/app/dang-nhap/eid/")
    assert start.status_code == 302, start.content[:300]
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return browser.get(f"{back.path}?{back.query}")


def test_without_a_configured_provider_there_is_no_button_and_no_route(db: None) -> None:
    assert "Đăng nhập bằng" not in Client().get("/app/dang-nhap/").content.decode()
    assert Client().get("/app/dang-nhap/eid/").status_code == 404


def test_a_verified_person_with_a_phone_claim_logs_in_to_that_phones_account(provider: Provider) -> None:
    browser = Client()
    assert "Đăng nhập bằng VNeID" in browser.get("/app/dang-nhap/").content.decode()
    done = via_provider(browser)
    assert done.status_code == 302 and done["Location"] == "/app/"
    assert browser.get("/app/").status_code == 200
    identity = ExternalIdentity.objects.get()
    assert identity.account.phone == "0912345678" and identity.cccd == "079068012345"
    request = provider.token_requests[-1]
    assert request["grant_type"] == "authorization_code" and len(request["code_verifier"]) >= 43


def test_the_identity_is_remembered_by_issuer_and_subject_not_by_the_phone_claim(provider: Provider) -> None:
    via_provider(Client())
    provider.person["phone_number"] = "0987000111"
    via_provider(Client())
    assert Account.objects.count() == 1 and ExternalIdentity.objects.get().account.phone == "0912345678"


@pytest.mark.parametrize("spoil", ["nonce", "aud", "exp", "key", "iss"])
def test_an_id_token_failing_any_check_logs_nobody_in(provider: Provider, spoil: str) -> None:
    provider.spoil = spoil
    browser = Client()
    refused = via_provider(browser)
    assert refused.status_code == 400 and "Không đăng nhập được qua VNeID" in refused.content.decode()
    assert browser.get("/app/")["Location"] == "/app/dang-nhap/"
    assert not ExternalIdentity.objects.exists() and not Account.objects.exists()


def test_a_callback_with_another_browsers_state_is_refused(provider: Provider) -> None:
    victim, attacker = Client(), Client()
    start = attacker.get("/app/dang-nhap/eid/")
    answer = urlsplit(requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"])
    victim.get("/app/dang-nhap/eid/")  # the victim has a login of its own under way
    assert victim.get(f"{answer.path}?{answer.query}").status_code == 400
    assert not Account.objects.exists()


def test_without_a_phone_claim_one_sms_login_joins_the_identity_and_later_logins_go_straight_in(
        provider: Provider, sms: Any) -> None:
    del provider.person["phone_number"]
    browser = Client()
    asked = via_provider(browser)
    assert asked.status_code == 200 and "Nhập số điện thoại một lần" in asked.content.decode()
    browser.post("/app/dang-nhap/", {"phone": "0912345678"})
    joined = browser.post("/app/dang-nhap/ma/", {"code": sms.last_code("0912345678")})
    assert joined["Location"] == "/app/dang-nhap/eid/noi/"
    assert browser.get(joined["Location"])["Location"] == "/app/"
    assert ExternalIdentity.objects.get().account.phone == "0912345678"
    again = Client()
    assert via_provider(again)["Location"] == "/app/"
