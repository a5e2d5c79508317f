"""A hospital's mini app, as a third party would write it: authlib's OAuth2Session with PKCE against a
live benhan server. It discovers the server, sends the patient to authorize (who logs in with the
code texted to the phone and consents), exchanges the code, reads, refreshes, is refused another
patient, and revokes. The patient's side is driven over HTTP like a browser would (forms, cookies, CSRF)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from benhan.accounts.clients import create_patient_app
from tests.portal.helpers import linked_account
from tests.portal.sms_standin import Gateway

from .conftest import PHONE, REDIRECT, World

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_world(world: World, live_server: Any, settings: Any) -> Iterator[World]:
    from tests.conftest import clear_audit_trail

    settings.FHIR_BASE_URL = f"{live_server.url}/fhir"
    yield world
    clear_audit_trail()


def _hidden(html: str) -> dict[str, str]:
    found = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert "csrfmiddlewaretoken" in found, html[:500]
    return found


def _submit(browser: requests.Session, page: requests.Response, data: dict[str, str]) -> requests.Response:
    """Post the page's form (its hidden fields and these) back to its own address, as a browser would."""
    return browser.post(page.url, data={**_hidden(page.text), **data}, allow_redirects=False)


def test_a_third_party_app_authorizes_with_pkce_reads_refreshes_is_refused_another_patient_and_revokes(
        live_world: World, live_server: Any, sms: Gateway) -> None:
    world = live_world
    world.lab_report(world.binh_regional, glucose="8,2")
    _account, opened = linked_account(PHONE, world.binh_regional, world.binh_provincial)
    app = create_patient_app("Mini app Bệnh viện tỉnh", "patient/*.rs launch/patient openid fhirUser offline_access",
                             [REDIRECT], confidential=False)
    fhir = f"{live_server.url}/fhir"

    # 1. Discovery.
    config = requests.get(f"{fhir}/.well-known/smart-configuration", timeout=10).json()
    assert "S256" in config["code_challenge_methods_supported"]

    # 2. The app builds the authorize URL (PKCE S256) and sends the patient's browser there.
    session = OAuth2Session(app.client_id, scope="launch/patient openid fhirUser offline_access patient/*.rs",
                            redirect_uri=REDIRECT, code_challenge_method="S256",
                            token_endpoint_auth_method="none")
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(config["authorization_endpoint"], code_verifier=verifier,
                                                  aud=fhir, nonce=nonce)
    assert "code_challenge=" in url and "code_challenge_method=S256" in url

    browser = requests.Session()
    to_login = browser.get(url, allow_redirects=False)
    assert to_login.status_code == 302
    login_page = browser.get(urljoin(live_server.url, to_login.headers["Location"]))
    code_page_at = _submit(browser, login_page, {"phone": PHONE}).headers["Location"]
    code_page = browser.get(urljoin(live_server.url, code_page_at))
    back = _submit(browser, code_page, {"code": sms.last_code(PHONE)})
    consent = browser.get(urljoin(live_server.url, back.headers["Location"]))
    assert "Mini app Bệnh viện tỉnh" in consent.text and "đến" in consent.text
    to_app = _submit(browser, consent, {"decision": "allow", "profile": str(opened.profile.pk), "days": "90"})
    callback = to_app.headers["Location"]
    assert callback.startswith(REDIRECT)

    # 3. The app exchanges the code (authlib checks the state) and gets the launch context.
    token = session.fetch_token(config["token_endpoint"], authorization_response=callback, state=state,
                                code_verifier=verifier)
    assert token["patient"] == world.binh_regional and token["refresh_token"]
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=10).json())
    id_claims = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims
    assert id_claims["nonce"] == nonce and id_claims["fhirUser"].endswith(f"/Patient/{world.binh_regional}")

    # 4. It reads the patient and the patient's observations.
    patient = session.get(f"{fhir}/Patient/{token['patient']}", timeout=10)
    assert patient.status_code == 200 and patient.json()["name"][0]["text"] == "Nguyễn Văn Bình"
    observations = session.get(f"{fhir}/Observation", params={"patient": token["patient"]}, timeout=10).json()
    codes = {e["resource"]["code"]["coding"][0]["code"] for e in observations["entry"]}
    assert {"GLU", "CRE"} <= codes

    # 5. Refresh: a new pair, the old refresh token spent.
    old_refresh = token["refresh_token"]
    fresh = session.refresh_token(config["token_endpoint"], refresh_token=old_refresh)
    assert fresh["access_token"] != token["access_token"] and fresh["refresh_token"] != old_refresh
    assert session.get(f"{fhir}/Patient/{fresh['patient']}", timeout=10).status_code == 200

    # 6. Another patient is refused, by id and by search.
    assert session.get(f"{fhir}/Patient/{world.cuc}", timeout=10).status_code == 403
    others = session.get(f"{fhir}/Observation", params={"patient": world.cuc}, timeout=10).json()
    assert not others.get("entry")

    # 7. The app revokes; nothing works any more.
    assert session.revoke_token(config["revocation_endpoint"], fresh["refresh_token"],
                                token_type_hint="refresh_token").status_code == 200
    assert session.get(f"{fhir}/Patient/{world.binh_regional}", timeout=10).status_code == 401
