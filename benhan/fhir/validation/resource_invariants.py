"""Invariants of the clinical resources benhan writes most, checked directly in Python.

Each check receives one JSON object already walked structurally, so it only has to be defensive
about types (a wrongly typed value is reported by the walk, not here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..errors import Issue

Check = Callable[[dict[str, Any], str, list[Issue]], None]

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def fail(issues: list[Issue], key: str, text: str, path: str) -> None:
    issues.append(Issue("invariant", f"{key}: {text}", (path,)))


def _codings(concept: Any) -> list[dict[str, Any]]:
    codings = concept.get("coding") if type(concept) is dict else None
    return [c for c in codings if type(c) is dict] if type(codings) is list else []


def _has_code(concept: Any, system: str, codes: set[str]) -> bool:
    return any(c.get("system") == system and type(c.get("code")) is str and c["code"] in codes
               for c in _codings(concept))


def _has_value(obj: dict[str, Any]) -> bool:
    return any(k.startswith("value") for k in obj)


def obs_6(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "dataAbsentReason" in obj and _has_value(obj):
        fail(issues, "obs-6", "dataAbsentReason is only allowed when there is no value[x]", path)


def obs_7(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    components = obj.get("component")
    if not _has_value(obj) or type(components) is not list:
        return
    # FHIRPath intersect compares whole Coding objects, so equal dicts are what counts.
    own = _codings(obj.get("code"))
    for i, component in enumerate(components):
        if type(component) is dict and any(c in own for c in _codings(component.get("code"))):
            fail(issues, "obs-7", "an observation with a value cannot have a component with its own code",
                 f"{path}.component[{i}]")


def pat_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if not any(k in obj for k in ("name", "telecom", "address", "organization")):
        fail(issues, "pat-1", "a contact needs a name, telecom, address or organization", path)


def condition_status(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    clinical = obj.get("clinicalStatus")
    if any(k.startswith("abatement") for k in obj) and not _has_code(
            clinical, CONDITION_CLINICAL, {"resolved", "remission", "inactive"}):
        fail(issues, "con-4", "an abated condition must have clinicalStatus inactive, resolved or remission", path)
    if clinical is not None and _has_code(obj.get("verificationStatus"), CONDITION_VERIFICATION, {"entered-in-error"}):
        fail(issues, "con-5", "clinicalStatus is not allowed when verificationStatus is entered-in-error", path)


def con_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "summary" not in obj and "assessment" not in obj:
        fail(issues, "con-1", "a stage needs a summary or an assessment", path)


def con_2(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "code" not in obj and "detail" not in obj:
        fail(issues, "con-2", "evidence needs a code or a detail", path)


def allergy_status(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    in_error = _has_code(obj.get("verificationStatus"), ALLERGY_VERIFICATION, {"entered-in-error"})
    if not in_error and "clinicalStatus" not in obj:
        fail(issues, "ait-1", "clinicalStatus is required unless verificationStatus is entered-in-error", path)
    if in_error and "clinicalStatus" in obj:
        fail(issues, "ait-2", "clinicalStatus is not allowed when verificationStatus is entered-in-error", path)


def imm_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "documentType" not in obj and "reference" not in obj:
        fail(issues, "imm-1", "education needs a documentType or a reference", path)


def cpl_3(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "detail" in obj and "reference" in obj:
        fail(issues, "cpl-3", "an activity has either a detail or a reference, not both", path)


def gol_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if any(k.startswith("detail") for k in obj) and "measure" not in obj:
        fail(issues, "gol-1", "a target with a detail needs a measure", path)


def cmp_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if not any(k in obj for k in ("text", "entry", "section")):
        fail(issues, "cmp-1", "a section needs text, entries or sub-sections", path)
    if "emptyReason" in obj and "entry" in obj:
        fail(issues, "cmp-2", "emptyReason is only allowed in a section without entries", path)


def _items(items: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    if type(items) is not list:
        return
    for i, item in enumerate(items):
        if type(item) is dict:
            at = f"{path}.item[{i}]"
            yield item, at
            yield from _items(item.get("item"), at)


def que_2(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    seen: set[str] = set()
    for item, at in _items(obj.get("item"), path):
        link = item.get("linkId")
        if type(link) is str:
            if link in seen:
                fail(issues, "que-2", f"linkId '{link}' is used by more than one item", f"{at}.linkId")
            seen.add(link)


def questionnaire_item(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    kind = obj.get("type")
    if kind == "group" and "item" not in obj:
        fail(issues, "que-1", "a group item needs nested items", path)
    if kind == "display" and "item" in obj:
        fail(issues, "que-1", "a display item cannot have nested items", path)
    if "answerOption" in obj and "answerValueSet" in obj:
        fail(issues, "que-4", "give answerOption or answerValueSet, not both", path)


def qrs_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "answer" in obj and "item" in obj:
        fail(issues, "qrs-1", "an item holds either answers or nested items, not both", path)


RESOURCE_CHECKS: dict[str, tuple[Check, ...]] = {
    "Observation": (obs_6, obs_7),
    "Patient.contact": (pat_1,),
    "Condition": (condition_status,),
    "Condition.stage": (con_1,),
    "Condition.evidence": (con_2,),
    "AllergyIntolerance": (allergy_status,),
    "Immunization.education": (imm_1,),
    "CarePlan.activity": (cpl_3,),
    "Goal.target": (gol_1,),
    "Composition.section": (cmp_1,),
    "Questionnaire": (que_2,),
    "Questionnaire.item": (questionnaire_item,),
    "QuestionnaireResponse.item": (qrs_1,),
}
