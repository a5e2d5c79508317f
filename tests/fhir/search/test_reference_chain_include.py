"""References, chains (several levels), reverse chains (_has), _include and _revinclude (with :iterate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository

from .conftest import BASE, Find

CCCD = "https://cccd.gov.vn"


@pytest.fixture
def chart(repo: Repository) -> dict[str, str]:
    org = repo.create({"resourceType": "Organization", "name": "Bệnh viện Đa khoa Huế"}).id
    gp = repo.create({"resourceType": "Practitioner", "name": [{"family": "Phạm"}]}).id
    an = repo.create({"resourceType": "Patient", "name": [{"family": "Nguyễn", "given": ["An"]}],
                      "identifier": [{"system": CCCD, "value": "001"}],
                      "managingOrganization": {"reference": f"Organization/{org}"},
                      "generalPractitioner": [{"reference": f"Practitioner/{gp}"}]}).id
    binh = repo.create({"resourceType": "Patient", "name": [{"family": "Trần", "given": ["Bình"]}],
                        "identifier": [{"system": CCCD, "value": "002"}]}).id

    def obs(patient: str, code: str) -> str:
        return repo.create({"resourceType": "Observation", "status": "final",
                            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                            "subject": {"reference": f"Patient/{patient}"}}).id

    return {"org": org, "gp": gp, "an": an, "binh": binh, "an_hr": obs(an, "8867-4"),
            "an_bp": obs(an, "85354-9"), "binh_hr": obs(binh, "8867-4")}


def test_reference_by_type_and_id_by_bare_id_and_by_absolute_url(chart: dict[str, str], find: Find) -> None:
    mine = sorted([chart["an_hr"], chart["an_bp"]])
    assert sorted(find("Observation", f"subject=Patient/{chart['an']}")) == mine
    assert sorted(find("Observation", f"subject={chart['an']}")) == mine
    assert sorted(find("Observation", f"subject:Patient={chart['an']}")) == mine
    assert sorted(find("Observation", f"subject={BASE}/Patient/{chart['an']}")) == mine
    assert sorted(find("Observation", f"patient={chart['an']}")) == mine
    assert find("Observation", f"subject:Group={chart['an']}") == []


def test_reference_by_identifier(repo: Repository, find: Find) -> None:
    o = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                     "subject": {"identifier": {"system": CCCD, "value": "009"}}}).id
    assert find("Observation", f"subject:identifier={CCCD}|009") == [o]


def test_chain_through_one_reference(chart: dict[str, str], find: Find) -> None:
    assert sorted(find("Observation", f"subject:Patient.identifier={CCCD}|001")) == sorted([chart["an_hr"], chart["an_bp"]])
    assert find("Observation", "subject.name=tran") == [chart["binh_hr"]]


def test_chain_through_two_references(chart: dict[str, str], find: Find) -> None:
    hits = find("Observation", "subject:Patient.organization.name=benh vien da khoa")
    assert sorted(hits) == sorted([chart["an_hr"], chart["an_bp"]])
    assert find("Observation", "subject:Patient.organization.name=cho ray") == []


def test_chained_values_are_ored(chart: dict[str, str], find: Find) -> None:
    assert len(find("Observation", "subject:Patient.name=tran,nguyen")) == 3


def test_has_finds_patients_by_their_observations(chart: dict[str, str], find: Find) -> None:
    assert find("Patient", "_has:Observation:patient:code=85354-9") == [chart["an"]]
    assert sorted(find("Patient", "_has:Observation:subject:code=8867-4")) == sorted([chart["an"], chart["binh"]])


def test_nested_has(chart: dict[str, str], repo: Repository, find: Find) -> None:
    repo.create({"resourceType": "Provenance", "recorded": "2024-01-01T00:00:00Z",
                 "target": [{"reference": f"Observation/{chart['binh_hr']}"}],
                 "agent": [{"who": {"reference": f"Practitioner/{chart['gp']}"}}]})
    assert find("Patient", f"_has:Observation:patient:_has:Provenance:target:agent={chart['gp']}") == [chart["binh"]]


def test_has_with_an_unknown_reference_parameter_is_a_400(chart: dict[str, str], find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Patient", "_has:Observation:code:code=1")
    assert exc.value.status == 400


def test_include_adds_the_referenced_resources_once(chart: dict[str, str], bundle: Callable[..., dict[str, Any]]) -> None:
    b = bundle("Observation", "code=8867-4&_include=Observation:subject")
    modes = sorted((e["search"]["mode"], e["resource"]["resourceType"]) for e in b["entry"])
    assert modes == [("include", "Patient"), ("include", "Patient"), ("match", "Observation"), ("match", "Observation")]
    assert b["total"] == 2


def test_include_with_a_target_type_and_iterate(chart: dict[str, str], bundle: Callable[..., dict[str, Any]]) -> None:
    b = bundle("Observation", f"_id={chart['an_hr']}&_include=Observation:subject:Patient"
                              "&_include:iterate=Patient:organization")
    got = sorted(e["resource"]["resourceType"] for e in b["entry"])
    assert got == ["Observation", "Organization", "Patient"]
    b = bundle("Observation", f"_id={chart['an_hr']}&_include=Observation:subject:Group")
    assert [e["resource"]["resourceType"] for e in b["entry"]] == ["Observation"]


def test_include_star_follows_every_reference(chart: dict[str, str], bundle: Callable[..., dict[str, Any]]) -> None:
    b = bundle("Patient", f"_id={chart['an']}&_include=*")
    assert sorted(e["resource"]["resourceType"] for e in b["entry"]) == ["Organization", "Patient", "Practitioner"]


def test_revinclude_adds_what_points_at_the_matches(chart: dict[str, str], bundle: Callable[..., dict[str, Any]]) -> None:
    b = bundle("Patient", f"_id={chart['an']}&_revinclude=Observation:subject")
    includes = sorted(e["resource"]["id"] for e in b["entry"] if e["search"]["mode"] == "include")
    assert includes == sorted([chart["an_hr"], chart["an_bp"]])


def test_include_of_a_non_reference_parameter_is_a_400(chart: dict[str, str], find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Observation", "_include=Observation:code")
    assert exc.value.issues[0].expression == ("_include",)


def test_deleted_targets_are_not_included_and_do_not_satisfy_chains(chart: dict[str, str], repo: Repository,
                                                                 find: Find, bundle: Callable[..., dict[str, Any]]) -> None:
    repo.delete("Patient", chart["binh"])
    assert find("Observation", "subject.name=tran") == []
    b = bundle("Observation", f"_id={chart['binh_hr']}&_include=Observation:subject")
    assert [e["resource"]["resourceType"] for e in b["entry"]] == ["Observation"]


def test_revinclude_iterate_follows_what_points_at_the_included(chart: dict[str, str], repo: Repository,
                                                                bundle: Callable[..., dict[str, Any]]) -> None:
    report = repo.create({"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "xn"},
                          "result": [{"reference": f"Observation/{chart['an_hr']}"}]}).id
    b = bundle("Patient", f"_id={chart['an']}&_revinclude=Observation:subject"
                          "&_revinclude:iterate=DiagnosticReport:result")
    included = {e["resource"]["id"] for e in b["entry"] if e["search"]["mode"] == "include"}
    assert included == {chart["an_hr"], chart["an_bp"], report}


def test_an_overlong_reference_is_stored_as_a_url_without_failing_the_write(repo: Repository, find: Find) -> None:
    from benhan.fhir import store

    long_ref = "Organization/" + "x" * 80  # the validator refuses it, but bulk import writes unvalidated
    o = store.write_many([{"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                           "performer": [{"reference": long_ref}]}], "00001")[0].id
    assert find("Observation", "performer:missing=false") == [o]
    with pytest.raises(FhirError) as exc:  # as a search value it is not a valid Type/id
        find("Observation", f"performer={long_ref}")
    assert exc.value.status == 400
