"""Formats and limits: JSON only, 406 for XML asked, 415 for XML sent, 413 for oversized bodies."""

from __future__ import annotations

import orjson
import pytest
from django.test import Client

from benhan.fhir.models import ResourceRow

PATIENT = {"resourceType": "Patient", "gender": "female"}


@pytest.fixture
def api(fhir_client) -> Client:
    return fhir_client()


def test_accept_asking_only_for_xml_is_406_with_an_outcome(api: Client) -> None:
    response = api.get("/fhir/Patient/x", headers={"Accept": "application/fhir+xml"})
    assert response.status_code == 406
    assert response.json()["resourceType"] == "OperationOutcome"


def test_accept_listing_json_after_xml_is_served_as_json(api: Client) -> None:
    created = api.post("/fhir/Patient", orjson.dumps(PATIENT), content_type="application/fhir+json").json()
    response = api.get(f"/fhir/Patient/{created['id']}", headers={"Accept": "application/fhir+xml;q=1, application/json;q=0.5"})
    assert response.status_code == 200


def test_format_xml_is_406_naming_the_parameter_and_format_json_is_served(api: Client) -> None:
    response = api.get("/fhir/metadata?_format=xml")
    assert response.status_code == 406
    assert response.json()["issue"][0]["expression"] == ["_format"]
    assert api.get("/fhir/metadata?_format=json").status_code == 200
    assert api.get("/fhir/metadata?_format=application/fhir%2Bjson").status_code == 200


def test_a_body_in_xml_is_415_and_nothing_is_stored(api: Client) -> None:
    response = api.post("/fhir/Patient", b'<Patient xmlns="http://hl7.org/fhir"/>', content_type="application/fhir+xml")
    assert response.status_code == 415
    assert not ResourceRow.objects.exists()


def test_plain_application_json_is_accepted_as_a_body(api: Client) -> None:
    assert api.post("/fhir/Patient", orjson.dumps(PATIENT), content_type="application/json").status_code == 201


def test_a_body_over_the_limit_is_413_and_nothing_is_stored(api: Client, settings) -> None:
    settings.FHIR_MAX_BODY_BYTES = 200
    big = {**PATIENT, "name": [{"text": "x" * 500}]}
    response = api.post("/fhir/Patient", orjson.dumps(big), content_type="application/fhir+json")
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-costly"
    assert not ResourceRow.objects.exists()


def test_pretty_true_indents_the_json_and_keeps_its_content(api: Client) -> None:
    created = api.post("/fhir/Patient", orjson.dumps(PATIENT), content_type="application/fhir+json").json()
    plain = api.get(f"/fhir/Patient/{created['id']}")
    pretty = api.get(f"/fhir/Patient/{created['id']}?_pretty=true")
    assert b"\n  " in pretty.content and b"\n" not in plain.content
    assert orjson.loads(pretty.content) == orjson.loads(plain.content)


def test_an_unknown_element_is_rejected_with_its_fhirpath_and_nothing_stored(api: Client) -> None:
    response = api.post("/fhir/Patient", orjson.dumps({**PATIENT, "favouriteColour": "red"}), content_type="application/fhir+json")
    assert response.status_code in (400, 422)
    assert any("Patient.favouriteColour" in e for i in response.json()["issue"] for e in i.get("expression", ()))
    assert not ResourceRow.objects.exists()


def test_a_bad_code_is_rejected_with_its_fhirpath_and_nothing_stored(api: Client) -> None:
    response = api.post("/fhir/Patient", orjson.dumps({**PATIENT, "gender": "nam"}), content_type="application/fhir+json")
    assert response.status_code in (400, 422)
    assert any(e == "Patient.gender" for i in response.json()["issue"] for e in i.get("expression", ()))
    assert not ResourceRow.objects.exists()


def test_a_method_the_url_does_not_take_is_405(api: Client) -> None:
    assert api.post("/fhir/Patient/123/_history").status_code == 405
    assert api.delete("/fhir/metadata").status_code == 405
