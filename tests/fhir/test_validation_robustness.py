"""Whatever JSON arrives, validation answers with issues and never raises."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benhan.fhir.errors import Issue
from benhan.fhir.validation import validate_resource

# Keys that mean something to the validator, so random documents reach its deeper branches.
KEYS = st.sampled_from([
    "resourceType", "id", "contained", "reference", "type", "coding", "system", "code", "value",
    "valueString", "_valueString", "extension", "url", "given", "_given", "entry", "resource", "fullUrl",
    "request", "when", "offset", "period", "start", "end", "clinicalStatus", "verificationStatus",
    "abatementDateTime", "item", "linkId", "component", "meta", "versionId", "status",
]) | st.text(max_size=6)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from(
    ["Patient", "Observation", "Bundle", "#x", "#", "urn:uuid:1", "Patient/1", "C", "2024-02-30", "final"])
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                    max_leaves=30)

OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation", "id": "o1", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
    "subject": {"reference": "#p"}, "contained": [{"resourceType": "Patient", "id": "p", "gender": "male"}],
    "component": [{"code": {"text": "x"}, "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org"}}],
    "effectivePeriod": {"start": "2024-01-01", "end": "2024-01-02"},
}


def _containers(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) inside value, to replace one of them."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found.append((value, k))
            found.extend(_containers(v))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.append((value, i))
            found.extend(_containers(v))
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_value_yields_a_list_of_issues(document: Any) -> None:
    issues = validate_resource(document)
    assert all(isinstance(i, Issue) and i.expression for i in issues)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["Observation", "Patient", "Bundle", "Questionnaire", "MedicationRequest", "Condition"]),
       st.dictionaries(KEYS, JSON, max_size=6))
def test_any_content_under_a_real_resource_type_yields_issues(resource_type: str, content: dict[str, Any]) -> None:
    issues = validate_resource({**content, "resourceType": resource_type})
    assert all(isinstance(i, Issue) for i in issues)


@settings(max_examples=120, deadline=None)
@given(st.data(), JSON)
def test_replacing_any_part_of_a_valid_resource_yields_issues_not_exceptions(data: st.DataObject, junk: Any) -> None:
    resource = copy.deepcopy(OBSERVATION)
    container, key = data.draw(st.sampled_from(_containers(resource)))
    container[key] = junk
    issues = validate_resource(resource)
    assert all(isinstance(i, Issue) for i in issues)


def test_a_resource_nested_too_deeply_is_refused_with_an_issue() -> None:
    extension: dict[str, Any] = {"url": "https://benhan.vn/x", "valueString": "đáy"}
    for _ in range(5000):
        extension = {"url": "https://benhan.vn/x", "extension": [extension]}
    issues = validate_resource({"resourceType": "Patient", "extension": [extension]})
    assert [(i.code, i.expression) for i in issues] == [("too-costly", ("Resource",))]
