"""Bearer-token calls to /fhir skip the browser middleware but keep the checks an API needs."""

from __future__ import annotations

from django.test import Client


def test_a_bearer_call_still_refuses_a_host_not_in_allowed_hosts(fhir_client) -> None:
    client = fhir_client()
    assert client.get("/fhir/Patient", headers={"Host": "evil.example"}).status_code == 400


def test_a_bearer_call_keeps_the_security_headers_and_sets_no_cookie(fhir_client) -> None:
    response = fhir_client().get("/fhir/Patient/nope")
    assert response.status_code == 404
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert not response.cookies


def test_a_bearer_call_to_an_unknown_fhir_bulk_path_is_a_404(fhir_client) -> None:
    assert fhir_client().get("/fhir/bulk/nothing-here/at/all").status_code == 404


def test_a_call_without_a_token_takes_the_full_chain_and_gets_the_bearer_challenge(db: None) -> None:
    response = Client().get("/fhir/Patient/1")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
