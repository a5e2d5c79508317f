"""The search entry point: Bundle shape, _summary and _elements, errors and lenient handling,
policy (scopes, tenancy, patient context), compartments, audit and conditional matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from benhan.fhir.errors import FhirError
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository
from benhan.fhir.search import conditional_matches, search

from .conftest import BASE, Find

Bundle = Callable[..., dict[str, Any]]


def _patient(repo: Repository, family: str = "Nguyễn", **extra: object) -> str:
    return repo.create({"resourceType": "Patient", "name": [{"family": family}], **extra}).id


def test_searchset_bundle_shape(repo: Repository, bundle: Bundle) -> None:
    pid = _patient(repo)
    b = bundle("Patient", "name=nguyen")
    assert b["resourceType"] == "Bundle" and b["type"] == "searchset" and b["total"] == 1
    assert b["link"][0] == {"relation": "self", "url": f"{BASE}/Patient?name=nguyen"}
    entry = b["entry"][0]
    assert entry["fullUrl"] == f"{BASE}/Patient/{pid}"
    assert entry["search"] == {"mode": "match"}
    assert entry["resource"]["name"][0]["family"] == "Nguyễn"


def test_entries_carry_the_stored_bytes(repo: Repository) -> None:
    stored = repo.create({"resourceType": "Patient", "name": [{"family": "Lê"}]})
    body = search(repo, "Patient", [], base_url=BASE).to_bytes()
    assert stored.content.encode() in body


def test_pretty_output_is_the_same_document(repo: Repository) -> None:
    _patient(repo)
    result = search(repo, "Patient", [], base_url=BASE)
    assert orjson.loads(result.to_bytes(pretty=True)) == orjson.loads(result.to_bytes())


def test_summary_true_keeps_summary_elements_and_marks_subsetted(repo: Repository, bundle: Bundle) -> None:
    _patient(repo, gender="male", text={"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
             communication=[{"language": {"text": "vi"}}])
    res = bundle("Patient", "_summary=true")["entry"][0]["resource"]
    assert "name" in res and "gender" in res
    assert "communication" not in res and "text" not in res
    assert {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"} in res["meta"]["tag"]


def test_summary_text_and_data(repo: Repository, bundle: Bundle) -> None:
    _patient(repo, gender="male", text={"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"})
    text = bundle("Patient", "_summary=text")["entry"][0]["resource"]
    assert "text" in text and "name" not in text
    data = bundle("Patient", "_summary=data")["entry"][0]["resource"]
    assert "text" not in data and "name" in data


def test_elements_keeps_only_the_named_elements(repo: Repository, bundle: Bundle) -> None:
    _patient(repo, gender="male", birthDate="1970-01-01")
    res = bundle("Patient", "_elements=gender")["entry"][0]["resource"]
    assert res["gender"] == "male" and "name" not in res and "birthDate" not in res and res["id"]


def test_choice_elements_are_kept_by_their_base_name(repo: Repository, bundle: Bundle) -> None:
    repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                 "valueQuantity": {"value": 1}, "note": [{"text": "n"}]})
    res = bundle("Observation", "_summary=true")["entry"][0]["resource"]
    assert res["valueQuantity"] == {"value": 1} and "note" not in res


@pytest.mark.parametrize(("query", "name"), [
    ("shoe-size=42", "shoe-size"),
    ("name:fuzzy=x", "name:fuzzy"),
    ("_text:exact=x", "_text:exact"),
    ("_content=%20", "_content"),
    ("code:in=http://vs", "code:in"),  # no such ValueSet stored: never an empty answer
    ("_summary=maybe", "_summary"),
    ("_total=all", "_total"),
])
def test_unknown_or_unsupported_parameters_are_a_400_naming_them(repo: Repository, find: Find, query: str,
                                                                  name: str) -> None:
    rtype = "Observation" if query.startswith("code") else "Patient"
    with pytest.raises(FhirError) as exc:
        find(rtype, query)
    assert exc.value.status == 400
    assert exc.value.issues[0].expression == (name,)


def test_near_on_a_type_without_it_is_unknown(repo: Repository, find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Patient", "near=10.8|106.6|5|km")
    assert exc.value.status == 400 and exc.value.issues[0].expression == ("near",)


def test_lenient_handling_ignores_unknown_parameters_and_reports_them(repo: Repository, bundle: Bundle) -> None:
    pid = _patient(repo)
    b = bundle("Patient", "name=nguyen&shoe-size=42", lenient=True)
    assert [e["resource"]["id"] for e in b["entry"] if e["search"]["mode"] == "match"] == [pid]
    outcome = [e for e in b["entry"] if e["search"]["mode"] == "outcome"][0]["resource"]
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["shoe-size"]
    assert outcome["issue"][0]["severity"] == "warning"


def test_unknown_resource_type_is_a_404(repo: Repository, find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Shoe", "")
    assert exc.value.status == 404


def test_each_search_writes_one_audit_row_with_its_query(repo: Repository, find: Find) -> None:
    _patient(repo)
    before = AuditRow.objects.filter(interaction="search").count()
    find("Patient", "name=nguyen&_count=5")
    rows = AuditRow.objects.filter(interaction="search").order_by("-id")
    assert rows.count() == before + 1
    assert rows[0].query == "name=nguyen&_count=5" and rows[0].resource_type == "Patient"


def test_another_facilitys_records_are_invisible_even_through_chains(repo: Repository, find: Find, make_actor) -> None:
    ours = _patient(repo, "Nguyễn")  # facility 00001
    other = Repository(make_actor("system/*.*", facilities={"00002"}), "00002")
    theirs = other.create({"resourceType": "Patient", "name": [{"family": "Nguyễn"}]}).id
    their_obs = other.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                              "subject": {"reference": f"Patient/{ours}"}}).id
    assert sorted(find("Patient", "name=nguyen")) == sorted([ours, theirs])  # the system actor sees all
    assert find("Patient", "name=nguyen", r=other) == [theirs]
    assert find("Observation", f"subject=Patient/{ours}", r=other) == [their_obs]
    # The name is in a record facility 00002 cannot see, so a chain must not reveal it.
    assert find("Observation", "subject.name=nguyen", r=other) == []
    assert find("Patient", "_has:Observation:subject:code:text=x", r=other) == []


def test_missing_scope_is_a_403_and_audited(repo: Repository, find: Find, make_actor) -> None:
    reader = Repository(make_actor("system/Observation.read", facilities={"00001"}), "00001")
    with pytest.raises(FhirError) as exc:
        find("Patient", "", r=reader)
    assert exc.value.status == 403
    assert AuditRow.objects.filter(interaction="search", outcome="4", resource_type="Patient").exists()


def test_patient_context_tokens_see_only_their_compartment(repo: Repository, find: Find, bundle: Bundle,
                                                         make_actor) -> None:
    me = _patient(repo, "Nguyễn")
    other = _patient(repo, "Nguyễn")
    mine = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                        "subject": {"reference": f"Patient/{me}"}}).id
    repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                 "subject": {"reference": f"Patient/{other}"}})
    patient = Repository(make_actor("patient/*.read", facilities=None, kind="patient", patient_ids={me}))
    assert find("Patient", "name=nguyen", r=patient) == [me]
    assert find("Observation", "", r=patient) == [mine]
    b = bundle("Patient", f"_id={me}&_revinclude=Observation:subject", r=patient)
    assert sorted(e["resource"]["id"] for e in b["entry"]) == sorted([me, mine])


def test_compartment_search(repo: Repository, find: Find, bundle: Bundle) -> None:
    a, b = _patient(repo), _patient(repo)
    oa = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                      "subject": {"reference": f"Patient/{a}"}}).id
    repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                 "subject": {"reference": f"Patient/{b}"}})
    assert find("Observation", "", compartment=("Patient", a)) == [oa]
    assert bundle("Observation", "", compartment=("Patient", a))["link"][0]["url"] == f"{BASE}/Patient/{a}/Observation"


def test_search_across_all_types(repo: Repository, find: Find) -> None:
    pid = _patient(repo, meta={"tag": [{"code": "demo"}]})
    oid = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                       "meta": {"tag": [{"code": "demo"}]}}).id
    _patient(repo)
    assert sorted(find(None, "_tag=demo")) == sorted([pid, oid])
    assert find(None, f"_id={oid}") == [oid]
    with pytest.raises(FhirError) as exc:
        find(None, "name=nguyen")
    assert exc.value.issues[0].expression == ("name",)


def test_conditional_matches_returns_stored_resources(repo: Repository) -> None:
    ident = {"system": "https://cccd.gov.vn", "value": "079"}
    assert conditional_matches(repo, "Patient", [("identifier", "https://cccd.gov.vn|079")]) == []
    stored = repo.create({"resourceType": "Patient", "identifier": [ident]})
    found = conditional_matches(repo, "Patient", [("identifier", "https://cccd.gov.vn|079")])
    assert [s.id for s in found] == [stored.id] and found[0].version_id == 1 and found[0].content == stored.content
    repo.create({"resourceType": "Patient", "identifier": [ident]})
    assert len(conditional_matches(repo, "Patient", [("identifier", "https://cccd.gov.vn|079")])) == 2


def test_contained_searching_is_reported_as_unsupported(repo: Repository, find: Find) -> None:
    with pytest.raises(FhirError) as exc:
        find("Patient", "_contained=true")
    assert exc.value.status == 400 and exc.value.issues[0].expression == ("_contained",)


def test_type_narrows_a_search_across_types(repo: Repository, find: Find) -> None:
    pid = _patient(repo, meta={"tag": [{"code": "demo"}]})
    oid = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                       "meta": {"tag": [{"code": "demo"}]}}).id
    repo.create({"resourceType": "Encounter", "status": "planned", "class": {"code": "AMB"},
                 "meta": {"tag": [{"code": "demo"}]}})
    assert sorted(find(None, "_type=Patient,Observation&_tag=demo")) == sorted([pid, oid])
    with pytest.raises(FhirError) as exc:
        find(None, "_type=Shoe")
    assert exc.value.issues[0].expression == ("_type",)


def test_capability_statement_lists_text_content_and_near_but_not_what_is_refused(db: None) -> None:
    from benhan.fhir.capability import capability_statement

    rest = capability_statement("http://test/fhir")["rest"][0]
    by_type = {r["type"]: {p["name"] for p in r["searchParam"]} for r in rest["resource"]}
    assert {"_text", "_content"} <= by_type["Condition"]
    assert "near" in by_type["Location"]
    assert "_content" in by_type["Bundle"] and "_text" not in by_type["Bundle"]
    assert not {"_filter", "_query", "_list"} & by_type["Patient"]
