from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benhan.fhir.bulk import compartment_index
from benhan.fhir.bulk.models import CompartmentMember
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository
from benhan.fhir.store import Stored


def _patient(repo: Repository) -> str:
    return repo.create({"resourceType": "Patient", "gender": "female"}).id


def _obs(repo: Repository, patient_id: str, when: str = "2024-03-01") -> str:
    return repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "HA"},
                        "subject": {"reference": f"Patient/{patient_id}"}, "effectiveDateTime": when}).id


def _members(patient_id: str) -> set[tuple[str, str]]:
    return set(CompartmentMember.objects.filter(patient_id=patient_id).values_list("resource_type", "resource_id"))


def test_a_written_resource_joins_its_patients_compartment_with_tenant_and_date(repo: Repository) -> None:
    pid = _patient(repo)
    oid = _obs(repo, pid, "2024-03-01T08:30:00+07:00")
    assert _members(pid) == {("Patient", pid), ("Observation", oid)}
    row = CompartmentMember.objects.get(resource_id=oid)
    assert row.tenant == "00001"
    assert row.date_start is not None and row.date_start.isoformat().startswith("2024-03-01T01:30")


def test_an_update_moving_a_resource_to_another_patient_moves_its_membership(repo: Repository) -> None:
    first, second = _patient(repo), _patient(repo)
    oid = _obs(repo, first)
    repo.update({"resourceType": "Observation", "status": "final", "code": {"text": "HA"},
                 "subject": {"reference": f"Patient/{second}"}}, oid)
    assert ("Observation", oid) not in _members(first)
    assert ("Observation", oid) in _members(second)


def test_a_deleted_resource_leaves_the_compartment(repo: Repository) -> None:
    pid = _patient(repo)
    oid = _obs(repo, pid)
    repo.delete("Observation", oid)
    assert _members(pid) == {("Patient", pid)}


def test_a_resource_referring_to_two_patients_is_in_both_compartments(repo: Repository) -> None:
    a, b = _patient(repo), _patient(repo)
    cid = repo.create({"resourceType": "Communication", "status": "completed",
                       "subject": {"reference": f"Patient/{a}"}, "recipient": [{"reference": f"Patient/{b}"}]}).id
    assert ("Communication", cid) in _members(a) and ("Communication", cid) in _members(b)


def test_resources_outside_every_compartment_get_no_rows(repo: Repository) -> None:
    repo.create({"resourceType": "Practitioner", "name": [{"family": "Trần"}]})
    repo.create({"resourceType": "Organization", "name": "Bệnh viện tỉnh"})
    assert not CompartmentMember.objects.exists()


def test_rebuild_recomputes_the_table_from_stored_resources(repo: Repository) -> None:
    pid = _patient(repo)
    oid = _obs(repo, pid)
    expected = set(CompartmentMember.objects.values_list("resource_type", "resource_id", "patient_id", "tenant"))
    CompartmentMember.objects.all().delete()
    CompartmentMember.objects.create(resource_type="Observation", resource_id="stale", patient_id=pid, tenant="00001")
    assert compartment_index.rebuild() == 2
    assert set(CompartmentMember.objects.values_list("resource_type", "resource_id", "patient_id", "tenant")) == expected
    assert ("Observation", oid) in _members(pid)


def test_rebuild_of_one_facility_leaves_the_others_rows_alone(repo: Repository, system_actor) -> None:
    _obs(repo, _patient(repo))
    other = Repository(system_actor, "00002")
    other_pid = _patient(other)
    compartment_index.rebuild(tenant="00001")
    assert _members(other_pid) == {("Patient", other_pid)}
    assert CompartmentMember.objects.filter(tenant="00001").count() == 2


def test_in_compartments_restricts_a_queryset_to_the_given_patients(repo: Repository) -> None:
    a, b = _patient(repo), _patient(repo)
    oa, ob = _obs(repo, a), _obs(repo, b)
    repo.create({"resourceType": "Practitioner"})
    ids = set(ResourceRow.objects.filter(compartment_index.in_compartments([a])).values_list("resource_id", flat=True))
    assert ids == {a, oa}
    both = ResourceRow.objects.filter(compartment_index.in_compartments([a, b]))
    assert set(both.values_list("resource_id", flat=True)) == {a, oa, b, ob}


def test_compartment_sql_restricts_hand_written_sql_the_same_way(repo: Repository) -> None:
    a, b = _patient(repo), _patient(repo)
    oa = _obs(repo, a)
    _obs(repo, b)
    where, params = compartment_index.compartment_sql([a], alias="r")
    with connection.cursor() as cur:
        cur.execute(f"SELECT r.resource_id FROM fhir_resource r WHERE {where}", params)
        assert {row[0] for row in cur.fetchall()} == {a, oa}
    assert compartment_index.compartment_sql([])[0] == "1 = 0"


def test_a_batch_of_new_writes_is_bulk_inserted_without_any_delete(repo: Repository) -> None:
    now = timezone.now()
    batch: list[tuple[Stored, dict[str, Any] | None]] = [(Stored("Observation", f"o{i}", 1, now, False, "00001", ""),
              {"resourceType": "Observation", "id": f"o{i}", "subject": {"reference": "Patient/p1"}})
             for i in range(300)]
    with CaptureQueriesContext(connection) as ctx:
        compartment_index.record_writes(batch)
    # Django logs an executemany as "N times: INSERT ..."; PostgreSQL's COPY bypasses its cursor.
    statements = [re.sub(r"^\d+ times: ", "", q["sql"]).split()[0].upper() for q in ctx.captured_queries]
    # At most one bulk INSERT (COPY on PostgreSQL), and no DELETE.
    assert set(statements) <= {"INSERT"} and len(statements) <= 1
    assert CompartmentMember.objects.filter(patient_id="p1").count() == 300
