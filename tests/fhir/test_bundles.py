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
def api(fhir_client) -> Client:
    return fhir_client()


def post_bundle(api: Client, bundle: dict[str, Any], **headers: str):
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


def test_a_transaction_refused_for_scope_stores_nothing_and_the_refusal_is_audited(fhir_client) -> None:
    from benhan.fhir.models import AuditRow

    patients_only = fhir_client("system/Patient.*")
    response = post_bundle(patients_only, transaction(create_entry(PATIENT, "urn:uuid:p"), create_entry(observation("urn:uuid:p"))))
    assert response.status_code == 403
    assert not ResourceRow.objects.exists()
    assert AuditRow.objects.filter(interaction="transaction", outcome="4").exists()


def _path(url: str) -> str:
    """The /fhir path of a full URL in a response, without its _history part."""
    return "/fhir" + url.split("/fhir", 1)[1].split("/_history")[0]


def test_references_nested_in_lists_extensions_and_contained_resources_are_rewritten_and_other_strings_are_not(api: Client) -> None:
    subject = observation("urn:uuid:p1")
    subject["focus"] = [{"reference": "urn:uuid:p1"}, {"reference": "#c1"}]
    subject["extension"] = [{"url": "urn:x:ext", "extension": [{"url": "who", "valueReference": {"reference": "urn:uuid:p1"}}]}]
    subject["contained"] = [{"resourceType": "Patient", "id": "c1", "link": [{"other": {"reference": "urn:uuid:p1"}, "type": "seealso"}]}]
    subject["note"] = [{"text": "urn:uuid:p1"}]  # a string equal to a fullUrl but not a reference: left as it is
    response = post_bundle(api, transaction(create_entry(subject), create_entry(PATIENT, "urn:uuid:p1")))
    assert response.status_code == 200, response.content
    obs_location, patient_location = (e["response"]["location"] for e in response.json()["entry"])
    patient = "Patient/" + patient_location.split("/Patient/")[1].split("/")[0]
    stored = api.get(_path(obs_location)).json()
    assert stored["subject"]["reference"] == patient
    assert [f["reference"] for f in stored["focus"]] == [patient, "#c1"]
    assert stored["extension"][0]["extension"][0]["valueReference"]["reference"] == patient
    assert stored["contained"][0]["link"][0]["other"]["reference"] == patient
    assert stored["note"] == [{"text": "urn:uuid:p1"}]


def test_two_conditional_updates_of_one_type_in_a_transaction_each_update_their_own_match(api: Client) -> None:
    def patient(value: str, family: str) -> dict[str, Any]:
        return {"resourceType": "Patient", "identifier": [{"system": "urn:test", "value": value}], "name": [{"family": family}]}

    first = api.post("/fhir/Patient", orjson.dumps(patient("a", "Cũ")), content_type=FHIR_JSON).json()["id"]
    second = api.post("/fhir/Patient", orjson.dumps(patient("b", "Cũ")), content_type=FHIR_JSON).json()["id"]
    response = post_bundle(api, transaction(
        {"fullUrl": "urn:uuid:a", "resource": patient("a", "Mới A"), "request": {"method": "PUT", "url": "Patient?identifier=urn:test|a"}},
        {"fullUrl": "urn:uuid:b", "resource": patient("b", "Mới B"), "request": {"method": "PUT", "url": "Patient?identifier=urn:test|b"}},
        create_entry(observation("urn:uuid:b")),
    ))
    assert response.status_code == 200, response.content
    assert [e["response"]["status"] for e in response.json()["entry"]] == ["200 OK", "200 OK", "201 Created"]
    assert api.get(f"/fhir/Patient/{first}").json()["name"][0]["family"] == "Mới A"
    assert api.get(f"/fhir/Patient/{second}").json()["name"][0]["family"] == "Mới B"
    obs_location = response.json()["entry"][2]["response"]["location"]
    assert api.get(_path(obs_location)).json()["subject"]["reference"] == f"Patient/{second}"


def test_each_response_entry_names_its_own_version_with_its_etag_last_modified_and_location(api: Client) -> None:
    existing = api.post("/fhir/Patient", orjson.dumps(PATIENT), content_type=FHIR_JSON).json()
    response = post_bundle(api, transaction(
        create_entry(PATIENT, "urn:uuid:p1"),
        {"resource": {**PATIENT, "id": existing["id"], "gender": "male"}, "request": {"method": "PUT", "url": f"Patient/{existing['id']}"}},
        create_entry(observation("urn:uuid:p1")),
    ))
    assert response.status_code == 200, response.content
    for entry in response.json()["entry"]:
        answer = entry["response"]
        stored = api.get(_path(entry["fullUrl"])).json()
        assert answer["etag"] == f'W/"{stored["meta"]["versionId"]}"'
        assert answer["lastModified"] == stored["meta"]["lastUpdated"]
        if answer["status"] == "201 Created":
            assert answer["location"] == f"{entry['fullUrl']}/_history/1"
        else:
            assert "location" not in answer and answer["etag"] == 'W/"2"'


def test_the_creates_of_a_transaction_take_no_savepoints_of_their_own(api: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bundle = transaction(create_entry(PATIENT, "urn:uuid:p1"), create_entry(observation("urn:uuid:p1")))
    with CaptureQueriesContext(connection) as queries:
        assert post_bundle(api, bundle).status_code == 200
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith("SAVEPOINT")]
    # The test runs inside a transaction, so the Bundle's own atomic block is one savepoint; the
    # bulk write under it adds none (an error anywhere rolls the whole Bundle back anyway).
    assert len(savepoints) == 1, savepoints


def test_processing_a_bundle_leaves_the_garbage_collector_as_it_found_it(api: Client) -> None:
    import gc

    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert post_bundle(api, transaction(create_entry(PATIENT))).status_code == 200
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
    assert post_bundle(api, transaction(create_entry(observation("urn:uuid:nobody")))).status_code == 404
    assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
