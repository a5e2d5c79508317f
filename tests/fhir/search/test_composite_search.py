"""Composite parameters whose components share index rows (decision 27): the shared keys, the rows a
resource gets, the searches through every parameter that shares, and the migration that deletes
the copies an older index holds."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from benhan.fhir import bulkinsert
from benhan.fhir.repository import Repository
from benhan.fhir.search.definitions import _table, composite_key, params_for, resource_types
from benhan.fhir.search.indexer import COLUMNS, TABLES, rows_for

from .conftest import Find
from .test_indexer_reference import reference_rows

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
USAGE = "http://terminology.hl7.org/CodeSystem/usage-context-type"

migration = importlib.import_module("benhan.fhir.search.migrations.0004_shared_composite_components")


def _shared() -> dict[tuple[str, str], str]:
    """(type, `code#k`) → the key it is stored under, for every component not stored under its own key."""
    out = {}
    for rtype in sorted(resource_types()):
        for code, param in params_for(rtype).items():
            for k, component in enumerate(param.components):
                if component.key != composite_key(code, k):
                    out[(rtype, composite_key(code, k))] = component.key
    return out


# --- the keys ----------------------------------------------------------------------------------------
def test_observation_composites_over_the_same_elements_share_their_code_component() -> None:
    obs = params_for("Observation")
    keys = {code: [c.key for c in obs[code].components] for code in obs if obs[code].type == "composite"}
    assert keys == {
        "code-value-concept": ["code-value-concept#0", "code-value-concept#1"],
        "code-value-date": ["code-value-concept#0", "code-value-date#1"],
        "code-value-quantity": ["code-value-concept#0", "code-value-quantity#1"],
        "code-value-string": ["code-value-concept#0", "code-value-string#1"],
        # `Observation | Observation.component` and `Observation.component` number other elements.
        "combo-code-value-concept": ["combo-code-value-concept#0", "combo-code-value-concept#1"],
        "combo-code-value-quantity": ["combo-code-value-concept#0", "combo-code-value-quantity#1"],
        "component-code-value-concept": ["component-code-value-concept#0", "component-code-value-concept#1"],
        "component-code-value-quantity": ["component-code-value-concept#0", "component-code-value-quantity#1"],
    }


def test_molecular_sequence_coordinates_share_their_start_and_end_components() -> None:
    ms = params_for("MolecularSequence")
    assert [c.key for c in ms["referenceseqid-window-coordinate"].components] == [
        "referenceseqid-window-coordinate#0", "chromosome-window-coordinate#1", "chromosome-window-coordinate#2"]
    assert [c.key for c in ms["referenceseqid-variant-coordinate"].components] == [
        "referenceseqid-variant-coordinate#0", "chromosome-variant-coordinate#1", "chromosome-variant-coordinate#2"]
    assert [c.key for c in ms["chromosome-window-coordinate"].components] == [
        "chromosome-window-coordinate#0", "chromosome-window-coordinate#1", "chromosome-window-coordinate#2"]


def test_every_type_with_both_use_context_composites_stores_the_context_code_once() -> None:
    both = [t for t in resource_types() if {"context-type-value", "context-type-quantity"} <= params_for(t).keys()]
    assert len(both) == 29
    for rtype in both:
        value = params_for(rtype)["context-type-value"]
        assert [c.key for c in value.components] == ["context-type-quantity#0", "context-type-value#1"], rtype
    assert len(_shared()) == 29 + 5 + 4  # use contexts, Observation, MolecularSequence


def test_only_components_that_read_the_same_element_the_same_way_share_a_key() -> None:
    """The compiled expressions the indexer evaluates agree wherever the source texts made a key shared."""
    params = _table()["params"]
    for (rtype, own), key in _shared().items():
        code, k = own.split("#")
        kept_code, kept_k = key.split("#")
        entry, kept = params[rtype][code], params[rtype][kept_code]
        assert entry["expr"] == kept["expr"]
        assert entry["components"][int(k)]["expr"] == kept["components"][int(kept_k)]["expr"]
        assert entry["components"][int(k)]["type"] == kept["components"][int(kept_k)]["type"]


def test_the_migration_deletes_exactly_the_keys_no_longer_written() -> None:
    listed = {(rtype, dropped): (kind, kept) for kind, rows in migration.SHARED.items() for rtype, dropped, kept in rows}
    assert {k: v[1] for k, v in listed.items()} == _shared()
    for (rtype, dropped), (kind, _kept) in listed.items():
        code, k = dropped.split("#")
        assert params_for(rtype)[code].components[int(k)].type == kind


# --- the rows ----------------------------------------------------------------------------------------
def _blood_pressure() -> dict[str, Any]:
    return {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "85354-9"}, {"system": SNOMED, "code": "75367002"}]},
        "valueQuantity": {"value": 1, "system": UCUM, "code": "1"},  # not what R4 profiles say, but allowed
        "component": [
            {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
             "valueQuantity": {"value": 160, "system": UCUM, "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
             "valueQuantity": {"value": 95, "system": UCUM, "code": "mm[Hg]"}},
        ],
    }


def _composite_params(rows: list[tuple[Any, ...]]) -> Counter[str]:
    return Counter(r[2] for r in rows if "#" in r[2])


def test_a_resources_rows_hold_one_copy_of_a_shared_component(repo: Repository) -> None:
    tokens = _composite_params(rows_for(_blood_pressure(), "bp", "00001")["token"])
    # Two codings of the Observation; for combo, also one coding of each of the two components.
    assert tokens == {"code-value-concept#0": 2, "combo-code-value-concept#0": 4, "component-code-value-concept#0": 2}
    stored = repo.create(_blood_pressure())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT param, COUNT(*) FROM {TABLES['token']} WHERE resource_type = %s AND resource_id = %s"  # noqa: S608
                       " GROUP BY param", ["Observation", stored.id])
        in_db = {param: n for param, n in cursor.fetchall() if "#" in param}
    assert in_db == tokens
    quantities = _composite_params(rows_for(_blood_pressure(), "bp", "00001")["quantity"])
    assert quantities == {"code-value-quantity#1": 1, "combo-code-value-quantity#1": 3, "component-code-value-quantity#1": 2}


# --- the searches ------------------------------------------------------------------------------------
def _obs(repo: Repository, code: str, **value: Any) -> str:
    return repo.create({"resourceType": "Observation", "status": "final",
                        "code": {"coding": [{"system": LOINC, "code": code}]}, **value}).id


def test_each_code_value_composite_finds_its_own_value_type(repo: Repository, find: Find) -> None:
    q = _obs(repo, "8867-4", valueQuantity={"value": 72, "system": UCUM, "code": "/min"})
    s = _obs(repo, "8867-4", valueString="Nhanh")
    d = _obs(repo, "8867-4", valueDateTime="2024-05-01")
    c = _obs(repo, "8867-4", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "high"}]})
    other = _obs(repo, "9279-1", valueQuantity={"value": 72, "system": UCUM, "code": "/min"})
    assert find("Observation", "code-value-quantity=8867-4$72") == [q]
    assert find("Observation", f"code-value-quantity={LOINC}|9279-1$gt70|{UCUM}|/min") == [other]
    assert find("Observation", "code-value-string=8867-4$nhanh") == [s]
    assert find("Observation", "code-value-string=9279-1$nhanh") == []
    assert find("Observation", "code-value-date=8867-4$2024-05") == [d]
    assert find("Observation", "code-value-date=8867-4$2023") == []
    assert find("Observation", f"code-value-concept=8867-4${SNOMED}|high") == [c]
    assert find("Observation", "code-value-concept=9279-1$high") == []
    assert sorted(find("Observation", "code-value-quantity=8867-4$72,9279-1$72")) == sorted([q, other])


def test_combo_and_component_composites_match_code_and_value_of_one_element(repo: Repository, find: Find) -> None:
    bp = repo.create(_blood_pressure()).id
    weight = _obs(repo, "29463-7", valueQuantity={"value": 80, "system": UCUM, "code": "kg"})
    smoker = _obs(repo, "72166-2", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "8517006"}]},
                  component=[{"code": {"coding": [{"system": LOINC, "code": "x-pack"}]},
                              "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "daily"}]}}])
    assert find("Observation", "combo-code-value-quantity=8480-6$160") == [bp]
    assert find("Observation", "combo-code-value-quantity=8480-6$95") == []  # 95 is another component's
    assert find("Observation", "combo-code-value-quantity=85354-9$1") == [bp]  # the Observation's own value
    assert find("Observation", "combo-code-value-quantity=29463-7$80") == [weight]
    assert find("Observation", "component-code-value-quantity=29463-7$80") == []  # no components
    assert find("Observation", "component-code-value-quantity=8462-4$95") == [bp]
    assert find("Observation", "component-code-value-quantity=85354-9$1") == []
    assert find("Observation", "combo-code-value-concept=72166-2$8517006") == [smoker]
    assert find("Observation", "combo-code-value-concept=x-pack$daily") == [smoker]
    assert find("Observation", "combo-code-value-concept=x-pack$8517006") == []
    assert find("Observation", "component-code-value-concept=x-pack$daily") == [smoker]
    assert find("Observation", "component-code-value-concept=72166-2$8517006") == []
    assert find("Observation", "code-value-concept=x-pack$daily") == []


@pytest.mark.parametrize("resource", [
    {"resourceType": "ValueSet", "status": "active"},
    {"resourceType": "CodeSystem", "status": "active", "content": "not-present"},
    {"resourceType": "Questionnaire", "status": "active"},
    {"resourceType": "Library", "status": "active", "type": {"coding": [{"code": "logic-library"}]}},
    {"resourceType": "PlanDefinition", "status": "active"},
], ids=lambda r: r["resourceType"])
def test_use_context_composites_match_code_and_value_of_the_same_context(
        repo: Repository, find: Find, resource: dict[str, Any]) -> None:
    contexts = [
        {"code": {"system": USAGE, "code": "focus"}, "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "a"}]}},
        {"code": {"system": USAGE, "code": "age"}, "valueQuantity": {"value": 40, "system": UCUM, "code": "a"}},
    ]
    rtype = resource["resourceType"]
    rid = repo.create({**resource, "useContext": contexts}).id
    repo.create({**resource, "useContext": [{**contexts[0], "code": {"system": USAGE, "code": "user"}}]})
    assert find(rtype, "context-type-value=focus$a") == [rid]
    assert find(rtype, f"context-type-value={USAGE}|focus${SNOMED}|a") == [rid]
    assert find(rtype, "context-type-value=age$a") == []
    assert find(rtype, "context-type-quantity=age$40") == [rid]
    assert find(rtype, "context-type-quantity=age$gt39") == [rid]
    assert find(rtype, "context-type-quantity=focus$40") == []
    assert find(rtype, "context-type-quantity=user$40") == []


def test_window_coordinates_match_through_either_sequence_identifier(repo: Repository, find: Find) -> None:
    def sequence(chromosome: str, seq_id: str, start: int, end: int) -> str:
        return repo.create({"resourceType": "MolecularSequence", "coordinateSystem": 0, "referenceSeq": {
            "chromosome": {"coding": [{"system": "http://hl7.org/fhir/chromosome-human", "code": chromosome}]},
            "referenceSeqId": {"coding": [{"system": "http://www.ncbi.nlm.nih.gov/nuccore", "code": seq_id}]},
            "windowStart": start, "windowEnd": end}}).id

    one = sequence("1", "NC_000001.11", 100, 200)
    two = sequence("2", "NC_000002.12", 100, 300)
    assert find("MolecularSequence", "chromosome-window-coordinate=1$100$200") == [one]
    assert find("MolecularSequence", "referenceseqid-window-coordinate=NC_000001.11$100$200") == [one]
    assert find("MolecularSequence", "referenceseqid-window-coordinate=NC_000002.12$100$200") == []
    assert find("MolecularSequence", "referenceseqid-window-coordinate=NC_000002.12$le100$gt250") == [two]
    assert sorted(find("MolecularSequence", "chromosome-window-coordinate=1$100$200,2$100$300")) == sorted([one, two])


# --- the migration -----------------------------------------------------------------------------------
QUERIES = [
    ("Observation", "code-value-quantity=8867-4$72"),
    ("Observation", "code-value-string=8867-4$nhanh"),
    ("Observation", "code-value-concept=8867-4$high"),
    ("Observation", "combo-code-value-quantity=8480-6$160"),
    ("Observation", "combo-code-value-concept=8867-4$high"),
    ("Observation", "component-code-value-quantity=8462-4$95"),
    ("ValueSet", "context-type-value=focus$a"),
    ("ValueSet", "context-type-quantity=age$40"),
    ("MolecularSequence", "referenceseqid-window-coordinate=NC_000001.11$100$200"),
    ("MolecularSequence", "chromosome-window-coordinate=1$100$200"),
]


def _composite_rows_in_db() -> Counter[tuple[Any, ...]]:
    rows: Counter[tuple[Any, ...]] = Counter()
    with connection.cursor() as cursor:
        for kind in ("token", "number", "quantity", "string", "date"):
            cursor.execute(f"SELECT {', '.join(COLUMNS[kind])} FROM {TABLES[kind]} WHERE param LIKE %s", ["%#%"])  # noqa: S608
            rows.update((kind, *row) for row in cursor.fetchall())
    return rows


def _composite_rows(resources: list[dict[str, Any]], *, shared: bool) -> Counter[tuple[Any, ...]]:
    rows: Counter[tuple[Any, ...]] = Counter()
    for resource in resources:
        for kind, kind_rows in reference_rows(resource, resource["id"], "00001", shared=shared).items():
            rows.update((kind, *row) for row in kind_rows if "#" in row[2])
    return rows


def test_the_migration_removes_the_copies_and_composite_searches_answer_the_same(
        repo: Repository, find: Find) -> None:
    stored = [
        repo.create(_blood_pressure()),
        repo.create({"resourceType": "Observation", "status": "final", "code": {"coding": [{"code": "8867-4"}]},
                     "valueQuantity": {"value": 72}}),
        repo.create({"resourceType": "Observation", "status": "final", "code": {"coding": [{"code": "8867-4"}]},
                     "valueString": "nhanh"}),
        repo.create({"resourceType": "Observation", "status": "final", "code": {"coding": [{"code": "8867-4"}]},
                     "valueCodeableConcept": {"coding": [{"code": "high"}]}}),
        repo.create({"resourceType": "ValueSet", "status": "active", "useContext": [
            {"code": {"code": "focus"}, "valueCodeableConcept": {"coding": [{"code": "a"}]}},
            {"code": {"code": "age"}, "valueQuantity": {"value": 40}}]}),
        repo.create({"resourceType": "MolecularSequence", "coordinateSystem": 0, "referenceSeq": {
            "chromosome": {"coding": [{"code": "1"}]}, "referenceSeqId": {"coding": [{"code": "NC_000001.11"}]},
            "windowStart": 100, "windowEnd": 200}, "variant": [{"start": 120, "end": 121}]}),
    ]
    resources = [s.json() for s in stored]
    new, old = _composite_rows(resources, shared=True), _composite_rows(resources, shared=False)
    assert _composite_rows_in_db() == new
    # The copies an index before decision 27 holds: the blood pressure's two codes in three more
    # code-value-*, four combo and two component codes; the other Observations' code in three more
    # code-value-* and one combo; the ValueSet's two context codes; two coordinates, twice.
    assert sum((old - new).values()) == 6 + 4 + 2 + 3 * (3 + 1) + 2 + 2 * 2
    assert not new - old
    answers = {query: sorted(find(*query)) for query in QUERIES}
    assert all(answers.values())

    # An index written before decision 27: the rows of every component under its own key as well.
    for kind in COLUMNS:
        copies = [row[1:] for row in (old - new) if row[0] == kind]
        if copies:
            bulkinsert.insert_rows(TABLES[kind], COLUMNS[kind], copies)
    assert _composite_rows_in_db() == old
    assert {query: sorted(find(*query)) for query in QUERIES} == answers

    migration.forwards(apps, connection.schema_editor())
    assert _composite_rows_in_db() == new
    assert {query: sorted(find(*query)) for query in QUERIES} == answers

    migration.backwards(apps, connection.schema_editor())  # back to the old layout, for a rollback
    assert _composite_rows_in_db() == old
    migration.forwards(apps, connection.schema_editor())
    assert _composite_rows_in_db() == new
    assert {query: sorted(find(*query)) for query in QUERIES} == answers


def test_variant_coordinates_pair_the_reference_sequence_of_the_resource_with_each_variant(
    repo: Repository, find: Find,
) -> None:
    seq = repo.create({
        "resourceType": "MolecularSequence", "coordinateSystem": 0,
        "referenceSeq": {"chromosome": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/chromosome-human",
                                                    "code": "1"}]},
                         "referenceSeqId": {"coding": [{"system": "http://www.ncbi.nlm.nih.gov/nuccore", "code": "NC_000001.11"}]}},
        "variant": [{"start": 128, "end": 129}, {"start": 2000, "end": 2001}],
    }).id
    assert find("MolecularSequence", "chromosome-variant-coordinate=1$gt100$lt200") == [seq]
    assert find("MolecularSequence", "chromosome-variant-coordinate=1$gt1500$lt2500") == [seq]
    assert find("MolecularSequence", "chromosome-variant-coordinate=1$gt200$lt1500") == []  # no variant between
    assert find("MolecularSequence", "chromosome-variant-coordinate=2$gt100$lt200") == []
    assert find("MolecularSequence", "referenceseqid-variant-coordinate=NC_000001.11$ge2000$le2001") == [seq]
    assert find("MolecularSequence", "referenceseqid-variant-coordinate=NC_000002.12$ge2000$le2001") == []


def test_the_migration_indexes_the_variant_coordinates_an_older_index_lacks(repo: Repository, find: Find) -> None:
    seq = repo.create({
        "resourceType": "MolecularSequence", "coordinateSystem": 1,
        "referenceSeq": {"chromosome": {"coding": [{"code": "7"}]}}, "variant": [{"start": 10, "end": 11}],
    }).id
    with connection.cursor() as cursor:  # what the indexer stored before: no rows for the %resource component
        cursor.execute(f"DELETE FROM {TABLES['token']} WHERE resource_id = %s AND param = %s",  # noqa: S608
                       [seq, "chromosome-variant-coordinate#0"])
    assert find("MolecularSequence", "chromosome-variant-coordinate=7$10$11") == []
    coordinates = importlib.import_module("benhan.fhir.search.migrations.0005_molecular_sequence_coordinates")
    coordinates.reindex_molecular_sequences(apps, None)
    assert find("MolecularSequence", "chromosome-variant-coordinate=7$10$11") == [seq]
