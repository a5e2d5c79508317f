"""Create, read, vread, update, patch and delete over HTTP, with versioning headers."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from django.test import Client

from benhan.fhir.models import ResourceRow, ResourceVersionRow
from benhan.fhir.rest.resource_types import resource_types

FHIR_JSON = "application/fhir+json"
PATIENT = {"resourceType": "Patient", "name": [{"family": "Nguyễn", "given": ["Văn", "An"]}], "gender": "male"}


def post(client: Client, path: str, body: object, **headers: str):
    return client.post(path, orjson.dumps(body), content_type=FHIR_JSON, headers=headers)


def put(client: Client, path: str, body: object, **headers: str):
    return client.put(path, orjson.dumps(body), content_type=FHIR_JSON, headers=headers)


@pytest.fixture
def api(fhir_client) -> Client:
    return fhir_client()


def test_create_answers_201_with_location_etag_and_the_stored_resource(api: Client) -> None:
    response = post(api, "/fhir/Patient", PATIENT)
    assert response.status_code == 201
    body = response.json()
    assert response["Location"].endswith(f"/fhir/Patient/{body['id']}/_history/1")
    assert response["ETag"] == 'W/"1"'
    assert response["Last-Modified"]
    assert response["Content-Type"].startswith("application/fhir+json")
    assert body["meta"]["versionId"] == "1" and body["name"][0]["family"] == "Nguyễn"


def test_read_serves_the_stored_bytes_unchanged(api: Client) -> None:
    created = post(api, "/fhir/Patient", PATIENT).json()
    response = api.get(f"/fhir/Patient/{created['id']}")
    assert response.status_code == 200
    row = ResourceRow.objects.get(resource_type="Patient", resource_id=created["id"])
    assert response.content == row.content.encode()
    assert response["ETag"] == 'W/"1"'
    assert response["Content-Location"].endswith(f"/Patient/{created['id']}/_history/1")


def test_reading_an_unknown_id_is_404_and_an_unknown_type_is_404_not_supported(api: Client) -> None:
    missing = api.get("/fhir/Patient/nope")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
    unknown = api.get("/fhir/Patients/1")
    assert unknown.status_code == 404 and unknown.json()["issue"][0]["code"] == "not-supported"


def test_update_makes_version_2_and_vread_returns_both_versions(api: Client) -> None:
    created = post(api, "/fhir/Patient", PATIENT).json()
    pid = created["id"]
    response = put(api, f"/fhir/Patient/{pid}", {**PATIENT, "id": pid, "gender": "female"}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 200 and response["ETag"] == 'W/"2"'
    assert api.get(f"/fhir/Patient/{pid}/_history/1").json()["gender"] == "male"
    assert api.get(f"/fhir/Patient/{pid}/_history/2").json()["gender"] == "female"
    assert api.get(f"/fhir/Patient/{pid}/_history/3").status_code == 404


def test_update_as_create_with_a_client_chosen_id_answers_201(api: Client) -> None:
    response = put(api, "/fhir/Patient/bn-0001", {**PATIENT, "id": "bn-0001"})
    assert response.status_code == 201
    assert response["Location"].endswith("/fhir/Patient/bn-0001/_history/1")
    assert api.get("/fhir/Patient/bn-0001").status_code == 200


def test_a_stale_if_match_is_412_and_stores_nothing(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    put(api, f"/fhir/Patient/{pid}", {**PATIENT, "id": pid})
    response = put(api, f"/fhir/Patient/{pid}", {**PATIENT, "id": pid, "gender": "other"}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 412
    assert response.json()["issue"][0]["code"] == "conflict"
    assert ResourceVersionRow.objects.filter(resource_id=pid).count() == 2


def test_an_update_whose_id_differs_from_the_url_is_400_naming_the_id(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    response = put(api, f"/fhir/Patient/{pid}", {**PATIENT, "id": "other"})
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Patient.id"]
    assert ResourceVersionRow.objects.filter(resource_id=pid).count() == 1


def test_a_body_of_another_resource_type_is_400_naming_resource_type(api: Client) -> None:
    response = post(api, "/fhir/Observation", PATIENT)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["resourceType"]
    assert not ResourceRow.objects.exists()


def test_malformed_json_is_400_structure_and_nothing_is_stored(api: Client) -> None:
    response = api.post("/fhir/Patient", b'{"resourceType": "Patient", "name": [', content_type=FHIR_JSON)
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["code"] == "structure" and "JSON" in issue["diagnostics"]
    assert not ResourceRow.objects.exists()


def test_json_patch_changes_one_element_and_keeps_history(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    ops = [{"op": "replace", "path": "/gender", "value": "female"}, {"op": "add", "path": "/birthDate", "value": "1966-05-01"}]
    response = api.patch(f"/fhir/Patient/{pid}", orjson.dumps(ops), content_type="application/json-patch+json",
                         headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200
    body = response.json()
    assert body["gender"] == "female" and body["birthDate"] == "1966-05-01" and body["meta"]["versionId"] == "2"
    assert ResourceVersionRow.objects.get(resource_id=pid, version_id=2).method == "PATCH"


def test_a_patch_that_cannot_apply_or_touches_the_id_is_422(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    bad_path = [{"op": "replace", "path": "/telecom/0/value", "value": "x"}]
    id_change = [{"op": "replace", "path": "/id", "value": "x"}]
    for ops in (bad_path, id_change):
        response = api.patch(f"/fhir/Patient/{pid}", orjson.dumps(ops), content_type="application/json-patch+json")
        assert response.status_code == 422
    assert ResourceVersionRow.objects.filter(resource_id=pid).count() == 1


def test_a_patch_sent_as_fhir_json_is_415(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    response = api.patch(f"/fhir/Patient/{pid}", b"[]", content_type=FHIR_JSON)
    assert response.status_code == 415


def test_delete_is_soft_answers_204_then_read_is_410_and_history_keeps_both(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    response = api.delete(f"/fhir/Patient/{pid}")
    assert response.status_code == 204 and response["ETag"] == 'W/"2"'
    gone = api.get(f"/fhir/Patient/{pid}")
    assert gone.status_code == 410 and gone["ETag"] == 'W/"2"'
    assert api.get(f"/fhir/Patient/{pid}/_history/1").status_code == 200
    history = api.get(f"/fhir/Patient/{pid}/_history").json()
    assert [e["request"]["method"] for e in history["entry"]] == ["DELETE", "POST"]
    assert api.delete(f"/fhir/Patient/{pid}").status_code == 204


def test_delete_with_prefer_operation_outcome_answers_200_with_an_outcome(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    response = api.delete(f"/fhir/Patient/{pid}", headers={"Prefer": "return=OperationOutcome"})
    assert response.status_code == 200
    assert response.json()["resourceType"] == "OperationOutcome"


def test_prefer_return_minimal_sends_no_body_and_operation_outcome_sends_an_outcome(api: Client) -> None:
    minimal = post(api, "/fhir/Patient", PATIENT, Prefer="return=minimal")
    assert minimal.status_code == 201 and minimal.content == b"" and minimal["Location"]
    outcome = post(api, "/fhir/Patient", PATIENT, Prefer="return=OperationOutcome")
    assert outcome.status_code == 201 and outcome.json()["resourceType"] == "OperationOutcome"


def test_every_r4_resource_type_is_routed_to_storage(api: Client) -> None:
    """An empty resource of each R4 type is either stored or refused only for its required elements."""
    for rtype in sorted(resource_types()):
        response = post(api, f"/fhir/{rtype}", {"resourceType": rtype})
        assert response.status_code in (201, 422), (rtype, response.content)
        if response.status_code == 422:
            assert {i["code"] for i in response.json()["issue"]} <= {"required", "invariant"}, rtype


def test_resources_of_several_kinds_are_stored_and_read_back(api: Client) -> None:
    samples: list[dict[str, Any]] = [
        {"resourceType": "Account", "status": "active"},
        {"resourceType": "Basic", "code": {"text": "ghi chú"}},
        {"resourceType": "Binary", "contentType": "text/plain", "data": base64.b64encode(b"xin chao").decode()},
        {"resourceType": "Bundle", "type": "collection"},
        {"resourceType": "Library", "status": "draft", "type": {"text": "logic"}},
        {"resourceType": "Organization", "name": "Trạm y tế xã"},
    ]
    for body in samples:
        response = post(api, f"/fhir/{body['resourceType']}", body)
        assert response.status_code == 201, (body, response.content)
        read = api.get(f"/fhir/{body['resourceType']}/{response.json()['id']}").json()
        assert {k: v for k, v in read.items() if k not in ("id", "meta")} == body


def test_a_read_with_the_current_etag_in_if_none_match_is_304_without_a_body(api: Client) -> None:
    pid = post(api, "/fhir/Patient", PATIENT).json()["id"]
    unchanged = api.get(f"/fhir/Patient/{pid}", headers={"If-None-Match": 'W/"1"'})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == 'W/"1"'
    put(api, f"/fhir/Patient/{pid}", {**PATIENT, "id": pid, "gender": "female"})
    changed = api.get(f"/fhir/Patient/{pid}", headers={"If-None-Match": 'W/"1"'})
    assert changed.status_code == 200 and changed.json()["gender"] == "female"
