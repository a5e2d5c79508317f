"""Search requests are routed to the search engine: type, POST _search, system and compartment."""

from __future__ import annotations

import orjson
import pytest
from django.test import Client

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def api(fhir_client) -> Client:
    client = fhir_client()
    for family in ("Nguyễn", "Trần"):
        client.post("/fhir/Patient", orjson.dumps({"resourceType": "Patient", "name": [{"family": family}]}),
                    content_type=FHIR_JSON)
    return client


def ids_of(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e.get("search", {}).get("mode") == "match"]


def test_a_type_search_answers_a_searchset_bundle(api: Client) -> None:
    response = api.get("/fhir/Patient?family=Tr%E1%BA%A7n")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "searchset" and len(ids_of(body)) == 1
    assert body["entry"][0]["resource"]["name"][0]["family"] == "Trần"


def test_post_search_with_a_form_body_finds_the_same(api: Client) -> None:
    response = api.post("/fhir/Patient/_search", "family=Nguy%E1%BB%85n", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and len(ids_of(response.json())) == 1


def test_an_unknown_search_parameter_is_400_naming_it(api: Client) -> None:
    response = api.get("/fhir/Patient?colour=red")
    assert response.status_code == 400
    assert "colour" in str(response.json()["issue"][0].get("expression", [])) + response.json()["issue"][0]["diagnostics"]


def test_a_compartment_search_finds_the_patients_observations(api: Client) -> None:
    pid = ids_of(api.get("/fhir/Patient?family=Tr%E1%BA%A7n").json())[0]
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "mạch"}, "subject": {"reference": f"Patient/{pid}"}}
    api.post("/fhir/Observation", orjson.dumps(obs), content_type=FHIR_JSON)
    response = api.get(f"/fhir/Patient/{pid}/Observation")
    assert response.status_code == 200 and len(ids_of(response.json())) == 1


def test_a_system_search_by_type_lists_resources_of_those_types(api: Client) -> None:
    response = api.get("/fhir?_type=Patient")
    assert response.status_code == 200, response.content
    assert len(ids_of(response.json())) == 2
