"""The interaction functions without HTTP: concurrency and conditional edge cases."""

from __future__ import annotations

import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.fhir.rest import interactions
from benhan.fhir.rest.messages import FhirRequest, parse_etag, parse_prefer
from benhan.fhir.rest.routing import Route, parse_path

PATIENT = {"resourceType": "Patient", "gender": "male"}


def test_a_patch_computed_from_a_version_changed_meanwhile_is_a_409_conflict(repo: Repository) -> None:
    stored = repo.create(dict(PATIENT))
    stale = repo.read("Patient", stored.id)
    repo.update({**PATIENT, "id": stored.id, "gender": "female"}, stored.id)
    req = FhirRequest("PATCH", Route("instance", "Patient", stored.id), body=[{"op": "add", "path": "/birthDate", "value": "1970"}])
    with pytest.raises(FhirError) as exc:
        interactions.apply_patch(repo, req, stale)
    assert exc.value.status == 409
    assert repo.read("Patient", stored.id).version_id == 2


def test_the_same_stale_patch_with_if_match_is_the_clients_412(repo: Repository) -> None:
    stored = repo.create(dict(PATIENT))
    stale = repo.read("Patient", stored.id)
    repo.update({**PATIENT, "id": stored.id}, stored.id)
    req = FhirRequest("PATCH", Route("instance", "Patient", stored.id), body=[], if_match=1)
    with pytest.raises(FhirError) as exc:
        interactions.apply_patch(repo, req, stale)
    assert exc.value.status == 412


def test_an_interaction_runs_without_http(repo: Repository) -> None:
    created = interactions.dispatch(repo, FhirRequest("POST", parse_path("Patient"), body=dict(PATIENT)))
    assert created.status == 201 and created.location
    read = interactions.dispatch(repo, FhirRequest("GET", parse_path(f"Patient/{created.stored.id}")))  # type: ignore[union-attr]
    assert read.stored is not None and read.stored.json()["gender"] == "male"


@pytest.mark.parametrize(
    ("path", "kind", "rtype", "rid"),
    [
        ("", "system", None, None), ("metadata", "metadata", None, None), ("_history", "history", None, None),
        ("Patient", "type", "Patient", None), ("Patient/_search", "search", "Patient", None),
        ("Patient/1", "instance", "Patient", "1"), ("Patient/1/_history", "history", "Patient", "1"),
        ("Patient/1/_history/2", "version", "Patient", "1"), ("Patient/1/$everything", "operation", "Patient", "1"),
        ("$export", "operation", None, None), ("Patient/1/Observation", "compartment", "Observation", None),
    ],
)
def test_paths_route_to_their_interaction(path: str, kind: str, rtype: str | None, rid: str | None) -> None:
    route = parse_path(path)
    assert (route.kind, route.resource_type, route.resource_id) == (kind, rtype, rid)


def test_headers_parse_etags_and_preferences() -> None:
    assert parse_etag('W/"3"') == 3 and parse_etag('"4"') == 4 and parse_etag(None) is None
    with pytest.raises(FhirError):
        parse_etag("W/abc")
    assert parse_prefer("return=minimal") == "minimal"
    assert parse_prefer("handling=strict, return=OperationOutcome") == "OperationOutcome"
    assert parse_prefer(None) == ""
