"""The hand-written R4 invariants: each breach is reported with its key and location, the fix passes."""

from __future__ import annotations

from typing import Any

import pytest

from benhan.fhir.validation import validate_resource

SUBJECT = {"reference": "Patient/bn-001"}
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
XHTML_DIV = '<div xmlns="http://www.w3.org/1999/xhtml">Viêm phổi</div>'
BP = {"system": "http://loinc.org", "code": "85354-9"}


def concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def mmol(value: float) -> dict[str, Any]:
    return {"value": value, "system": "http://unitsofmeasure.org", "code": "mmol/L"}


def observation(**extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"coding": [BP]}, "subject": SUBJECT, **extra}


def request_with_timing(repeat: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": SUBJECT,
            "medicationCodeableConcept": {"text": "Metformin 500mg"},
            "dosageInstruction": [{"timing": {"repeat": repeat}}]}


TIMING = "MedicationRequest.dosageInstruction[0].timing.repeat"
# (key, bad resource, where the breach is reported, the same resource made valid)
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    ("cpt-2", {"resourceType": "Patient", "telecom": [{"value": "0905123456"}]}, "Patient.telecom[0]",
     {"resourceType": "Patient", "telecom": [{"system": "phone", "value": "0905123456"}]}),
    ("att-1", {"resourceType": "Patient", "photo": [{"data": "aGVsbG8="}]}, "Patient.photo[0]",
     {"resourceType": "Patient", "photo": [{"data": "aGVsbG8=", "contentType": "image/jpeg"}]}),
    ("rng-2", observation(valueRange={"low": mmol(9), "high": mmol(4)}), "Observation.value.ofType(Range)",
     observation(valueRange={"low": mmol(4), "high": mmol(9)})),
    ("rat-1", observation(valueRatio={"numerator": {"value": 1}}), "Observation.value.ofType(Ratio)",
     observation(valueRatio={"numerator": {"value": 1}, "denominator": {"value": 40}})),
    ("tim-1", request_with_timing({"duration": 30}), TIMING,
     request_with_timing({"duration": 30, "durationUnit": "min"})),
    ("tim-2", request_with_timing({"frequency": 2, "period": 1}), TIMING,
     request_with_timing({"frequency": 2, "period": 1, "periodUnit": "d"})),
    ("tim-5", request_with_timing({"period": -1, "periodUnit": "d"}), f"{TIMING}.period",
     request_with_timing({"period": 1, "periodUnit": "d"})),
    ("tim-9", request_with_timing({"offset": 30, "when": ["C"]}), TIMING,
     request_with_timing({"offset": 30, "when": ["ACM"]})),
    ("tim-10", request_with_timing({"timeOfDay": ["08:00:00"], "when": ["MORN"]}), TIMING,
     request_with_timing({"timeOfDay": ["08:00:00"]})),
    ("obs-7", observation(valueString="120/80", component=[{"code": {"coding": [BP]}, "valueString": "120"}]),
     "Observation.component[0]",
     observation(component=[{"code": {"coding": [BP]}, "valueString": "120"}])),
    ("pat-1", {"resourceType": "Patient", "contact": [{"gender": "female"}]}, "Patient.contact[0]",
     {"resourceType": "Patient", "contact": [{"gender": "female", "name": {"text": "Lê Thị Hoa"}}]}),
    ("con-4", {"resourceType": "Condition", "subject": SUBJECT, "abatementDateTime": "2024-01-01",
               "clinicalStatus": concept(CLINICAL, "active")}, "Condition",
     {"resourceType": "Condition", "subject": SUBJECT, "abatementDateTime": "2024-01-01",
      "clinicalStatus": concept(CLINICAL, "resolved")}),
    ("con-5", {"resourceType": "Condition", "subject": SUBJECT, "clinicalStatus": concept(CLINICAL, "active"),
               "verificationStatus": concept(VERIFICATION, "entered-in-error")}, "Condition",
     {"resourceType": "Condition", "subject": SUBJECT, "verificationStatus": concept(VERIFICATION, "entered-in-error")}),
    ("con-1", {"resourceType": "Condition", "subject": SUBJECT, "stage": [{"type": {"text": "TNM"}}]},
     "Condition.stage[0]",
     {"resourceType": "Condition", "subject": SUBJECT, "stage": [{"summary": {"text": "II"}}]}),
    ("ait-1", {"resourceType": "AllergyIntolerance", "patient": SUBJECT}, "AllergyIntolerance",
     {"resourceType": "AllergyIntolerance", "patient": SUBJECT, "clinicalStatus": concept(ALLERGY_CLINICAL, "active")}),
    ("ait-2", {"resourceType": "AllergyIntolerance", "patient": SUBJECT,
               "clinicalStatus": concept(ALLERGY_CLINICAL, "active"),
               "verificationStatus": concept(ALLERGY_VERIFICATION, "entered-in-error")}, "AllergyIntolerance",
     {"resourceType": "AllergyIntolerance", "patient": SUBJECT,
      "verificationStatus": concept(ALLERGY_VERIFICATION, "entered-in-error")}),
    ("gol-1", {"resourceType": "Goal", "lifecycleStatus": "active", "description": {"text": "HbA1c < 7%"},
               "subject": SUBJECT, "target": [{"detailQuantity": {"value": 7}}]}, "Goal.target[0]",
     {"resourceType": "Goal", "lifecycleStatus": "active", "description": {"text": "HbA1c < 7%"},
      "subject": SUBJECT, "target": [{"measure": {"text": "HbA1c"}, "detailQuantity": {"value": 7}}]}),
    ("cmp-1", {"resourceType": "Composition", "status": "final", "type": {"text": "Giấy ra viện"},
               "date": "2024-05-01", "author": [{"display": "BS. Lan"}], "title": "Giấy ra viện",
               "section": [{"title": "Chẩn đoán"}]}, "Composition.section[0]",
     {"resourceType": "Composition", "status": "final", "type": {"text": "Giấy ra viện"},
      "date": "2024-05-01", "author": [{"display": "BS. Lan"}], "title": "Giấy ra viện",
      "section": [{"title": "Chẩn đoán", "text": {"status": "generated", "div": XHTML_DIV}}]}),
    ("que-2", {"resourceType": "Questionnaire", "status": "active", "item": [
        {"linkId": "1", "type": "string"}, {"linkId": "1", "type": "boolean"}]}, "Questionnaire.item[1].linkId",
     {"resourceType": "Questionnaire", "status": "active", "item": [
         {"linkId": "1", "type": "string"}, {"linkId": "2", "type": "boolean"}]}),
    ("que-1", {"resourceType": "Questionnaire", "status": "active", "item": [{"linkId": "g", "type": "group"}]},
     "Questionnaire.item[0]",
     {"resourceType": "Questionnaire", "status": "active", "item": [
         {"linkId": "g", "type": "group", "item": [{"linkId": "g.1", "type": "string"}]}]}),
    ("qrs-1", {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "1", "answer": [{"valueString": "Có"}], "item": [{"linkId": "1.1"}]}]},
     "QuestionnaireResponse.item[0]",
     {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
         {"linkId": "1", "answer": [{"valueString": "Có", "item": [{"linkId": "1.1"}]}]}]}),
]


@pytest.mark.parametrize(("key", "bad", "where", "good"), CASES, ids=[c[0] for c in CASES])
def test_each_invariant_breach_is_reported_with_its_key_and_location(
        key: str, bad: dict[str, Any], where: str, good: dict[str, Any]) -> None:
    issues = validate_resource(bad)
    assert [(i.code, i.diagnostics.split(":")[0], i.expression) for i in issues] == [("invariant", key, (where,))]
    assert validate_resource(good) == []


def test_invariants_do_not_fail_on_wrongly_typed_values_the_walk_already_reports() -> None:
    issues = validate_resource(request_with_timing({"period": "mỗi ngày", "periodUnit": "d"}))
    assert [i.expression for i in issues] == [(f"{TIMING}.period",)]
    assert issues[0].code == "value"
