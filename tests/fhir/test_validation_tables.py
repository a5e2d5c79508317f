"""The generated tables: what they expose, and that the committed artefact is what the script makes."""

from __future__ import annotations

from pathlib import Path

from benhan.fhir.validation import element_info, element_type, resource_types
from benhan.fhir.validation.tables import ARTEFACT, tables
from tests.conftest import generator_output

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "build" / "fhir-r4" / "package"


def test_resource_types_are_the_146_concrete_r4_types() -> None:
    types = resource_types()
    assert len(types) == 146
    assert {"Patient", "Observation", "Bundle", "Parameters", "Binary", "MedicinalProduct"} <= types
    assert not {"Resource", "DomainResource", "MetadataResource"} & types


def test_element_type_follows_paths_through_data_types() -> None:
    assert element_type("Patient.birthDate") == "date"
    assert element_type("Observation.code.coding.system") == "uri"
    assert element_type("Patient.contact") == "BackboneElement"
    assert element_type("Patient.nickname") is None


def test_element_info_describes_choices_bindings_and_targets() -> None:
    value = element_info("Observation.value")
    assert value is not None and value.types[:2] == ("Quantity", "CodeableConcept") and value.max == 1
    assert element_type("Observation.valueQuantity") == "Quantity"
    gender = element_info("Patient.gender")
    assert gender is not None and gender.codes == {"male", "female", "other", "unknown"}
    subject = element_info("Observation.subject")
    assert subject is not None and subject.targets == {"Patient", "Group", "Device", "Location"}
    name = element_info("Patient.name")
    assert name is not None and (name.min, name.max) == (0, None)


def test_element_info_follows_content_references() -> None:
    assert element_type("Questionnaire.item.item.item.linkId") == "string"


def test_value_sets_that_the_package_cannot_expand_are_recorded() -> None:
    assert "http://hl7.org/fhir/ValueSet/ucum-units" in tables().unexpanded
    assert len(tables().unexpanded) < 10


def test_the_committed_artefact_is_what_the_generator_makes(tmp_path: Path) -> None:
    made = generator_output("gen_validation_tables", tmp_path / "validation.json.gz")
    assert made == ARTEFACT.read_bytes(), "run: python scripts/gen_validation_tables.py"
