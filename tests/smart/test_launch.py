"""SMART standalone patient launch through the app: consent, code exchange, what the token reaches."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet

from benhan.accounts.clients import NewClient
from benhan.smart.models import Authorization, Token

from .conftest import REDIRECT, Patient, World, api, authorize_url, consent_id, exchange, launch, pkce, query

pytestmark = pytest.mark.django_db


def tokens_for(binh: Patient, app: NewClient, *, days: int = 30, **extra: str) -> dict[str, Any]:
    launched = launch(binh.browser, app.client_id, binh.profile_id, days=days, **extra)
    response = exchange(app.client_id, launched.code, launched.verifier)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return dict(response.json())


def test_smart_configuration_and_the_capability_statement_name_the_patient_launch_endpoints() -> None:
    config = Client().get("/fhir/.well-known/smart-configuration").json()
    server = settings.FHIR_BASE_URL.rsplit("/fhir", 1)[0]
    assert config["authorization_endpoint"] == f"{server}/app/uy-quyen/"
    assert config["token_endpoint"] == f"{server}/oauth2/token"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert {"launch-standalone", "context-standalone-patient", "permission-offline", "client-public",
            "permission-v2"} <= set(config["capabilities"])
    assert {"patient/*.rs", "launch/patient", "offline_access"} <= set(config["scopes_supported"])
    security = Client().get("/fhir/metadata").json()["rest"][0]["security"]
    uris = {e["url"]: e["valueUri"] for e in security["extension"][0]["extension"]}
    assert uris["authorize"] == config["authorization_endpoint"] and uris["revoke"] == config["revocation_endpoint"]


def test_the_consent_screen_says_in_vietnamese_which_app_which_data_and_for_how_long(
        binh: Patient, mini_app: NewClient) -> None:
    response = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1]))
    page = response.content.decode()
    # The form's answer is a redirect to the app: the page's CSP lets a form end there, and nowhere else.
    assert "form-action 'self' https://miniapp.example.vn" in response["Content-Security-Policy"]
    assert "Ứng dụng «Sổ khám Thủ Đức» xin đọc hồ sơ sức khoẻ" in page
    assert "Toàn bộ hồ sơ sức khoẻ" in page and "chỉ xem" in page
    assert "30 ngày (đến" in page and "1 năm" in page
    assert "miniapp.example.vn" in page and "Nguyễn Văn Bình" in page


def test_the_token_carries_the_patient_and_an_id_token_signed_with_the_published_key(
        binh: Patient, mini_app: NewClient, world: World) -> None:
    body = tokens_for(binh, mini_app, nonce="n-42")
    assert body["patient"] == world.binh_regional and body["token_type"] == "Bearer"
    assert body["refresh_token"] and body["scope"].split()[-1] == "patient/*.rs"
    keys = KeySet.import_key_set(Client().get("/oauth2/jwks").json())
    claims = jwt.decode(body["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["aud"] == mini_app.client_id and claims["nonce"] == "n-42"
    assert claims["fhirUser"] == f"{settings.FHIR_BASE_URL}/Patient/{world.binh_regional}"


def test_the_token_reads_the_patients_records_at_every_facility_and_nobody_elses(
        binh: Patient, mini_app: NewClient, world: World) -> None:
    report = world.lab_report(world.binh_regional)
    other = world.lab_report(world.cuc)
    reader = api(tokens_for(binh, mini_app)["access_token"])
    assert reader.get(f"/fhir/Patient/{world.binh_regional}").status_code == 200
    assert reader.get(f"/fhir/Patient/{world.binh_provincial}").status_code == 200  # same person, other facility
    assert reader.get(f"/fhir/DiagnosticReport/{report}").status_code == 200
    assert reader.get(f"/fhir/Patient/{world.cuc}").status_code == 403
    assert reader.get(f"/fhir/DiagnosticReport/{other}").status_code == 403
    observations = reader.get("/fhir/Observation").json()
    subjects = {e["resource"]["subject"]["reference"] for e in observations.get("entry", [])}
    assert subjects == {f"Patient/{world.binh_regional}"}
    foreign = reader.get(f"/fhir/Observation?patient={world.cuc}").json()
    assert not foreign.get("entry")


def test_a_read_scope_never_writes(binh: Patient, mini_app: NewClient, world: World) -> None:
    writer = api(tokens_for(binh, mini_app)["access_token"])
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "cân nặng"},
           "subject": {"reference": f"Patient/{world.binh_regional}"}}
    assert writer.post("/fhir/Observation", obs, content_type="application/fhir+json").status_code == 403


def test_the_patients_signed_paper_and_its_pdf_are_readable_but_not_another_patients(
        binh: Patient, mini_app: NewClient, world: World) -> None:
    from benhan.fhir.access import Actor
    from benhan.fhir.repository import Repository

    system = Repository(Actor.system("test"), "79001")

    def paper(patient_id: str) -> tuple[str, str]:
        binary = system.create({"resourceType": "Binary", "contentType": "application/pdf", "data": "JVBERi0=",
                                "securityContext": {"reference": f"Patient/{patient_id}"}})
        doc = system.create({"resourceType": "DocumentReference", "status": "current",
                             "subject": {"reference": f"Patient/{patient_id}"},
                             "content": [{"attachment": {"url": f"Binary/{binary.id}"}}]})
        return doc.id, binary.id

    own_doc, own_pdf = paper(world.binh_regional)
    other_doc, other_pdf = paper(world.cuc)
    reader = api(tokens_for(binh, mini_app)["access_token"])
    assert reader.get(f"/fhir/DocumentReference/{own_doc}").status_code == 200
    assert reader.get(f"/fhir/Binary/{own_pdf}").status_code == 200
    assert reader.get(f"/fhir/DocumentReference/{other_doc}").status_code == 403
    assert reader.get(f"/fhir/Binary/{other_pdf}").status_code == 403


def test_a_resource_scope_limits_the_token_to_that_type(binh: Patient, mini_app: NewClient, world: World) -> None:
    report = world.lab_report(world.binh_regional)
    body = tokens_for(binh, mini_app, scope="launch/patient patient/Observation.rs")
    assert "refresh_token" not in body  # no offline_access asked
    reader = api(body["access_token"])
    assert reader.get("/fhir/Observation").status_code == 200
    assert reader.get(f"/fhir/DiagnosticReport/{report}").status_code == 403


def test_refresh_rotates_and_a_rotated_refresh_token_presented_again_revokes_everything(
        binh: Patient, mini_app: NewClient, world: World) -> None:
    first = tokens_for(binh, mini_app)
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": mini_app.client_id}
    second = Client().post("/oauth2/token", refresh).json()
    assert second["patient"] == world.binh_regional and second["refresh_token"] != first["refresh_token"]
    assert api(second["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 200
    replay = Client().post("/oauth2/token", refresh)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert api(second["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 401
    assert Authorization.objects.get().revoked is not None


def test_a_refresh_may_narrow_the_scope_but_not_widen_it(binh: Patient, mini_app: NewClient) -> None:
    first = tokens_for(binh, mini_app, scope="launch/patient offline_access patient/Observation.rs")
    wider = Client().post("/oauth2/token", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
                                            "client_id": mini_app.client_id, "scope": "patient/*.rs"})
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


def test_the_patient_sees_the_app_in_the_app_and_revoking_it_kills_access_and_refresh_tokens_at_once(
        binh: Patient, mini_app: NewClient, world: World) -> None:
    body = tokens_for(binh, mini_app)
    listing = binh.browser.get("/app/ung-dung/").content.decode()
    assert "Sổ khám Thủ Đức" in listing and "Toàn bộ hồ sơ sức khoẻ" in listing
    authorization = Authorization.objects.get()
    assert binh.browser.post(f"/app/ung-dung/{authorization.pk}/thu-hoi/").status_code == 302
    assert api(body["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 401
    refused = Client().post("/oauth2/token", {"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                              "client_id": mini_app.client_id})
    assert refused.json()["error"] == "invalid_grant"
    assert "Sổ khám Thủ Đức" not in binh.browser.get("/app/ung-dung/").content.decode()
    assert set(Token.objects.values_list("revoked", flat=True)) != {None}


def test_the_app_revokes_its_own_refresh_token_and_the_grant_ends(binh: Patient, mini_app: NewClient,
                                                                  world: World) -> None:
    body = tokens_for(binh, mini_app)
    assert Client().post("/oauth2/revoke", {"token": body["refresh_token"], "client_id": mini_app.client_id}
                         ).status_code == 200
    assert api(body["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 401


def test_a_declined_consent_goes_back_to_the_app_as_access_denied(binh: Patient, mini_app: NewClient) -> None:
    page = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1]))
    back = binh.browser.post("/app/uy-quyen/", {"request": consent_id(page), "decision": "deny"})
    assert back.status_code == 302 and query(back["Location"]) == {
        "error": "access_denied", "error_description": "the patient declined", "state": "st-123"}
    assert not Authorization.objects.exists()


def test_an_app_sends_a_logged_out_patient_to_the_otp_login_and_back_to_the_consent_screen(
        binh: Patient, mini_app: NewClient, sms: Any) -> None:
    from tests.portal.conftest import PHONE

    phone = Client()
    url = authorize_url(mini_app.client_id, pkce()[1])
    assert phone.get(url)["Location"] == "/app/dang-nhap/"
    phone.post("/app/dang-nhap/", {"phone": PHONE})
    back = phone.post("/app/dang-nhap/ma/", {"code": sms.last_code(PHONE)})
    assert back["Location"] == url
    assert "xin đọc hồ sơ" in phone.get(back["Location"]).content.decode()


def test_the_profile_picker_offers_a_childs_record_and_the_token_is_for_the_child(
        binh: Patient, mini_app: NewClient, world: World) -> None:
    from tests.portal.helpers import linked_account

    from .conftest import PHONE

    _account, child = linked_account(PHONE, world.cuc, relation="child", name="Nguyễn Thị Bé", birth="2018-01-02")
    page = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1])).content.decode()
    assert "Nguyễn Văn Bình" in page and "Nguyễn Thị Bé" in page
    launched = launch(binh.browser, mini_app.client_id, child.profile.pk)
    body = exchange(mini_app.client_id, launched.code, launched.verifier).json()
    assert body["patient"] == world.cuc
    assert api(body["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 403


def test_the_client_command_registers_a_public_authorization_code_app() -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("oauth_client", "create", "--name", "Mini app BV tỉnh", "--grant", "authorization-code",
                 "--public", "--redirect-uri", REDIRECT, "--scope", "patient/*.rs launch/patient offline_access",
                 stdout=out)
    fields = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    assert "client_secret" not in fields and fields["type"] == "public" and fields["redirect_uris"] == REDIRECT
    with pytest.raises(Exception, match="patient scopes"):
        call_command("oauth_client", "create", "--name", "x", "--grant", "authorization-code",
                     "--redirect-uri", REDIRECT, "--scope", "system/*.read", stdout=io.StringIO())


def test_who_opened_my_record_names_the_app_that_read_it(binh: Patient, mini_app: NewClient, world: World) -> None:
    reader = api(tokens_for(binh, mini_app)["access_token"])
    assert reader.get(f"/fhir/Patient/{world.binh_regional}").status_code == 200
    page = binh.browser.get(f"/app/ho-so/{binh.profile_id}/ai-da-xem/").content.decode()
    assert "Sổ khám Thủ Đức" in page and "Ứng dụng được cấp quyền" in page


def test_a_write_scope_the_patient_consented_to_writes_into_their_own_record_only(binh: Patient, world: World) -> None:
    from benhan.accounts.clients import create_patient_app

    app = create_patient_app("Nhật ký đường huyết", "launch/patient patient/*.rs patient/Observation.c",
                             ["https://miniapp.example.vn/callback"], confidential=False)
    page = binh.browser.get(authorize_url(app.client_id, pkce()[1], scope="launch/patient patient/*.rs patient/Observation.c"))
    assert "ghi thêm" in page.content.decode()
    writer = api(tokens_for(binh, app, scope="launch/patient patient/*.rs patient/Observation.c")["access_token"])

    def glucose(patient_id: str) -> dict[str, Any]:
        return {"resourceType": "Observation", "status": "final", "code": {"text": "Đường huyết tự đo"},
                "subject": {"reference": f"Patient/{patient_id}"}, "valueQuantity": {"value": 6.1, "unit": "mmol/L"}}

    assert writer.post("/fhir/Observation", glucose(world.binh_regional), content_type="application/fhir+json"
                       ).status_code == 201
    assert writer.post("/fhir/Observation", glucose(world.cuc), content_type="application/fhir+json").status_code == 403
    assert writer.post("/fhir/Condition", {"resourceType": "Condition", "subject": {"reference": f"Patient/{world.binh_regional}"}},
                       content_type="application/fhir+json").status_code == 403
