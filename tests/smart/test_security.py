"""Attacks on the open patient API: codes, PKCE, redirect URIs, scopes, other patients, proxies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from benhan.accounts.clients import NewClient, create_client, create_patient_app
from benhan.portal import family
from benhan.portal.models import Account, Profile
from benhan.smart.models import Authorization, AuthorizationCode, Token
from tests.portal.helpers import linked_account, log_in

from .conftest import (
    OTHER_PHONE,
    PHONE,
    REDIRECT,
    Patient,
    World,
    api,
    authorize_url,
    consent_id,
    exchange,
    launch,
    pkce,
    query,
)

pytestmark = pytest.mark.django_db


# --- the code ----------------------------------------------------------------------------------------
def test_a_code_is_single_use_and_its_replay_kills_the_tokens_the_first_use_gave(
        binh: Patient, mini_app: NewClient, world: World) -> None:
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    first = exchange(mini_app.client_id, launched.code, launched.verifier).json()
    replay = exchange(mini_app.client_id, launched.code, launched.verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert api(first["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 401
    refresh = Client().post("/oauth2/token", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
                                              "client_id": mini_app.client_id})
    assert refresh.json()["error"] == "invalid_grant"


def test_a_wrong_pkce_verifier_is_refused_and_spends_the_code(binh: Patient, mini_app: NewClient) -> None:
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    wrong = exchange(mini_app.client_id, launched.code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json() == {
        "error": "invalid_grant", "error_description": "code_verifier does not match the code_challenge"}
    assert exchange(mini_app.client_id, launched.code, launched.verifier).status_code == 400
    assert not Token.objects.exists()


def test_a_missing_verifier_is_refused(binh: Patient, mini_app: NewClient) -> None:
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    assert exchange(mini_app.client_id, launched.code, "").json()["error"] == "invalid_grant"


@pytest.mark.parametrize("pkce_params", [
    {"code_challenge": None, "code_challenge_method": None},
    {"code_challenge_method": "plain"},
    {"code_challenge": "too-short"},
])
def test_an_authorize_request_without_s256_pkce_goes_back_as_invalid_request(
        binh: Patient, mini_app: NewClient, pkce_params: dict[str, str | None]) -> None:
    answer = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1], **pkce_params))  # type: ignore[arg-type]
    assert answer.status_code == 302 and query(answer["Location"])["error"] == "invalid_request"


def test_an_expired_code_is_refused(binh: Patient, mini_app: NewClient) -> None:
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    AuthorizationCode.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert exchange(mini_app.client_id, launched.code, launched.verifier).json()["error"] == "invalid_grant"


def test_a_code_issued_to_one_app_cannot_be_redeemed_by_another(binh: Patient, mini_app: NewClient) -> None:
    other = create_patient_app("Ứng dụng khác", "patient/*.read", [REDIRECT], confidential=False)
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    assert exchange(other.client_id, launched.code, launched.verifier).json()["error"] == "invalid_grant"


def test_a_confidential_app_must_prove_its_secret(binh: Patient) -> None:
    app = create_patient_app("App BV", "patient/*.read launch/patient", [REDIRECT], confidential=True)
    launched = launch(binh.browser, app.client_id, binh.profile_id, scope="launch/patient patient/*.read")
    form = {"grant_type": "authorization_code", "code": launched.code, "redirect_uri": REDIRECT,
            "code_verifier": launched.verifier, "client_id": app.client_id}
    assert Client().post("/oauth2/token", {**form, "client_secret": "guess"}).status_code == 401
    launched = launch(binh.browser, app.client_id, binh.profile_id, scope="launch/patient patient/*.read")
    form["code"], form["code_verifier"] = launched.code, launched.verifier
    assert Client().post("/oauth2/token", {**form, "client_secret": app.client_secret}).status_code == 200


# --- the redirect URI --------------------------------------------------------------------------------
@pytest.mark.parametrize("redirect", [
    REDIRECT + "/", REDIRECT + "?x=1", REDIRECT.replace("https", "http"), "https://evil.example/callback",
    REDIRECT.upper(), "",
])
def test_an_unregistered_redirect_uri_is_shown_an_error_and_never_redirected_to(
        binh: Patient, mini_app: NewClient, redirect: str) -> None:
    answer = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1], redirect_uri=redirect))
    assert answer.status_code == 400 and "Không thể cấp quyền cho ứng dụng" in answer.content.decode()


def test_the_token_request_must_repeat_the_exact_redirect_uri(binh: Patient, mini_app: NewClient) -> None:
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    other_registered = "https://miniapp.example.vn/other"
    answer = exchange(mini_app.client_id, launched.code, launched.verifier, redirect_uri=other_registered)
    assert answer.json() == {"error": "invalid_grant", "error_description": "redirect_uri does not match the authorize request"}


def test_an_unknown_client_is_shown_an_error_not_redirected(binh: Patient) -> None:
    answer = binh.browser.get(authorize_url("no-such-client", pkce()[1]))
    assert answer.status_code == 400


# --- scopes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", ["system/*.read", "user/*.read", "patient/*.write launch/patient",
                                   "patient/*.cruds", "launch/patient openid"])
def test_an_app_cannot_ask_for_more_than_read_access_to_the_patient(
        binh: Patient, mini_app: NewClient, scope: str) -> None:
    answer = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1], scope=scope))
    assert answer.status_code == 302 and query(answer["Location"])["error"] == "invalid_scope"


def test_a_system_client_cannot_use_the_patient_authorize_step(binh: Patient) -> None:
    system = create_client("his", "system/*.read", None)
    assert binh.browser.get(authorize_url(system.client_id, pkce()[1])).status_code == 400


def test_an_app_for_the_wrong_fhir_server_is_refused(binh: Patient, mini_app: NewClient) -> None:
    answer = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1], aud="https://other.example/fhir"))
    assert query(answer["Location"])["error"] == "invalid_request"


# --- other people ------------------------------------------------------------------------------------
def test_a_forged_profile_id_in_the_consent_form_is_refused(binh: Patient, mini_app: NewClient, world: World) -> None:
    _other, stranger = linked_account(OTHER_PHONE, world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    page = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1]))
    answer = binh.browser.post("/app/uy-quyen/", {"request": consent_id(page), "decision": "allow",
                                                  "profile": stranger.profile.pk, "days": 30})
    assert answer.status_code == 400 and not Authorization.objects.exists()


def test_a_family_member_cannot_give_a_shared_profile_to_an_app(world: World, mini_app: NewClient, sms: object) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    family.grant_access(owner, opened, OTHER_PHONE, "records", 30)
    daughter = Client()
    log_in(daughter, sms, OTHER_PHONE)  # type: ignore[arg-type]
    page = daughter.get(authorize_url(mini_app.client_id, pkce()[1]))
    assert "Nguyễn Văn Bình" not in page.content.decode()
    answer = daughter.post("/app/uy-quyen/", {"request": consent_id(page), "decision": "allow",
                                              "profile": opened.profile.pk, "days": 30})
    assert answer.status_code == 400 and not Authorization.objects.exists()


def test_a_patient_cannot_revoke_another_patients_app(binh: Patient, mini_app: NewClient, world: World,
                                                      sms: object) -> None:
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    body = exchange(mini_app.client_id, launched.code, launched.verifier).json()
    linked_account(OTHER_PHONE, world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    other = Client()
    log_in(other, sms, OTHER_PHONE)  # type: ignore[arg-type]
    assert other.post(f"/app/ung-dung/{Authorization.objects.get().pk}/thu-hoi/").status_code == 404
    assert api(body["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 200


def test_a_childs_token_dies_the_day_the_child_turns_sixteen(binh: Patient, mini_app: NewClient, world: World) -> None:
    _account, child = linked_account(PHONE, world.cuc, relation="child", name="Nguyễn Thị Bé", birth="2018-01-02")
    launched = launch(binh.browser, mini_app.client_id, child.profile.pk)
    body = exchange(mini_app.client_id, launched.code, launched.verifier).json()
    reader = api(body["access_token"])
    assert reader.get(f"/fhir/Patient/{world.cuc}").status_code == 200
    Profile.objects.filter(pk=child.profile.pk).update(birth_date=timezone.localdate().replace(year=2000))
    assert reader.get(f"/fhir/Patient/{world.cuc}").status_code == 401


def test_an_expired_authorization_ends_its_tokens(binh: Patient, mini_app: NewClient, world: World) -> None:
    launched = launch(binh.browser, mini_app.client_id, binh.profile_id, days=1)
    body = exchange(mini_app.client_id, launched.code, launched.verifier).json()
    assert body["expires_in"] <= 3600
    Authorization.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert api(body["access_token"]).get(f"/fhir/Patient/{world.binh_regional}").status_code == 401
    refresh = Client().post("/oauth2/token", {"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                              "client_id": mini_app.client_id})
    assert refresh.json()["error"] == "invalid_grant"


def test_an_unauthenticated_consent_post_gets_no_code(mini_app: NewClient, db: None) -> None:
    assert Account.objects.count() == 0
    answer = Client().post("/app/uy-quyen/", {"decision": "allow", "profile": 1, "days": 30})
    assert answer.status_code == 400 and not AuthorizationCode.objects.exists()


def test_the_refusal_of_another_patient_is_audited(binh: Patient, mini_app: NewClient, world: World) -> None:
    from benhan.fhir.models import AuditRow

    launched = launch(binh.browser, mini_app.client_id, binh.profile_id)
    body = exchange(mini_app.client_id, launched.code, launched.verifier).json()
    assert api(body["access_token"]).get(f"/fhir/Patient/{world.cuc}").status_code == 403
    row = AuditRow.objects.filter(actor_id__startswith="smart:", outcome="4").latest("pk")
    assert "Sổ khám Thủ Đức" in row.actor_display


def test_with_two_apps_consent_screens_open_a_yes_on_one_never_approves_the_other(
        binh: Patient, mini_app: NewClient) -> None:
    other = create_patient_app("Ứng dụng quảng cáo", "patient/*.read launch/patient", ["https://ads.example/cb"],
                               confidential=False)
    first = binh.browser.get(authorize_url(mini_app.client_id, pkce()[1]))
    binh.browser.get(authorize_url(other.client_id, pkce()[1], redirect_uri="https://ads.example/cb",
                                   scope="launch/patient patient/*.read"))
    back = binh.browser.post("/app/uy-quyen/", {"request": consent_id(first), "decision": "allow",
                                                "profile": binh.profile_id, "days": 30})
    assert back["Location"].startswith(REDIRECT)
    assert list(Authorization.objects.values_list("application__name", flat=True)) == ["Sổ khám Thủ Đức"]
    again = binh.browser.post("/app/uy-quyen/", {"request": consent_id(first), "decision": "allow",
                                                 "profile": binh.profile_id, "days": 30})
    assert again.status_code == 400  # one answer per request
