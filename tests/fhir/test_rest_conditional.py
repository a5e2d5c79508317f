"""Conditional create, update, delete and conditional references, resolved through search."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.test import Client

from benhan.fhir.models import ResourceRow

FHIR_JSON = "application/fhir+json"
CCCD = "https://benhan.vn/sid/cccd"


def patient(number: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": CCCD, "value": number}], **extra}


@pytest.fixture
def api(fhir_client) -> Client:
    return fhir_client()


def post(api: Client, path: str, body: Any, **headers: str):
    return api.post(path, orjson.dumps(body), content_type=FHIR_JSON, headers=headers)


def put(api: Client, path: str, body: Any, **headers: str):
    return api.put(path, orjson.dumps(body), content_type=FHIR_JSON, headers=headers)


def test_if_none_exist_creates_once_then_returns_the_existing_resource(api: Client) -> None:
    condition = {"If-None-Exist": f"identifier={CCCD}|001"}
    first = post(api, "/fhir/Patient", patient("001"), **condition)
    second = post(api, "/fhir/Patient", patient("001"), **condition)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert ResourceRow.objects.count() == 1


def test_if_none_exist_matching_two_resources_is_412(api: Client) -> None:
    post(api, "/fhir/Patient", patient("002"))
    post(api, "/fhir/Patient", patient("002"))
    response = post(api, "/fhir/Patient", patient("002"), **{"If-None-Exist": f"identifier={CCCD}|002"})
    assert response.status_code == 412
    assert ResourceRow.objects.count() == 2


def test_conditional_update_updates_the_one_match_or_creates_when_none(api: Client) -> None:
    created = put(api, f"/fhir/Patient?identifier={CCCD}|003", patient("003", gender="male"))
    assert created.status_code == 201
    updated = put(api, f"/fhir/Patient?identifier={CCCD}|003", patient("003", gender="female"))
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"] and updated.json()["meta"]["versionId"] == "2"


def test_conditional_update_with_several_matches_is_412_and_changes_nothing(api: Client) -> None:
    post(api, "/fhir/Patient", patient("004"))
    post(api, "/fhir/Patient", patient("004"))
    response = put(api, f"/fhir/Patient?identifier={CCCD}|004", patient("004", gender="other"))
    assert response.status_code == 412
    assert not ResourceRow.objects.filter(content__contains='"other"').exists()


def test_conditional_delete_removes_the_one_match(api: Client) -> None:
    pid = post(api, "/fhir/Patient", patient("005")).json()["id"]
    assert api.delete(f"/fhir/Patient?identifier={CCCD}|005").status_code == 204
    assert api.get(f"/fhir/Patient/{pid}").status_code == 410
    assert api.delete(f"/fhir/Patient?identifier={CCCD}|005").status_code == 204


def test_conditional_delete_with_several_matches_is_412(api: Client) -> None:
    post(api, "/fhir/Patient", patient("006"))
    post(api, "/fhir/Patient", patient("006"))
    assert api.delete(f"/fhir/Patient?identifier={CCCD}|006").status_code == 412
    assert ResourceRow.objects.filter(deleted=False).count() == 2


def test_a_transaction_resolves_a_conditional_reference_to_the_matching_resource(api: Client) -> None:
    pid = post(api, "/fhir/Patient", patient("007")).json()["id"]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "mạch"},
                     "subject": {"reference": f"Patient?identifier={CCCD}|007"}},
        "request": {"method": "POST", "url": "Observation"},
    }]}
    response = post(api, "/fhir", bundle)
    assert response.status_code == 200
    oid = response.json()["entry"][0]["response"]["location"].split("/Observation/")[1].split("/")[0]
    assert api.get(f"/fhir/Observation/{oid}").json()["subject"]["reference"] == f"Patient/{pid}"


def test_a_conditional_reference_matching_nothing_fails_the_transaction(api: Client) -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "mạch"},
                     "subject": {"reference": f"Patient?identifier={CCCD}|none"}},
        "request": {"method": "POST", "url": "Observation"},
    }]}
    response = post(api, "/fhir", bundle)
    assert response.status_code == 404
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[0]"]
    assert not ResourceRow.objects.exists()


def test_a_transaction_conditional_create_reuses_the_existing_resource_for_references(api: Client) -> None:
    pid = post(api, "/fhir/Patient", patient("008")).json()["id"]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": patient("008"),
         "request": {"method": "POST", "url": "Patient", "ifNoneExist": f"identifier={CCCD}|008"}},
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "mạch"},
                      "subject": {"reference": "urn:uuid:p"}},
         "request": {"method": "POST", "url": "Observation"}},
    ]}
    response = post(api, "/fhir", bundle)
    assert [e["response"]["status"] for e in response.json()["entry"]] == ["200 OK", "201 Created"]
    oid = response.json()["entry"][1]["response"]["location"].split("/Observation/")[1].split("/")[0]
    assert api.get(f"/fhir/Observation/{oid}").json()["subject"]["reference"] == f"Patient/{pid}"
    assert ResourceRow.objects.filter(resource_type="Patient").count() == 1
