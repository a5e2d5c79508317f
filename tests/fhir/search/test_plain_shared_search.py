"""Plain parameters whose values a composite component already stores (decision 30): which share, the
rows a resource gets, the searches through each kind of shared parameter, and the migration that
deletes the rows an older index holds under the plain codes.

That a shared parameter always has exactly its component's rows is proven in
test_indexer_reference.py, on every Synthea resource and every official R4 example."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from benhan.fhir import bulkinsert
from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.fhir.search.definitions import params_for, resource_types
from benhan.fhir.search.indexer import COLUMNS, TABLES, rows_for

from .conftest import Find
from .test_composite_search import LOINC, SNOMED, UCUM, USAGE
from .test_indexer_reference import reference_rows

migration = importlib.import_module("benhan.fhir.search.migrations.0006_plain_params_share_components")


def _shared_plain() -> dict[tuple[str, str], str]:
    """(type, plain parameter) → the component key its rows are stored under."""
    return {(rtype, code): param.key for rtype in sorted(resource_types())
            for code, param in params_for(rtype).items() if param.type != "composite" and param.key != code}


# --- which parameters share --------------------------------------------------------------------------
def test_observation_code_and_value_parameters_read_the_components_that_walk_the_same_paths() -> None:
    shared = {code: key for (rtype, code), key in _shared_plain().items() if rtype == "Observation"}
    assert shared == {
        "code": "code-value-concept#0",  # Observation.code = (Observation).code
        "combo-code": "combo-code-value-concept#0",  # Observation.code | Observation.component.code
        "component-code": "component-code-value-concept#0",
        "value-concept": "code-value-concept#1",
        "combo-value-concept": "combo-code-value-concept#1",
        "component-value-concept": "component-code-value-concept#1",
        "value-date": "code-value-date#1",
        # These also read valueSampledData, which gives no quantity rows (next test).
        "value-quantity": "code-value-quantity#1",
        "combo-value-quantity": "combo-code-value-quantity#1",
        "component-value-quantity": "component-code-value-quantity#1",
    }
    obs = params_for("Observation")
    # References keep their own rows: includes, chains and compartments name them.
    assert obs["subject"].key == "subject" and obs["patient"].key == "patient"


def test_a_sampled_data_value_gives_no_quantity_rows_as_it_has_no_value_element(repo: Repository) -> None:
    data: dict[str, Any] = {"origin": {"value": 2048}, "period": 10, "dimensions": 1, "data": "2041 2043"}
    sampled = {"resourceType": "Observation", "status": "final", "code": {"text": "ECG"}, "valueSampledData": data}
    assert rows_for(sampled, "ecg", "00001")["quantity"] == []
    with pytest.raises(FhirError) as refused:
        repo.create({**sampled, "valueSampledData": {**data, "value": 5}})
    assert "unknown element 'value' in SampledData" in str(refused.value)


def test_use_context_molecular_sequence_and_group_parameters_share_too() -> None:
    shared = _shared_plain()
    assert shared[("ValueSet", "context-type")] == "context-type-quantity#0"
    assert shared[("ValueSet", "context")] == "context-type-value#1"
    assert shared[("ValueSet", "context-quantity")] == "context-type-quantity#1"
    assert shared[("MolecularSequence", "chromosome")] == "chromosome-window-coordinate#0"
    assert shared[("MolecularSequence", "variant-start")] == "chromosome-variant-coordinate#1"
    assert shared[("Group", "characteristic")] == "characteristic-value#0"
    assert len(shared) == 29 * 3 + 10 + 6 + 1  # use contexts, Observation, MolecularSequence, Group


def test_the_migration_deletes_exactly_the_parameters_no_longer_written() -> None:
    listed = {(rtype, plain): (kind, key) for kind, rows in migration.SHARED.items() for rtype, plain, key in rows}
    assert {k: v[1] for k, v in listed.items()} == _shared_plain()
    for (rtype, plain), (kind, _key) in listed.items():
        assert params_for(rtype)[plain].type == kind


# --- the rows ----------------------------------------------------------------------------------------
def _blood_pressure() -> dict[str, Any]:
    return {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "85354-9", "display": "Huyết áp"}]},
        "component": [
            {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
             "valueQuantity": {"value": 160, "system": UCUM, "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
             "valueQuantity": {"value": 95, "system": UCUM, "code": "mm[Hg]"}},
        ],
    }


def test_an_observation_stores_its_code_once_under_the_component_key(repo: Repository) -> None:
    rows = rows_for(_blood_pressure(), "bp", "00001")["token"]
    params = Counter(r[2] for r in rows)
    assert "code" not in params and "combo-code" not in params and "component-code" not in params
    assert params["code-value-concept#0"] == 1 and params["combo-code-value-concept#0"] == 3
    stored = repo.create(_blood_pressure())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT param, grp FROM {TABLES['token']} WHERE resource_type = %s AND resource_id = %s"  # noqa: S608
                       " AND param LIKE %s", ["Observation", stored.id, "%code%"])
        in_db = Counter(cursor.fetchall())
    assert in_db == {("code-value-concept#0", 1): 1, ("combo-code-value-concept#0", 1): 1,
                     ("combo-code-value-concept#0", 2): 1, ("combo-code-value-concept#0", 3): 1,
                     ("component-code-value-concept#0", 1): 1, ("component-code-value-concept#0", 2): 1}


# --- the searches ------------------------------------------------------------------------------------
@pytest.fixture
def world(repo: Repository) -> dict[str, str]:
    def obs(code: str, display: str = "", **value: Any) -> str:
        coding = {"system": LOINC, "code": code, **({"display": display} if display else {})}
        return repo.create({"resourceType": "Observation", "status": "final", "code": {"coding": [coding]},
                            **value}).id

    def sequence(chromosome: str, start: int, variant: int) -> str:
        return repo.create({"resourceType": "MolecularSequence", "coordinateSystem": 0, "referenceSeq": {
            "chromosome": {"coding": [{"system": "http://hl7.org/fhir/chromosome-human", "code": chromosome}]},
            "windowStart": start, "windowEnd": start + 100}, "variant": [{"start": variant, "end": variant + 1}]}).id

    return {
        "bp": repo.create(_blood_pressure()).id,
        "pulse": obs("8867-4", "Nhịp tim", valueQuantity={"value": 72, "system": UCUM, "code": "/min"}),
        "high": obs("8867-4", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "high"}]}),
        "may": obs("8867-4", valueDateTime="2024-05-01"),
        "june": obs("8867-4", valuePeriod={"start": "2024-06-01", "end": "2024-06-30"}),
        "ecg": obs("131328", valueSampledData={"origin": {"value": 2048}, "period": 10, "dimensions": 1,
                                               "data": "2041 2043"}),
        "smoker": obs("72166-2", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "8517006"}]},
                      component=[{"code": {"coding": [{"system": LOINC, "code": "x-pack"}]},
                                  "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "daily"}]}}]),
        "focus": repo.create({"resourceType": "ValueSet", "status": "active", "useContext": [
            {"code": {"system": USAGE, "code": "focus"}, "valueCodeableConcept": {"coding": [{"code": "a"}]}},
            {"code": {"system": USAGE, "code": "age"}, "valueQuantity": {"value": 40, "system": UCUM, "code": "a"}}]}).id,
        "user": repo.create({"resourceType": "ValueSet", "status": "active", "useContext": [
            {"code": {"system": USAGE, "code": "user"}, "valueCodeableConcept": {"coding": [{"code": "b"}]}}]}).id,
        "seq1": sequence("1", 100, 150),
        "seq2": sequence("2", 300, 350),
        "group": repo.create({"resourceType": "Group", "type": "person", "actual": False, "characteristic": [
            {"code": {"coding": [{"code": "gender"}]}, "valueCodeableConcept": {"coding": [{"code": "female"}]},
             "exclude": False}]}).id,
    }


QUERIES: list[tuple[str, str, list[str]]] = [
    ("Observation", "code=8867-4", ["pulse", "high", "may", "june"]),
    ("Observation", f"code={LOINC}|85354-9", ["bp"]),
    ("Observation", "code=8480-6", []),  # a component's code is not the Observation's
    ("Observation", "code:text=nhip", ["pulse"]),
    ("Observation", "code:not=8867-4", ["bp", "smoker", "ecg"]),
    ("Observation", "combo-code=8480-6", ["bp"]),
    ("Observation", "combo-code=85354-9,x-pack", ["bp", "smoker"]),
    ("Observation", "component-code=85354-9", []),
    ("Observation", "component-code=x-pack", ["smoker"]),
    ("Observation", "value-concept=high", ["high"]),
    ("Observation", "value-concept=daily", []),
    ("Observation", "combo-value-concept=daily", ["smoker"]),
    ("Observation", "component-value-concept=8517006", []),
    ("Observation", "value-concept:missing=true", ["bp", "pulse", "may", "june", "ecg"]),
    ("Observation", "value-concept:missing=false", ["high", "smoker"]),
    ("Observation", "value-date=2024-05", ["may"]),
    ("Observation", "value-date=ge2024-06-15", ["june"]),
    ("Observation", "value-date=lt2024", []),
    ("Observation", "code=8867-4&_sort=-value-date", ["june", "may", "pulse", "high"]),
    ("Observation", "value-quantity=gt70", ["pulse"]),
    ("Observation", f"value-quantity=72|{UCUM}|/min", ["pulse"]),
    ("Observation", "value-quantity=160", []),  # a component's value
    ("Observation", "value-quantity:missing=true", ["bp", "high", "may", "june", "smoker", "ecg"]),
    ("Observation", "combo-value-quantity=160", ["bp"]),
    ("Observation", "combo-value-quantity=ge72", ["bp", "pulse"]),
    ("Observation", "component-value-quantity=72", []),
    ("Observation", "component-value-quantity=lt100", ["bp"]),
    ("Observation", "combo-value-quantity=gt0&_sort=value-quantity", ["pulse", "bp"]),
    ("ValueSet", "context-type=focus", ["focus"]),
    ("ValueSet", "context-type=age", ["focus"]),
    ("ValueSet", "context=b", ["user"]),
    ("ValueSet", "context-quantity=gt39", ["focus"]),
    ("MolecularSequence", "chromosome=2", ["seq2"]),
    ("MolecularSequence", "window-start=le200", ["seq1"]),
    ("MolecularSequence", "variant-start=gt200", ["seq2"]),
    ("Group", "characteristic=gender", ["group"]),
]


def _answers(find: Find, world: dict[str, str]) -> dict[str, list[str]]:
    names = {rid: name for name, rid in world.items()}
    out = {}
    for rtype, query, _expected in QUERIES:
        found = [names[rid] for rid in find(rtype, query)]
        out[query] = found if "_sort" in query else sorted(found)
    return out


def test_searches_on_the_shared_parameters_find_what_their_definitions_say(
        world: dict[str, str], find: Find) -> None:
    expected = {query: names if "_sort" in query else sorted(names) for _rtype, query, names in QUERIES}
    assert _answers(find, world) == expected


def test_a_patients_observations_are_found_by_code_through_has_and_chains(repo: Repository, find: Find) -> None:
    an = repo.create({"resourceType": "Patient", "name": [{"family": "Nguyễn", "given": ["An"]}]}).id
    binh = repo.create({"resourceType": "Patient", "name": [{"family": "Trần", "given": ["Bình"]}]}).id
    for patient, code in ((an, "8867-4"), (binh, "29463-7")):
        repo.create({"resourceType": "Observation", "status": "final", "subject": {"reference": f"Patient/{patient}"},
                     "code": {"coding": [{"system": LOINC, "code": code}]}})
    assert find("Patient", "_has:Observation:subject:code=8867-4") == [an]
    assert find("Patient", "_has:Observation:patient:combo-code=29463-7") == [binh]


# --- the migration -----------------------------------------------------------------------------------
def _plain_rows_in_db() -> Counter[tuple[Any, ...]]:
    rows: Counter[tuple[Any, ...]] = Counter()
    with connection.cursor() as cursor:
        for kind, shared in migration.SHARED.items():
            for rtype, plain, _key in shared:
                cursor.execute(f"SELECT {', '.join(COLUMNS[kind])} FROM {TABLES[kind]}"  # noqa: S608
                               " WHERE resource_type = %s AND param = %s", [rtype, plain])
                rows.update((kind, *row) for row in cursor.fetchall())
    return rows


def _old_plain_rows(repo: Repository, world: dict[str, str]) -> Counter[tuple[Any, ...]]:
    """The rows an index before decision 30 held under the plain codes that now share."""
    from benhan.fhir.models import ResourceRow

    shared = _shared_plain()
    rows: Counter[tuple[Any, ...]] = Counter()
    for rtype, rid in ResourceRow.objects.filter(resource_id__in=world.values()).values_list("resource_type", "resource_id"):
        for kind, kind_rows in reference_rows(repo.read(rtype, rid).json(), rid, "00001", shared=False).items():
            rows.update((kind, *row) for row in kind_rows if (rtype, row[2]) in shared)
    return rows


def test_the_migration_removes_the_plain_rows_and_searches_answer_the_same(
        repo: Repository, world: dict[str, str], find: Find) -> None:
    answers = _answers(find, world)
    assert _plain_rows_in_db() == Counter()
    old = _old_plain_rows(repo, world)
    # Observation code (10 resources' codes, 3 combo-code more for the components), values, contexts...
    assert sum(old.values()) > 20

    # An index written before decision 30: the plain parameters' rows as well.
    for kind in COLUMNS:
        copies = [row[1:] for row in old.elements() if row[0] == kind]
        if copies:
            bulkinsert.insert_rows(TABLES[kind], COLUMNS[kind], copies)
    assert _plain_rows_in_db() == old
    assert _answers(find, world) == answers

    migration.forwards(apps, connection.schema_editor())
    assert _plain_rows_in_db() == Counter()
    assert _answers(find, world) == answers

    migration.backwards(apps, connection.schema_editor())  # back to the old layout, for a rollback
    assert _plain_rows_in_db() == old
    migration.forwards(apps, connection.schema_editor())
    assert _plain_rows_in_db() == Counter()
    assert _answers(find, world) == answers
