"""Date, number, quantity and uri parameters, with every prefix, implicit precision ranges and Periods."""

from __future__ import annotations

import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository

from .conftest import Find

UCUM = "http://unitsofmeasure.org"


def _born(repo: Repository, date: str) -> str:
    return repo.create({"resourceType": "Patient", "birthDate": date}).id


def test_a_year_matches_every_day_of_that_year(repo: Repository, find: Find) -> None:
    a = _born(repo, "1970-01-01")
    b = _born(repo, "1970-12-31")
    _born(repo, "1971-01-01")
    assert sorted(find("Patient", "birthdate=1970")) == sorted([a, b])
    assert find("Patient", "birthdate=1970-12") == [b]


@pytest.mark.parametrize(("query", "expected"), [
    ("eq1970-06-15", ["mid"]),
    ("ne1970-06-15", ["early", "late"]),
    ("gt1970-06-15", ["late"]),
    ("lt1970-06-15", ["early"]),
    ("ge1970-06-15", ["mid", "late"]),
    ("le1970-06-15", ["early", "mid"]),
    ("sa1970-06-15", ["late"]),
    ("eb1970-06-15", ["early"]),
    ("ge1970", ["early", "mid", "late"]),
    ("lt1970-06", ["early"]),
])
def test_date_prefixes(repo: Repository, find: Find, query: str, expected: list[str]) -> None:
    ids = {"early": _born(repo, "1970-01-10"), "mid": _born(repo, "1970-06-15"), "late": _born(repo, "1970-11-30")}
    names = {v: k for k, v in ids.items()}
    assert sorted(names[i] for i in find("Patient", f"birthdate={query}")) == sorted(expected)


def test_approximately_matches_nearby_dates(repo: Repository, find: Find) -> None:
    near = _born(repo, "2000-01-05")
    _born(repo, "1950-01-01")
    assert find("Patient", "birthdate=ap2000-01-01") == [near]


def test_periods_match_by_overlap_and_containment(repo: Repository, find: Find) -> None:
    def enc(start: str, end: str | None) -> str:
        period = {"start": start, **({"end": end} if end else {})}
        return repo.create({"resourceType": "Encounter", "status": "finished",
                            "class": {"code": "AMB"}, "period": period}).id

    may = enc("2024-05-10T08:00:00+07:00", "2024-05-12T17:00:00+07:00")
    open_ended = enc("2024-06-01T08:00:00+07:00", None)
    assert find("Encounter", "date=2024-05") == [may]
    assert find("Encounter", "date=2024-05-11") == []  # the stay is longer than that day
    assert sorted(find("Encounter", "date=ge2024-05-11")) == sorted([may, open_ended])
    assert find("Encounter", "date=gt2030-01-01") == [open_ended]
    assert find("Encounter", "date=ge2024-05-01&date=le2024-05-31") == [may]


def test_a_local_date_matches_a_vietnamese_morning_that_is_still_yesterday_in_utc(repo: Repository, find: Find) -> None:
    early = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                         "effectiveDateTime": "2024-05-12T06:00:00+07:00"}).id
    assert find("Observation", "date=2024-05-12") == [early]
    assert find("Observation", "date=2024-05-11") == []


def test_instants_with_seconds_and_timezones(repo: Repository, find: Find) -> None:
    o = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                     "effectiveDateTime": "2024-05-12T10:00:00Z"}).id
    assert find("Observation", "date=2024-05-12T17:00:00%2B07:00") == [o]
    assert find("Observation", "date=gt2024-05-12T10:00:00Z") == []
    assert find("Observation", "date=ge2024-05-12T10:00:00Z") == [o]


def test_last_updated(repo: Repository, find: Find) -> None:
    p = repo.create({"resourceType": "Patient"}).id
    assert find("Patient", "_lastUpdated=gt2000-01-01") == [p]
    assert find("Patient", "_lastUpdated=lt2000-01-01") == []
    assert find("Patient", "_lastUpdated=ge2000") == [p]


@pytest.mark.parametrize("bad", ["birthdate=1970-13", "birthdate=xx1970", "birthdate=yesterday", "birthdate=19"])
def test_a_malformed_date_is_a_400_naming_the_parameter(repo: Repository, find: Find, bad: str) -> None:
    with pytest.raises(FhirError) as exc:
        find("Patient", bad)
    assert exc.value.status == 400
    assert exc.value.issues[0].expression == ("birthdate",)


def _risk(repo: Repository, value: float) -> str:
    return repo.create({"resourceType": "RiskAssessment", "status": "final",
                        "subject": {"reference": "Patient/x"},
                        "prediction": [{"probabilityDecimal": value}]}).id


def test_numbers_with_implicit_precision_and_prefixes(repo: Repository, find: Find) -> None:
    low, mid, high = _risk(repo, 0.2), _risk(repo, 0.5), _risk(repo, 0.54)
    assert sorted(find("RiskAssessment", "probability=0.5")) == sorted([mid, high])  # 0.5 means [0.45, 0.55)
    assert find("RiskAssessment", "probability=0.50") == [mid]
    assert find("RiskAssessment", "probability=gt0.5") == [high]
    assert sorted(find("RiskAssessment", "probability=le0.5")) == sorted([low, mid])
    assert sorted(find("RiskAssessment", "probability=ne0.50")) == sorted([low, high])
    with pytest.raises(FhirError) as exc:
        find("RiskAssessment", "probability=abc")
    assert exc.value.issues[0].expression == ("probability",)


def _weight(repo: Repository, value: float, code: str = "kg", unit: str = "kg") -> str:
    return repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "cân nặng"},
                        "valueQuantity": {"value": value, "system": UCUM, "code": code, "unit": unit}}).id


def test_quantities_with_prefix_system_and_unit(repo: Repository, find: Find) -> None:
    light, heavy = _weight(repo, 50), _weight(repo, 80)
    grams = _weight(repo, 80000, code="g", unit="g")
    assert find("Observation", f"value-quantity=80|{UCUM}|kg") == [heavy]
    assert find("Observation", "value-quantity=gt60||kg") == [heavy]
    assert find("Observation", "value-quantity=lt100") == [light, heavy] or \
        sorted(find("Observation", "value-quantity=lt100")) == sorted([light, heavy])
    assert find("Observation", "value-quantity=ge1000||g") == [grams]


def test_uri_exact_below_and_above(repo: Repository, find: Find) -> None:
    vs = repo.create({"resourceType": "ValueSet", "status": "active", "url": "http://benhan.vn/fhir/ValueSet/dan-toc"}).id
    assert find("ValueSet", "url=http://benhan.vn/fhir/ValueSet/dan-toc") == [vs]
    assert find("ValueSet", "url=http://benhan.vn/fhir") == []
    assert find("ValueSet", "url:below=http://benhan.vn/fhir") == [vs]
    assert find("ValueSet", "url:above=http://benhan.vn/fhir/ValueSet/dan-toc/v2") == [vs]


def test_composite_matches_code_and_value_of_the_same_component(repo: Repository, find: Find) -> None:
    def bp(sys: float, dia: float) -> str:
        comp = [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": sys, "system": UCUM, "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": dia, "system": UCUM, "code": "mm[Hg]"}},
        ]
        return repo.create({"resourceType": "Observation", "status": "final",
                            "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
                            "component": comp}).id

    high = bp(160, 95)
    normal = bp(120, 80)
    assert find("Observation", "component-code-value-quantity=http://loinc.org|8480-6$gt140") == [high]
    # 8462-4 (diastolic) is never above 140: the value must come from the same component.
    assert find("Observation", "component-code-value-quantity=8462-4$gt140") == []
    assert sorted(find("Observation", "component-code-value-quantity=8462-4$lt100")) == sorted([high, normal])
    with pytest.raises(FhirError):
        find("Observation", "component-code-value-quantity=8462-4")
