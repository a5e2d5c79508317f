"""Token :in/:not-in and :below/:above, answered from ValueSets and CodeSystems stored in the server."""

from __future__ import annotations

from typing import Any

import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository

from .conftest import Find

ICD = "http://benhan.vn/fhir/CodeSystem/icd10-vn"
LOINC = "http://loinc.org"


def _code_system(repo: Repository) -> None:
    """A small ICD-10 hierarchy: chapter I (tuần hoàn) > I10 (tăng huyết áp), I20 > I20.0; J (hô hấp) > J18."""
    repo.create({
        "resourceType": "CodeSystem", "url": ICD, "status": "active", "content": "complete",
        "hierarchyMeaning": "is-a",
        "concept": [
            {"code": "I", "display": "Bệnh hệ tuần hoàn", "concept": [
                {"code": "I10", "display": "Tăng huyết áp vô căn"},
                {"code": "I20", "display": "Cơn đau thắt ngực", "concept": [
                    {"code": "I20.0", "display": "Cơn đau thắt ngực không ổn định"}]},
            ]},
            {"code": "J", "display": "Bệnh hệ hô hấp", "concept": [{"code": "J18", "display": "Viêm phổi"}]},
            {"code": "J18.9", "display": "Viêm phổi, không đặc hiệu",
             "property": [{"code": "parent", "valueCode": "J18"}]},
        ],
    })


def _condition(repo: Repository, code: str, system: str = ICD) -> str:
    return repo.create({"resourceType": "Condition", "subject": {"reference": "Patient/p"},
                        "code": {"coding": [{"system": system, "code": code}]}}).id


def _value_set(repo: Repository, url: str, compose: dict[str, Any] | None = None, **extra: Any) -> str:
    body: dict[str, Any] = {"resourceType": "ValueSet", "url": url, "status": "active", **extra}
    if compose is not None:
        body["compose"] = compose
    return repo.create(body).id


@pytest.fixture
def conditions(repo: Repository) -> dict[str, str]:
    _code_system(repo)
    return {code: _condition(repo, code) for code in ("I10", "I20", "I20.0", "J18", "J18.9")}


def test_below_is_the_code_and_its_descendants(repo: Repository, find: Find, conditions: dict[str, str]) -> None:
    assert sorted(find("Condition", f"code:below={ICD}|I")) == sorted(conditions[c] for c in ("I10", "I20", "I20.0"))
    assert sorted(find("Condition", f"code:below={ICD}|I20")) == sorted(conditions[c] for c in ("I20", "I20.0"))
    # The parent property counts as hierarchy too.
    assert sorted(find("Condition", f"code:below={ICD}|J")) == sorted(conditions[c] for c in ("J18", "J18.9"))


def test_above_is_the_code_and_its_ancestors(repo: Repository, find: Find, conditions: dict[str, str]) -> None:
    chapter = _condition(repo, "I")
    assert sorted(find("Condition", f"code:above={ICD}|I20.0")) == sorted([conditions["I20"], conditions["I20.0"], chapter])
    assert find("Condition", f"code:above={ICD}|J18.9") == [conditions["J18"], conditions["J18.9"]]


def test_below_needs_a_stored_code_system_and_a_known_code(repo: Repository, find: Find,
                                                           conditions: dict[str, str]) -> None:
    for query in (f"code:below={LOINC}|8867-4", f"code:below={ICD}|Z99", "code:below=I10"):
        with pytest.raises(FhirError) as exc:
            find("Condition", query)
        assert exc.value.status == 400 and exc.value.issues[0].expression == ("code:below",)


def test_in_with_explicit_concepts(repo: Repository, find: Find, conditions: dict[str, str]) -> None:
    url = "http://benhan.vn/fhir/ValueSet/benh-man-tinh"  # bệnh mạn tính
    _value_set(repo, url, {"include": [{"system": ICD, "concept": [{"code": "I10"}, {"code": "J18.9"}]}]})
    assert sorted(find("Condition", f"code:in={url}")) == sorted([conditions["I10"], conditions["J18.9"]])
    other = set(conditions.values()) - {conditions["I10"], conditions["J18.9"]}
    assert sorted(find("Condition", f"code:not-in={url}")) == sorted(other)


def test_in_with_a_whole_code_system_filters_and_excludes(repo: Repository, find: Find,
                                                         conditions: dict[str, str]) -> None:
    _condition(repo, "I10", system=LOINC)  # same code, other system: never in
    _value_set(repo, "http://vs/all", {"include": [{"system": ICD}]})
    _value_set(repo, "http://vs/tuan-hoan", {"include": [{"system": ICD, "filter": [
        {"property": "concept", "op": "is-a", "value": "I"}]}], "exclude": [{"system": ICD, "concept": [{"code": "I10"}]}]})
    _value_set(repo, "http://vs/duoi-I20", {"include": [{"system": ICD, "filter": [
        {"property": "concept", "op": "descendent-of", "value": "I20"}]}]})
    assert sorted(find("Condition", "code:in=http://vs/all")) == sorted(conditions.values())
    assert sorted(find("Condition", "code:in=http://vs/tuan-hoan")) == sorted([conditions["I20"], conditions["I20.0"]])
    assert find("Condition", "code:in=http://vs/duoi-I20") == [conditions["I20.0"]]


def test_in_imports_value_sets_and_reads_stored_expansions(repo: Repository, find: Find,
                                                           conditions: dict[str, str]) -> None:
    _value_set(repo, "http://vs/expanded", expansion={"timestamp": "2025-01-01T00:00:00+07:00", "contains": [
        {"system": ICD, "code": "J18"}, {"system": ICD, "code": "I10"}]})
    _value_set(repo, "http://vs/ho-hap", {"include": [{"system": ICD, "filter": [
        {"property": "concept", "op": "is-a", "value": "J"}]}]})
    _value_set(repo, "http://vs/both", {"include": [{"valueSet": ["http://vs/expanded", "http://vs/ho-hap"]}]})
    assert sorted(find("Condition", "code:in=http://vs/expanded")) == sorted([conditions["J18"], conditions["I10"]])
    assert find("Condition", "code:in=http://vs/both") == [conditions["J18"]]  # the intersection
    vid = _value_set(repo, "http://vs/by-id", {"include": [{"system": ICD, "concept": [{"code": "I20"}]}]})
    assert find("Condition", f"code:in=ValueSet/{vid}") == [conditions["I20"]]


def test_in_picks_the_asked_version(repo: Repository, find: Find, conditions: dict[str, str]) -> None:
    _value_set(repo, "http://vs/v", {"include": [{"system": ICD, "concept": [{"code": "I10"}]}]}, version="1")
    _value_set(repo, "http://vs/v", {"include": [{"system": ICD, "concept": [{"code": "J18"}]}]}, version="2")
    assert find("Condition", "code:in=http://vs/v|1") == [conditions["I10"]]
    assert find("Condition", "code:in=http://vs/v|2") == [conditions["J18"]]


def test_in_refuses_what_it_cannot_expand(repo: Repository, find: Find, conditions: dict[str, str]) -> None:
    _value_set(repo, "http://vs/regex", {"include": [{"system": ICD, "filter": [
        {"property": "display", "op": "regex", "value": "Viêm.*"}]}]})
    _value_set(repo, "http://vs/unknown-system", {"include": [{"system": "http://snomed.info/sct"}]})
    for url in ("http://vs/regex", "http://vs/unknown-system", "http://vs/missing"):
        with pytest.raises(FhirError) as exc:
            find("Condition", f"code:in={url}")
        assert exc.value.status == 400 and exc.value.issues[0].expression == ("code:in",)


def test_value_sets_of_other_facilities_are_not_used(repo: Repository, find: Find, make_actor: Any,
                                                     conditions: dict[str, str]) -> None:
    other = Repository(make_actor(facilities={"00002"}), "00002")
    _value_set(other, "http://vs/private", {"include": [{"system": ICD, "concept": [{"code": "I10"}]}]})
    mine = Repository(make_actor(facilities={"00001"}), "00001")
    with pytest.raises(FhirError):
        find("Condition", "code:in=http://vs/private", mine)
