"""Real data validates clean: every Synthea resource and the official R4 examples.

The examples need the FHIR package in build/ (scripts/fetch_fhir_package.sh); without it those
tests are skipped. The few official examples that break R4 rules are listed with their faults, so
a validator that stopped seeing them would fail here too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from benhan.fhir.validation import validate_resource
from tests.conftest import ensure_fhir_package
from tests.shared_data import SYNTHEA

PACKAGE = Path(__file__).resolve().parents[2] / "build" / "fhir-r4" / "package"
# Definitions and terminology are not examples (and the whole-spec bundles repeat them).
NOT_EXAMPLES = re.compile(
    r"(StructureDefinition|ValueSet|CodeSystem|SearchParameter|ConceptMap|OperationDefinition|"
    r"CompartmentDefinition|CapabilityStatement|ImplementationGuide|NamingSystem|StructureMap)-|"
    r"package\.json|ig-r4\.json|"
    r"Bundle-(resources|profiles-.*|types|valuesets|conceptmaps|dataelements|extensions|searchParams|v2-tables|v3-codesystems)\.json")
# Official examples that violate R4 itself, with where: each is a real fault in the published spec.
SPEC_FAULTS = {
    # DeviceMetric.parent is Reference(Device)
    "DeviceMetric-example.json": ["DeviceMetric.parent.reference"],
    # reasonReference allows Condition | Observation | DiagnosticReport | DocumentReference | Media
    "DeviceUseStatement-example.json": ["DeviceUseStatement.reasonReference[0].reference"],
    # dispenseRequest.performer is Reference(Organization)
    "MedicationRequest-medrx0301.json": ["MedicationRequest.dispenseRequest.performer.reference"],
    # Observation.performer cannot be an Encounter
    "Observation-clinical-gender.json": ["Observation.performer[0].reference"],
    # two canonical '#id' links to contained resources the example does not contain
    "PlanDefinition-example-cardiology-os.json": [
        "PlanDefinition.contained[11].item[0].answerValueSet",
        "PlanDefinition.action[0].action[1].action[1].action[2].definition.ofType(canonical)"],
    # txt-2: a narrative with no text
    "ActivityDefinition-blood-tubes-supply.json": ["ActivityDefinition.text.div"],
    "ActivityDefinition-heart-valve-replacement.json": ["ActivityDefinition.text.div"],
    "EventDefinition-example.json": ["EventDefinition.text.div"],
    "Questionnaire-zika-virus-exposure-assessment.json": ["Questionnaire.text.div"],
    # Questionnaire.item.linkId is 1..1; 32 nested items of this example have none
    "Questionnaire-qs1.json": ["linkId"] * 32,
}


def synthea_bundles() -> list[dict[str, Any]]:
    return _read_synthea()


@functools.cache
def _read_synthea() -> list[dict[str, Any]]:
    # Parsed once for both tests; validation never modifies what it reads.
    return [orjson.loads(f.read_bytes()) for f in sorted(SYNTHEA.glob("*.json"))]


def official_examples() -> Iterator[tuple[str, Any]]:
    ensure_fhir_package()
    for f in sorted(PACKAGE.glob("*.json")):
        if not NOT_EXAMPLES.match(f.name):
            yield f.name, orjson.loads(f.read_bytes())


def test_every_synthea_resource_validates_clean_on_its_own() -> None:
    problems: list[str] = []
    count = 0
    for bundle in synthea_bundles():
        for entry in bundle["entry"]:
            count += 1
            for issue in validate_resource(entry["resource"]):
                problems.append(f"{entry['fullUrl']}: {issue.expression} {issue.diagnostics}")
    assert count == 12041
    assert problems == []


def test_every_synthea_transaction_bundle_validates_clean_as_a_whole() -> None:
    problems = [f"{i.expression} {i.diagnostics}" for b in synthea_bundles() for i in validate_resource(b)]
    assert problems == []


def test_official_examples_validate_clean_except_known_spec_faults() -> None:
    found: dict[str, list[str]] = {}
    types: set[str] = set()
    for name, resource in official_examples():
        types.add(resource["resourceType"])
        issues = validate_resource(resource)
        if issues:
            found[name] = [path for issue in issues for path in issue.expression]
    assert len(types) >= 120  # the examples cover most resource types
    linkless = found.pop("Questionnaire-qs1.json", [])
    assert [p.rsplit(".", 1)[-1] for p in linkless] == SPEC_FAULTS["Questionnaire-qs1.json"]
    assert found == {k: v for k, v in SPEC_FAULTS.items() if k != "Questionnaire-qs1.json"}


def test_several_hundred_official_examples_are_checked() -> None:
    assert sum(1 for _ in official_examples()) >= 700
