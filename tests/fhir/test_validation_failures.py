"""Each kind of fault the validator catches, with the exact FHIRPath location it reports."""

from __future__ import annotations

from typing import Any

import pytest

from benhan.fhir.errors import Issue
from benhan.fhir.validation import validate_resource

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "bn-001",
    "name": [{"family": "Nguyễn", "given": ["Thị", "Minh Khai"]}],
    "gender": "female",
    "birthDate": "1987-03-14",
}
OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}], "text": "Mạch"},
    "subject": {"reference": "Patient/bn-001"},
    "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
}


def located(resource: Any) -> list[str]:
    """Where each issue is, in the order found."""
    return [path for issue in validate_resource(resource) for path in issue.expression]


def only_issue(resource: Any) -> Issue:
    issues = validate_resource(resource)
    assert len(issues) == 1, issues
    return issues[0]


def test_valid_patient_and_observation_have_no_issues() -> None:
    assert validate_resource(PATIENT) == []
    assert validate_resource(OBSERVATION) == []


def test_vietnamese_text_with_no_break_spaces_is_a_valid_string() -> None:
    patient = {**PATIENT, "address": [{"text": "Số 5,\u00a0phường Hòa Khánh, Đà Nẵng", "city": "Đà Nẵng"}]}
    assert validate_resource(patient) == []


def test_a_gender_outside_the_required_value_set_is_rejected_at_patient_gender() -> None:
    issue = only_issue({**PATIENT, "gender": "nam"})
    assert issue.code == "code-invalid"
    assert issue.expression == ("Patient.gender",)
    assert "male, other, unknown" in issue.diagnostics


def test_a_missing_resource_type_is_rejected() -> None:
    issue = only_issue({"id": "x", "gender": "male"})
    assert issue.expression == ("Resource",)
    assert "resourceType" in issue.diagnostics


def test_an_unknown_resource_type_is_rejected() -> None:
    issue = only_issue({"resourceType": "BenhNhan"})
    assert issue.expression == ("Resource",)
    assert "'BenhNhan' is not an R4 resource type" in issue.diagnostics


def test_a_resource_that_is_not_an_object_is_rejected() -> None:
    assert located(["Patient"]) == ["Resource"]


def test_an_r5_only_resource_type_is_unknown_in_r4() -> None:
    assert located({"resourceType": "ActorDefinition"}) == ["Resource"]


def test_an_unknown_element_is_rejected_where_it_appears() -> None:
    patient = {**PATIENT, "name": [{"family": "Trần", "middle": "Văn"}], "nickname": "Tí"}
    assert sorted(located(patient)) == ["Patient.name[0].middle", "Patient.nickname"]


def test_a_choice_type_outside_its_allowed_types_is_an_unknown_element() -> None:
    observation = {k: v for k, v in OBSERVATION.items() if k != "valueQuantity"}
    issue = only_issue({**observation, "valueAddress": {"city": "Huế"}})
    assert issue.expression == ("Observation.valueAddress",)
    assert "value[x] does not allow this type" in issue.diagnostics


def test_two_types_of_one_choice_element_are_rejected() -> None:
    issue = only_issue({**OBSERVATION, "valueString": "72"})
    assert issue.expression == ("Observation.value",)


def test_errors_inside_a_choice_type_are_located_with_of_type() -> None:
    observation = {**OBSERVATION, "valueQuantity": {"value": "72", "unit": "/min"}}
    assert located(observation) == ["Observation.value.ofType(Quantity).value"]


def test_a_string_where_a_boolean_is_expected_is_rejected() -> None:
    issue = only_issue({**PATIENT, "active": "true"})
    assert issue.expression == ("Patient.active",)
    assert "boolean" in issue.diagnostics


def test_a_number_where_a_string_is_expected_is_rejected() -> None:
    assert located({**PATIENT, "name": [{"family": 12}]}) == ["Patient.name[0].family"]


def test_a_boolean_is_not_an_integer() -> None:
    assert located({**PATIENT, "multipleBirthInteger": True}) == ["Patient.multipleBirth.ofType(integer)"]


def test_an_object_where_a_primitive_is_expected_is_rejected() -> None:
    assert located({**PATIENT, "birthDate": {"value": "1987-03-14"}}) == ["Patient.birthDate"]


def test_a_primitive_where_an_object_is_expected_is_rejected() -> None:
    assert located({**OBSERVATION, "code": "8867-4"}) == ["Observation.code"]


def test_an_array_where_a_single_value_is_expected_is_rejected() -> None:
    issue = only_issue({**PATIENT, "gender": ["female"]})
    assert issue.expression == ("Patient.gender",)
    assert "single value" in issue.diagnostics


def test_a_single_value_where_an_array_is_expected_is_rejected() -> None:
    issue = only_issue({**PATIENT, "name": {"family": "Lê"}})
    assert issue.expression == ("Patient.name",)
    assert "array" in issue.diagnostics


def test_an_observation_without_status_and_code_violates_minimum_cardinality() -> None:
    observation = {k: v for k, v in OBSERVATION.items() if k not in ("status", "code")}
    issues = validate_resource(observation)
    assert [(i.code, i.expression) for i in issues] == [
        ("required", ("Observation.status",)), ("required", ("Observation.code",))]


def test_a_required_choice_is_satisfied_by_any_of_its_types() -> None:
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
               "subject": {"reference": "Patient/bn-001"}}
    assert located(request) == ["MedicationRequest.medication"]
    assert validate_resource({**request, "medicationCodeableConcept": {"text": "Paracetamol 500mg"}}) == []


def test_a_required_primitive_carried_only_by_an_extension_satisfies_cardinality() -> None:
    absent = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                             "valueCode": "unknown"}]}
    observation = {k: v for k, v in OBSERVATION.items() if k != "status"} | {"_status": absent}
    assert validate_resource(observation) == []


def test_a_maximum_cardinality_above_one_is_enforced() -> None:
    timing = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
    dosage = {"timing": timing, "text": "1 viên mỗi ngày"}
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
               "subject": {"reference": "Patient/bn-001"}, "medicationCodeableConcept": {"text": "Amlodipin"},
               "dosageInstruction": [dosage]}
    assert validate_resource(request) == []
    # Nested backbone elements of data types are walked too: Timing.repeat.dayOfWeek is a code.
    dosage["timing"] = {"repeat": {"dayOfWeek": ["mon", "thứ hai"]}}
    assert located(request) == ["MedicationRequest.dosageInstruction[0].timing.repeat.dayOfWeek[1]"]


@pytest.mark.parametrize("birth_date", ["14/03/1987", "1987-3-14", "1987-02-30", "1987-03-14T10:00:00Z", ""])
def test_a_badly_formatted_date_is_rejected(birth_date: str) -> None:
    issue = only_issue({**PATIENT, "birthDate": birth_date})
    assert issue.code == "value"
    assert issue.expression == ("Patient.birthDate",)


@pytest.mark.parametrize("birth_date", ["1987", "1987-03", "2000-02-29"])
def test_partial_dates_and_leap_days_are_valid_dates(birth_date: str) -> None:
    assert validate_resource({**PATIENT, "birthDate": birth_date}) == []


@pytest.mark.parametrize(("element", "value"), [
    ("effectiveDateTime", "2024-05-01T08:30:00"),  # a time needs a time zone
    ("effectiveDateTime", "2024-05-01 08:30:00+07:00"),
    ("issued", "2024-05-01"),  # an instant needs a time
    ("valueTime", "8:30"),
    ("valueInteger", 2**31),
    ("valueInteger", 1.5),
    ("valueString", "  \f "),
])
def test_badly_formatted_primitives_are_rejected(element: str, value: Any) -> None:
    observation = {k: v for k, v in OBSERVATION.items() if k != "valueQuantity"} | {element: value}
    assert len(located(observation)) == 1


def test_a_decimal_must_be_a_json_number() -> None:
    observation = {**OBSERVATION, "valueQuantity": {"value": "72.5"}}
    assert located(observation) == ["Observation.value.ofType(Quantity).value"]


def test_a_positive_int_of_zero_is_rejected() -> None:
    encounter = {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"},
                 "diagnosis": [{"condition": {"reference": "Condition/c1"}, "rank": 0}]}
    assert located(encounter) == ["Encounter.diagnosis[0].rank"]


def test_invalid_base64_is_rejected() -> None:
    binary = {"resourceType": "Binary", "contentType": "text/plain", "data": "not base64!"}
    assert located(binary) == ["Binary.data"]
    assert validate_resource({**binary, "data": "WGluIGNow6Bv"}) == []


@pytest.mark.parametrize("bad_id", ["bn_001", "a" * 65, "bệnh-nhân", ""])
def test_a_bad_resource_id_is_rejected(bad_id: str) -> None:
    issue = only_issue({**PATIENT, "id": bad_id})
    assert issue.expression == ("Patient.id",)


def test_an_element_id_inside_a_data_type_may_be_any_string() -> None:
    assert validate_resource({**PATIENT, "name": [{"id": "tên_chính", "family": "Phạm"}]}) == []


def test_a_reference_to_a_wrong_target_type_is_rejected() -> None:
    issue = only_issue({**OBSERVATION, "subject": {"reference": "Medication/m1"}})
    assert issue.expression == ("Observation.subject.reference",)
    assert "Medication" in issue.diagnostics and "Patient" in issue.diagnostics


def test_a_reference_type_outside_the_targets_is_rejected() -> None:
    subject = {"type": "Medication", "identifier": {"value": "m1"}}
    assert located({**OBSERVATION, "subject": subject}) == ["Observation.subject.type"]
    subject["type"] = "http://hl7.org/fhir/StructureDefinition/Patient"
    assert validate_resource({**OBSERVATION, "subject": subject}) == []


@pytest.mark.parametrize("reference", [
    "Patient/bn-001", "Patient/bn-001/_history/3", "https://fhir.benhan.vn/fhir/Patient/bn-001",
    "urn:uuid:0d1e7a52-7f3c-4c47-9a51-2f0e8d7e2a11", "Patient?identifier=https://benhan.vn/cccd|001087000123",
])
def test_reference_forms_that_name_an_allowed_type_are_accepted(reference: str) -> None:
    assert validate_resource({**OBSERVATION, "subject": {"reference": reference}}) == []


@pytest.mark.parametrize("reference", [
    "https://fhir.benhan.vn/fhir/Medication/m1", "Medication/m1/_history/1", "Medication?code=123"])
def test_reference_forms_that_name_a_wrong_type_are_rejected(reference: str) -> None:
    assert located({**OBSERVATION, "subject": {"reference": reference}}) == ["Observation.subject.reference"]


@pytest.mark.parametrize("reference", ["Patient/bn 001", "BenhNhan/1", "bn-001", "urn:uuid:ABC", "urn:oid:1.2.03"])
def test_malformed_references_are_rejected(reference: str) -> None:
    assert located({**OBSERVATION, "subject": {"reference": reference}}) == ["Observation.subject.reference"]


def test_an_empty_object_violates_ele_1() -> None:
    issue = only_issue({**PATIENT, "name": [{}]})
    assert issue.expression == ("Patient.name[0]",)
    assert issue.diagnostics.startswith("ele-1")


def test_an_object_with_only_an_id_violates_ele_1() -> None:
    assert located({**OBSERVATION, "code": {"id": "c"}}) == ["Observation.code"]


def test_an_empty_array_violates_ele_1() -> None:
    assert located({**PATIENT, "identifier": []}) == ["Patient.identifier"]


def test_null_is_not_a_value() -> None:
    assert located({**PATIENT, "gender": None}) == ["Patient.gender"]


def test_primitive_extensions_are_validated_at_the_primitive() -> None:
    patient = {**PATIENT, "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                                        "valueDateTime": "1987-03-14T07:10:00+07:00"}]}}
    assert validate_resource(patient) == []
    patient["_birthDate"] = {"extension": [{"valueDateTime": "1987-03-14"}]}
    assert located(patient) == ["Patient.birthDate.extension[0].url"]


def test_primitive_extensions_in_arrays_line_up_with_the_values() -> None:
    ext = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier",
                          "valueCode": "CL"}]}
    patient = {**PATIENT, "name": [{"given": ["Minh", None], "_given": [None, ext]}]}
    assert validate_resource(patient) == []
    patient["name"] = [{"given": ["Minh", None]}]
    assert located(patient) == ["Patient.name[0].given[1]"]
    patient["name"] = [{"given": ["Minh"], "_given": [None, {"extension": [{"url": 5, "valueCode": "CL"}]}]}]
    assert sorted(located(patient)) == ["Patient.name[0].given", "Patient.name[0].given[1].extension[0].url"]


def test_an_underscore_element_for_a_complex_type_is_unknown() -> None:
    assert located({**PATIENT, "_name": [{"id": "x"}]}) == ["Patient._name"]


def test_an_extension_with_both_value_and_extensions_violates_ext_1() -> None:
    both = {"url": "https://benhan.vn/fhir/dan-toc", "valueString": "Kinh",
            "extension": [{"url": "ma", "valueCode": "01"}]}
    issue = only_issue({**PATIENT, "extension": [both]})
    assert issue.expression == ("Patient.extension[0]",)
    assert issue.diagnostics.startswith("ext-1")


def test_an_extension_without_url_is_rejected() -> None:
    assert located({**PATIENT, "modifierExtension": [{"valueBoolean": True}]}) == ["Patient.modifierExtension[0].url"]


def test_an_extension_value_of_a_type_outside_the_r4_list_is_unknown() -> None:
    ext = {"url": "https://benhan.vn/fhir/x", "valueInteger64": "1"}
    assert located({**PATIENT, "extension": [ext]}) == ["Patient.extension[0].valueInteger64"]


def test_errors_in_a_contained_resource_are_located_inside_contained() -> None:
    practitioner = {"resourceType": "Practitioner", "id": "bs1", "gender": "nữ", "name": [{"family": "Đỗ"}]}
    patient = {**PATIENT, "contained": [practitioner], "generalPractitioner": [{"reference": "#bs1"}]}
    issue = only_issue(patient)
    assert issue.expression == ("Patient.contained[0].gender",)


def test_a_contained_resource_is_validated_by_its_own_type() -> None:
    medication = {"resourceType": "Medication", "id": "m1", "status": "active", "gender": "male"}
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "contained": [medication],
               "medicationReference": {"reference": "#m1"}, "subject": {"reference": "Patient/bn-001"}}
    assert located(request) == ["MedicationRequest.contained[0].gender"]


def test_a_contained_resource_without_resource_type_is_located_at_its_index() -> None:
    patient = {**PATIENT, "contained": [{"id": "x"}]}
    assert located(patient) == ["Patient.contained[0]"]


def test_a_local_reference_to_a_missing_contained_resource_violates_ref_1() -> None:
    assert located({**PATIENT, "managingOrganization": {"reference": "#org"}}) == [
        "Patient.managingOrganization.reference"]


def test_a_local_reference_to_a_contained_resource_of_the_wrong_type_is_rejected() -> None:
    org = {"resourceType": "Practitioner", "id": "org", "name": [{"family": "Võ"}]}
    patient = {**PATIENT, "contained": [org], "managingOrganization": {"reference": "#org"}}
    issue = only_issue(patient)
    assert issue.expression == ("Patient.managingOrganization.reference",)
    assert "Practitioner" in issue.diagnostics


def test_an_unreferenced_contained_resource_violates_dom_3() -> None:
    org = {"resourceType": "Organization", "id": "org", "name": "Trạm Y tế xã"}
    issue = only_issue({**PATIENT, "contained": [org]})
    assert issue.expression == ("Patient.contained[0]",)
    assert issue.diagnostics.startswith("dom-3")


def test_a_contained_resource_that_refers_to_its_container_satisfies_dom_3() -> None:
    provenance = {"resourceType": "Provenance", "id": "p", "target": [{"reference": "#"}],
                  "recorded": "2024-05-01T08:00:00+07:00", "agent": [{"who": {"display": "BS. Lan"}}]}
    assert validate_resource({**PATIENT, "contained": [provenance]}) == []


def test_nested_contained_resources_and_contained_meta_violate_dom_2_and_dom_4() -> None:
    inner = {"resourceType": "Organization", "id": "in", "name": "B"}
    org = {"resourceType": "Organization", "id": "org", "name": "A", "meta": {"versionId": "2"},
           "contained": [inner]}
    patient = {**PATIENT, "contained": [org], "managingOrganization": {"reference": "#org"}}
    messages = {i.diagnostics[:5]: i.expression for i in validate_resource(patient)}
    assert messages["dom-2"] == ("Patient.contained[0].contained",)
    assert messages["dom-4"] == ("Patient.contained[0].meta",)


def test_bundle_entries_are_validated_by_their_own_type() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": PATIENT}, {"resource": {**OBSERVATION, "status": "xong"}}]}
    assert located(bundle) == ["Bundle.entry[1].resource.status"]


def test_bundle_references_by_full_url_are_checked_against_the_entry_type() -> None:
    org_url = "urn:uuid:4c1f3f2e-2e6b-4f7e-8e0b-0c1d2e3f4a5b"
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": org_url, "resource": {"resourceType": "Organization", "name": "BV Đa khoa"},
         "request": {"method": "POST", "url": "Organization"}},
        {"resource": {**OBSERVATION, "subject": {"reference": org_url}},
         "request": {"method": "POST", "url": "Observation"}}]}
    assert located(bundle) == ["Bundle.entry[1].resource.subject.reference"]


def test_a_transaction_entry_without_request_violates_bdl_3() -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": PATIENT}]}
    assert located(bundle) == ["Bundle.entry[0]"]


def test_a_document_bundle_must_start_with_a_composition() -> None:
    bundle = {"resourceType": "Bundle", "type": "document", "identifier": {"system": "https://benhan.vn/fhir/document", "value": "1"},
              "timestamp": "2024-05-01T08:00:00+07:00", "entry": [{"resource": PATIENT}]}
    assert located(bundle) == ["Bundle.entry[0]"]


def test_a_document_bundle_needs_an_identifier_and_a_timestamp() -> None:
    composition = {"resourceType": "Composition", "status": "final", "type": {"text": "Giấy ra viện"},
                   "date": "2024-05-01", "author": [{"display": "BS. Lan"}], "title": "Giấy ra viện"}
    bundle = {"resourceType": "Bundle", "type": "document", "entry": [{"resource": composition}]}
    keys = [i.diagnostics.split(":")[0] for i in validate_resource(bundle)]
    assert keys == ["bdl-9", "bdl-10"]


def test_a_full_url_twice_in_a_bundle_violates_bdl_7() -> None:
    url = "urn:uuid:4c1f3f2e-2e6b-4f7e-8e0b-0c1d2e3f4a5b"
    entry = {"fullUrl": url, "resource": PATIENT}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [entry, entry]}
    assert located(bundle) == ["Bundle.entry[1].fullUrl"]


def test_a_period_that_ends_before_it_starts_violates_per_1() -> None:
    encounter = {"resourceType": "Encounter", "status": "finished", "class": {"code": "IMP"},
                 "period": {"start": "2024-05-02T08:00:00+07:00", "end": "2024-05-02T07:00:00+07:00"}}
    assert located(encounter) == ["Encounter.period"]
    encounter["period"] = {"start": "2024-05-02T08:00:00+07:00", "end": "2024-05-02T02:00:00Z"}
    assert validate_resource(encounter) == []


def test_a_quantity_with_a_unit_code_but_no_system_violates_qty_3() -> None:
    observation = {**OBSERVATION, "valueQuantity": {"value": 72, "code": "/min"}}
    assert located(observation) == ["Observation.value.ofType(Quantity)"]


def test_data_absent_reason_with_a_value_violates_obs_6() -> None:
    observation = {**OBSERVATION, "dataAbsentReason": {"text": "máy hỏng"}}
    assert located(observation) == ["Observation"]


def test_a_required_codeable_concept_binding_needs_a_code_from_the_value_set() -> None:
    condition = {"resourceType": "Condition", "subject": {"reference": "Patient/bn-001"},
                 "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                "code": "active"}]}}
    assert validate_resource(condition) == []
    condition["clinicalStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                               "code": "dang-dieu-tri"}]}
    assert located(condition) == ["Condition.clinicalStatus"]


def narrative(div: str) -> dict[str, Any]:
    return {**PATIENT, "text": {"status": "generated", "div": div}}


def test_a_narrative_in_xhtml_with_vietnamese_text_is_valid() -> None:
    div = ('<div xmlns="http://www.w3.org/1999/xhtml"><p>Bệnh nhân <b>nữ</b>, 37&#160;tuổi</p>'
           '<table border="1"><tr><td colspan="2"><a href="https://benhan.vn">Hồ sơ</a></td></tr></table></div>')
    assert validate_resource(narrative(div)) == []


@pytest.mark.parametrize(("div", "reason"), [
    ("Bệnh nhân nữ", "not well-formed"),
    ("<div>Bệnh nhân nữ</div>", "xmlns"),
    ('<div xmlns="http://www.w3.org/1999/xhtml"><p>Bệnh nhân nữ</div>', "not well-formed"),
    ('<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script>Nữ</div>', "<script>"),
    ('<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="alert(1)">Nữ</p></div>', "onclick"),
    ('<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">Nữ</a></div>', "script"),
    ('<div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://x.vn"/>Nữ</div>', "<iframe>"),
    ('<div xmlns="http://www.w3.org/1999/xhtml">  <p> </p> </div>', "txt-2"),
])
def test_a_narrative_that_is_not_safe_r4_xhtml_is_rejected(div: str, reason: str) -> None:
    issue = only_issue(narrative(div))
    assert issue.expression == ("Patient.text.div",)
    assert reason in issue.diagnostics


def test_recursive_backbone_elements_are_validated_at_every_depth() -> None:
    questionnaire = {"resourceType": "Questionnaire", "status": "active", "item": [
        {"linkId": "1", "type": "group", "item": [{"linkId": "1.1", "type": "boolean"}, {"type": "string"}]}]}
    assert located(questionnaire) == ["Questionnaire.item[0].item[1].linkId"]


def test_a_core_extension_with_the_wrong_value_type_is_rejected() -> None:
    birth_time = {"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime", "valueDate": "1987-03-14"}
    patient = {**PATIENT, "_birthDate": {"extension": [birth_time]}}
    issue = only_issue(patient)
    assert issue.expression == ("Patient.birthDate.extension[0].value.ofType(date)",)
    assert "valueDateTime" in issue.diagnostics


def test_a_part_of_a_complex_core_extension_with_the_wrong_value_type_is_rejected() -> None:
    nationality = {"url": "http://hl7.org/fhir/StructureDefinition/patient-nationality",
                   "extension": [{"url": "code", "valueString": "VN"}]}
    assert located({**PATIENT, "extension": [nationality]}) == [
        "Patient.extension[0].extension[0].value.ofType(string)"]
    nationality["extension"] = [{"url": "code", "valueCodeableConcept": {"text": "Việt Nam"}}]
    assert validate_resource({**PATIENT, "extension": [nationality]}) == []


def test_a_complex_core_extension_cannot_carry_a_value() -> None:
    nationality = {"url": "http://hl7.org/fhir/StructureDefinition/patient-nationality", "valueString": "VN"}
    assert located({**PATIENT, "extension": [nationality]}) == ["Patient.extension[0].value.ofType(string)"]


def test_a_data_absent_reason_must_come_from_its_required_value_set() -> None:
    absent = {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "khong-ro"}
    patient = {k: v for k, v in PATIENT.items() if k != "gender"} | {"_gender": {"extension": [absent]}}
    assert located(patient) == ["Patient.gender.extension[0].value.ofType(code)"]
    absent["valueCode"] = "asked-declined"
    assert validate_resource(patient) == []


def test_extensions_the_package_does_not_define_are_checked_only_structurally() -> None:
    ethnic_group = {"url": "https://benhan.vn/fhir/StructureDefinition/dan-toc",
                    "valueCoding": {"system": "https://benhan.vn/fhir/CodeSystem/dan-toc", "code": "01",
                                    "display": "Kinh"}}
    assert validate_resource({**PATIENT, "extension": [ethnic_group]}) == []


def test_a_bundle_whose_type_is_not_a_string_is_reported_not_crashed_on() -> None:
    from benhan.fhir.validation import validate_resource

    issues = validate_resource({"resourceType": "Bundle", "type": ["transaction"],
                                "entry": [{"request": {"method": "GET", "url": "Patient"}}]})
    assert any(i.expression and i.expression[0].startswith("Bundle.type") for i in issues)
