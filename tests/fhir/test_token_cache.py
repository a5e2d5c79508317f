"""The per-process token memory: a token is resolved once, yet revocation, expiry and changed rights
still hold (at once in this process, within the age limit in any other)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from benhan.accounts.clients import ClientProfile
from benhan.fhir.access import Actor
from benhan.fhir.rest import token_cache

PATIENT = {"resourceType": "Patient", "gender": "female"}


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    token_cache.forget_all()


def _token_queries(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "oauth2_provider_accesstoken" in q["sql"]]


def _patient(client: Client) -> str:
    response = client.post("/fhir/Patient", orjson.dumps(PATIENT), content_type="application/fhir+json")
    assert response.status_code == 201
    return str(response.json()["id"])


def test_a_second_call_with_the_same_token_does_not_look_the_token_up_again(fhir_client) -> None:
    client = fhir_client()
    pid = _patient(client)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/fhir/Patient/{pid}").status_code == 200
    assert _token_queries(ctx) == []


def test_a_revoked_token_is_refused_on_the_very_next_call(fhir_client) -> None:
    client = fhir_client()
    pid = _patient(client)
    assert client.get(f"/fhir/Patient/{pid}").status_code == 200
    for token in AccessToken.objects.all():
        token.revoke()  # what the /oauth2/revoke endpoint does
    assert client.get(f"/fhir/Patient/{pid}").status_code == 401


def test_a_deleted_client_application_takes_its_tokens_with_it_at_once(fhir_client) -> None:
    client = fhir_client()
    pid = _patient(client)
    Application.objects.all().delete()
    assert client.get(f"/fhir/Patient/{pid}").status_code == 401


def test_a_client_moved_to_another_facility_loses_the_first_facilitys_records_at_once(fhir_client) -> None:
    client = fhir_client(facilities={"00001"})
    pid = _patient(client)
    profile = ClientProfile.objects.get()
    profile.facility_codes = "00002"
    profile.save()
    assert client.get(f"/fhir/Patient/{pid}").status_code == 403


def test_a_deactivated_staff_members_token_is_refused_on_the_next_call(db: None) -> None:
    from benhan.accounts.models import Facility, User

    facility = Facility.objects.create(code="00001", name="Trạm y tế")
    user = User.objects.create_user(username="bs-an", password="x" * 12, role="doctor", facility=facility)
    app = Application.objects.create(name="app", client_type=Application.CLIENT_PUBLIC,
                                     authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE)
    token = AccessToken.objects.create(user=user, application=app, token=secrets.token_urlsafe(24),
                                       scope="user/Patient.read user/Patient.write", expires=timezone.now() + timedelta(hours=1))
    client = Client(headers={"Authorization": f"Bearer {token.token}"})
    pid = _patient(client)
    user.is_active = False
    user.save()
    assert client.get(f"/fhir/Patient/{pid}").status_code == 401


def test_a_change_made_behind_the_orms_back_is_seen_once_the_entry_is_older_than_the_limit(
    fhir_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # QuerySet.update sends no signal, like a change made by another worker process.
    client = fhir_client()
    pid = _patient(client)
    AccessToken.objects.update(scope="system/Observation.read")
    assert client.get(f"/fhir/Patient/{pid}").status_code == 200  # still the remembered rights
    later = token_cache.time.monotonic() + 2.0
    monkeypatch.setattr(token_cache.time, "monotonic", lambda: later)
    assert client.get(f"/fhir/Patient/{pid}").status_code == 403


def _remembered(expires_in: timedelta) -> str:
    checksum = secrets.token_hex(32)
    token_cache.put(checksum, Actor.system("t"), timezone.now() + expires_in)
    return checksum


def test_a_remembered_token_is_forgotten_the_moment_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    checksum = _remembered(timedelta(minutes=1))
    assert token_cache.get(checksum) is not None
    later = timezone.now() + timedelta(minutes=1)
    monkeypatch.setattr(token_cache.timezone, "now", lambda: later)
    assert token_cache.get(checksum) is None


def test_an_entry_is_used_only_below_the_age_limit(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    settings.FHIR_TOKEN_CACHE_SECONDS = 5
    checksum = _remembered(timedelta(hours=1))
    now = token_cache.time.monotonic()
    monkeypatch.setattr(token_cache.time, "monotonic", lambda: now + 4.9)
    assert token_cache.get(checksum) is not None
    monkeypatch.setattr(token_cache.time, "monotonic", lambda: now + 5.0)
    assert token_cache.get(checksum) is None


def test_an_age_limit_of_zero_turns_the_memory_off(settings) -> None:
    settings.FHIR_TOKEN_CACHE_SECONDS = 0
    assert token_cache.get(_remembered(timedelta(hours=1))) is None
