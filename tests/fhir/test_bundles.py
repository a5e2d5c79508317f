"""Batch and transaction Bundles posted to /fhir."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from django.test import Client

from benhan.fhir.models import ResourceRow

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def api(fhir_client) -> Client:  # type: ignore[no-untyped-def]
    return fhir_client()


def post_bundle(api: Client, bundle: dict[str, Any], **headers: str):  # type: ignore[no-untyped-def]
    return api.post("/fhir", orjson.dumps(bundle), content_type=FHIR_JSON, headers=headers)


def transaction(*entries: dict[str, Any], kind: str = "transaction") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def create_entry(resource: dict[str, Any], full_url: str = "", **request: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"], **request}}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


PATIENT = {"resourceType": "Patient", "name": [{"family": "Trần"}]}


def observation(subject: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"text": "huyết áp"}, "subject": {"reference": subject}}


def test_a_transaction_resolves_urn_uuid_references_to_the_new_ids(api: Client) -> None:
    response = post_bundle(api, transaction(
        create_entry(observation("urn:uuid:p1")),
        create_entry(PATIENT, "urn:uuid:p1"),
    ))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "transaction-response"
    obs_response, patient_response = (e["response"] for e in body["entry"])
    assert obs_response["status"] == "201 Created" and patient_response["status"] == "201 Created"
    patient_id = patient_response["location"].split("/Patient/")[1].split("/")[0]
    obs_id = obs_response["location"].split("/Observation/")[1].split("/")[0]
    stored = api.get(f"/fhir/Observation/{obs_id}").json()
    assert stored["subject"]["reference"] == f"Patient/{patient_id}"


def test_a_transaction_that_fails_half_way_stores_nothing(api: Client) -> None:
    response = post_bundle(api, transaction(
        create_entry(PATIENT, "urn:uuid:p1"),
        create_entry(observation("urn:uuid:p1")),
        create_entry({"resourceType": "Observation", "status": "not-a-status", "code": {"text": "x"}}),
    ))
    assert response.status_code in (400, 422)
    issue = response.json()["issue"][0]
    assert issue["expression"][0].startswith("Bundle.entry[2].resource")
    assert not ResourceRow.objects.exists()


def test_a_transaction_failing_on_a_later_phase_rolls_back_the_earlier_writes(api: Client) -> None:
    existing = api.post("/fhir/Patient", orjson.dumps(PATIENT), content_type=FHIR_JSON).json()["id"]
    response = post_bundle(api, transaction(
        {"request": {"method": "DELETE", "url": f"Patient/{existing}"}},
        create_entry(PATIENT, "urn:uuid:p2"),
        {"resource": {**PATIENT, "id": existing}, "request": {"method": "PUT", "url": f"Patient/{existing}", "ifMatch": 'W/"7"'}},
    ))
    assert response.status_code == 412
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[2]"]
    assert ResourceRow.objects.count() == 1
    assert api.get(f"/fhir/Patient/{existing}").status_code == 200


def test_a_reference_to_an_urn_not_in_the_transaction_fails_it(api: Client) -> None:
    response = post_bundle(api, transaction(create_entry(observation("urn:uuid:nobody"))))
    assert response.status_code == 404
    assert not ResourceRow.objects.exists()


def test_transaction_entries_run_in_fhir_order_and_answer_in_request_order(api: Client) -> None:
    old = api.post("/fhir/Patient", orjson.dumps(PATIENT), content_type=FHIR_JSON).json()["id"]
    response = post_bundle(api, transaction(
        {"request": {"method": "GET", "url": "Patient/fixed-1"}},
        {"resource": {**PATIENT, "id": "fixed-1"}, "request": {"method": "PUT", "url": "Patient/fixed-1"}},
        create_entry(PATIENT),
        {"request": {"method": "DELETE", "url": f"Patient/{old}"}},
    ), Prefer="return=representation")
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    # The GET, though first, runs last and so sees the PUT's resource.
    assert statuses == ["200 OK", "201 Created", "201 Created", "204 No Content"]
    assert response.json()["entry"][0]["resource"]["id"] == "fixed-1"


def test_a_transaction_with_prefer_representation_returns_the_stored_resources(api: Client) -> None:
    plain = post_bundle(api, transaction(create_entry(PATIENT))).json()
    assert "resource" not in plain["entry"][0]
    full = post_bundle(api, transaction(create_entry(PATIENT)), Prefer="return=representation").json()
    assert full["entry"][0]["resource"]["meta"]["versionId"] == "1"


def test_a_batch_entry_failure_is_its_own_outcome_and_the_others_are_stored(api: Client) -> None:
    response = post_bundle(api, transaction(
        create_entry(PATIENT),
        create_entry({"resourceType": "Patient", "gender": "robot"}),
        {"request": {"method": "GET", "url": "Patient/missing"}},
        kind="batch",
    ))
    assert response.status_code == 200
    entries = response.json()["entry"]
    assert response.json()["type"] == "batch-response"
    assert entries[0]["response"]["status"] == "201 Created"
    assert entries[1]["response"]["status"].startswith(("400", "422"))
    assert entries[1]["response"]["outcome"]["issue"][0]["expression"] == ["Bundle.entry[1].resource.gender"]
    assert entries[2]["response"]["status"] == "404 Not Found"
    assert ResourceRow.objects.count() == 1


def test_a_patch_entry_carries_its_json_patch_as_a_binary(api: Client) -> None:
    pid = api.post("/fhir/Patient", orjson.dumps(PATIENT), content_type=FHIR_JSON).json()["id"]
    ops = base64.b64encode(orjson.dumps([{"op": "add", "path": "/gender", "value": "male"}])).decode()
    response = post_bundle(api, transaction({
        "resource": {"resourceType": "Binary", "contentType": "application/json-patch+json", "data": ops},
        "request": {"method": "PATCH", "url": f"Patient/{pid}"},
    }))
    assert response.status_code == 200
    assert api.get(f"/fhir/Patient/{pid}").json()["gender"] == "male"


def test_a_bundle_of_another_type_or_without_requests_is_400_with_its_path(api: Client) -> None:
    collection = post_bundle(api, {"resourceType": "Bundle", "type": "collection", "entry": []})
    assert collection.status_code == 400 and collection.json()["issue"][0]["expression"] == ["Bundle.type"]
    no_request = post_bundle(api, transaction({"resource": PATIENT}))
    assert no_request.status_code == 400 and no_request.json()["issue"][0]["expression"] == ["Bundle.entry[0].request"]
    bad_method = post_bundle(api, transaction({"resource": PATIENT, "request": {"method": "FETCH", "url": "Patient"}}))
    assert bad_method.json()["issue"][0]["expression"] == ["Bundle.entry[0].request.method"]


def test_posting_a_non_bundle_to_the_base_is_400(api: Client) -> None:
    response = api.post("/fhir", orjson.dumps(PATIENT), content_type=FHIR_JSON)
    assert response.status_code == 400


def test_a_transaction_refused_for_scope_stores_nothing_and_the_refusal_is_audited(fhir_client) -> None:  # type: ignore[no-untyped-def]
    from benhan.fhir.models import AuditRow

    patients_only = fhir_client("system/Patient.*")
    response = post_bundle(patients_only, transaction(create_entry(PATIENT, "urn:uuid:p"), create_entry(observation("urn:uuid:p"))))
    assert response.status_code == 403
    assert not ResourceRow.objects.exists()
    assert AuditRow.objects.filter(interaction="transaction", outcome="4").exists()
