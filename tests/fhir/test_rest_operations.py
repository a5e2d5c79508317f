"""GET /fhir/metadata and $operations: the CapabilityStatement, $validate, routing to the registry."""

from __future__ import annotations

import orjson
import pytest
from django.test import Client

from benhan.fhir.models import ResourceRow
from benhan.fhir.rest.resource_types import resource_types

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def api(fhir_client) -> Client:
    return fhir_client()


def test_metadata_lists_every_r4_type_with_its_interactions_and_search_parameters(db: None) -> None:
    statement = Client().get("/fhir/metadata").json()
    assert statement["resourceType"] == "CapabilityStatement" and statement["fhirVersion"] == "4.0.1"
    rest = statement["rest"][0]
    by_type = {r["type"]: r for r in rest["resource"]}
    assert set(by_type) == set(resource_types()) and len(by_type) == 146
    patient = by_type["Patient"]
    assert {"read", "vread", "update", "patch", "delete", "create", "search-type"} <= {i["code"] for i in patient["interaction"]}
    assert patient["versioning"] == "versioned-update" and patient["updateCreate"] is True
    assert any(p["name"] == "identifier" and p["type"] == "token" for p in patient["searchParam"])
    assert {"transaction", "batch", "history-system"} <= {i["code"] for i in rest["interaction"]}
    assert statement["patchFormat"] == ["application/json-patch+json"]


def test_metadata_lists_the_registered_operations(db: None) -> None:
    rest = Client().get("/fhir/metadata").json()["rest"][0]
    patient_ops = {o["name"] for r in rest["resource"] if r["type"] == "Patient" for o in r.get("operation", [])}
    assert "validate" in patient_ops


def test_type_validate_reports_errors_with_their_fhirpath_and_stores_nothing(api: Client) -> None:
    bad = {"resourceType": "Patient", "gender": "nam"}
    response = api.post("/fhir/Patient/$validate", orjson.dumps(bad), content_type=FHIR_JSON)
    assert response.status_code == 200
    issues = response.json()["issue"]
    assert any(i["severity"] == "error" and "Patient.gender" in i.get("expression", []) for i in issues)
    assert not ResourceRow.objects.exists()


def test_validate_of_a_good_resource_in_parameters_says_no_errors(api: Client) -> None:
    params = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {"resourceType": "Patient", "gender": "male"}}]}
    response = api.post("/fhir/Patient/$validate", orjson.dumps(params), content_type=FHIR_JSON)
    assert response.status_code == 200
    assert [i["severity"] for i in response.json()["issue"]] == ["information"]


def test_instance_validate_needs_the_instance_to_exist(api: Client) -> None:
    body = orjson.dumps({"resourceType": "Patient", "id": "nope"})
    assert api.post("/fhir/Patient/nope/$validate", body, content_type=FHIR_JSON).status_code == 404


def test_validate_of_another_type_than_the_url_is_400(api: Client) -> None:
    body = orjson.dumps({"resourceType": "Observation"})
    assert api.post("/fhir/Patient/$validate", body, content_type=FHIR_JSON).status_code == 400


def test_an_unknown_operation_is_404_and_a_get_of_validate_is_405(api: Client) -> None:
    assert api.get("/fhir/Patient/$frobnicate").status_code == 404
    assert api.get("/fhir/Patient/$validate").status_code == 405


def test_operations_need_authentication(db: None) -> None:
    assert Client().post("/fhir/Patient/$validate", b"{}", content_type=FHIR_JSON).status_code == 401


def test_smart_configuration_names_the_token_endpoint_without_authentication(db: None) -> None:
    response = Client().get("/fhir/.well-known/smart-configuration")
    assert response.status_code == 200
    config = response.json()
    assert config["token_endpoint"].endswith("/oauth2/token")
    assert "client_credentials" in config["grant_types_supported"]
    assert "system/*.read" in config["scopes_supported"]


def test_instance_operations_registered_by_other_modules_are_routed_to_them(api: Client) -> None:
    pid = api.post("/fhir/Patient", b'{"resourceType":"Patient"}', content_type=FHIR_JSON).json()["id"]
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "mạch"}, "subject": {"reference": f"Patient/{pid}"}}
    api.post("/fhir/Observation", orjson.dumps(obs), content_type=FHIR_JSON)
    response = api.get(f"/fhir/Patient/{pid}/$everything")
    assert response.status_code == 200
    types = {e["resource"]["resourceType"] for e in response.json()["entry"]}
    assert types == {"Patient", "Observation"}


def test_an_operation_at_a_type_it_is_not_registered_for_is_404(api: Client) -> None:
    assert api.get("/fhir/Observation/1/$everything").status_code == 404
