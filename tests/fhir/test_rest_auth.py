"""Who may call /fhir: bearer tokens, staff sessions, scopes, facilities; refusals as OperationOutcomes."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from benhan.fhir.models import AuditRow, ResourceRow

PATIENT = {"resourceType": "Patient", "gender": "female"}


def create(client: Client, body: object = PATIENT, **headers: str):
    return client.post("/fhir/Patient", orjson.dumps(body), content_type="application/fhir+json", headers=headers)


def test_no_credentials_is_401_with_a_bearer_challenge(db: None) -> None:
    response = Client().get("/fhir/Patient/1")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["issue"][0]["code"] == "login"
    assert AuditRow.objects.filter(interaction="authenticate", outcome="4").exists()


def test_an_unknown_token_is_401_invalid_token(db: None) -> None:
    response = Client(headers={"Authorization": "Bearer not-a-token"}).get("/fhir/Patient/1")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_an_expired_token_is_401(fhir_client) -> None:
    client = fhir_client()
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert client.get("/fhir/Patient/1").status_code == 401


def test_metadata_needs_no_token(db: None) -> None:
    assert Client().get("/fhir/metadata").status_code == 200


def test_a_read_only_token_cannot_write_403_and_nothing_is_stored(fhir_client) -> None:
    response = create(fhir_client("system/*.read"))
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert not ResourceRow.objects.exists()


def test_a_per_type_v2_scope_reaches_only_its_type(fhir_client) -> None:
    writer = fhir_client("system/Patient.cruds")
    pid = create(writer).json()["id"]
    assert writer.get(f"/fhir/Patient/{pid}").status_code == 200
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "mạch"}}
    assert writer.post("/fhir/Observation", orjson.dumps(obs), content_type="application/fhir+json").status_code == 403


def test_a_client_of_one_facility_cannot_read_another_facilitys_record(fhir_client) -> None:
    pid = create(fhir_client(facilities={"00001"})).json()["id"]
    other = fhir_client("system/*.read", facilities={"00002"})
    assert other.get(f"/fhir/Patient/{pid}").status_code == 403
    assert AuditRow.objects.filter(resource_id=pid, outcome="4").exists()


def test_the_facility_header_chooses_among_the_clients_facilities_and_is_the_owner(fhir_client) -> None:
    client = fhir_client(facilities={"00001", "00002"})
    assert create(client).status_code == 400  # several facilities and none named
    pid = create(client, **{"X-Benhan-Facility": "00002"}).json()["id"]
    assert ResourceRow.objects.get(resource_id=pid).tenant == "00002"
    assert create(client, **{"X-Benhan-Facility": "00003"}).status_code == 403


def test_every_access_is_audited_with_the_client_and_source_ip(fhir_client) -> None:
    client = fhir_client()
    pid = create(client).json()["id"]
    client.get(f"/fhir/Patient/{pid}", REMOTE_ADDR="10.1.2.3")
    row = AuditRow.objects.get(interaction="read", resource_id=pid)
    assert row.actor_kind == "client" and row.source_ip == "10.1.2.3" and row.facility == "00001"


def _staff(role: str):
    pytest.importorskip("benhan.accounts.actors")
    from benhan.accounts.models import Facility, User

    facility = Facility.objects.get_or_create(code="00001", defaults={"name": "Trạm y tế"})[0]
    return User.objects.create_user(username=f"staff-{role}", password="x" * 12, role=role, facility=facility)


def test_a_logged_in_doctor_reaches_fhir_with_the_roles_scopes(db: None) -> None:
    client = Client()
    client.force_login(_staff("doctor"))
    response = create(client)
    assert response.status_code == 201
    assert client.get(f"/fhir/Patient/{response.json()['id']}").status_code == 200
    assert AuditRow.objects.filter(interaction="create", actor_kind="user").exists()


def test_a_session_write_without_the_csrf_token_is_refused(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(_staff("doctor"))
    assert create(client).status_code == 403
    assert not ResourceRow.objects.exists()


def test_a_pharmacist_session_cannot_create_a_patient(db: None) -> None:
    client = Client()
    client.force_login(_staff("pharmacist"))
    assert create(client).status_code == 403


def test_a_staff_session_writes_for_the_facility_chosen_in_the_ui(db: None) -> None:
    from benhan.accounts.actors import SESSION_FACILITY_KEY
    from benhan.accounts.models import Facility

    user = _staff("doctor")
    second = Facility.objects.create(code="00002", name="Trạm y tế 2")
    user.extra_facilities.add(second)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_FACILITY_KEY] = "00002"
    session.save()
    pid = create(client).json()["id"]
    assert ResourceRow.objects.get(resource_id=pid).tenant == "00002"
