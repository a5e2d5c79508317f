"""The audit entry of a read by id made outside a transaction (as every API read is): committed on
its own, with the actor, the version read and the patient whose record it is."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.bundles import process_bundle
from benhan.fhir.compartment import patient_ids_of
from benhan.fhir.errors import FhirError
from benhan.fhir.models import AuditRow, ResourceRow
from benhan.fhir.repository import Repository
from benhan.fhir.rest.messages import FhirRequest
from benhan.fhir.rest.routing import parse_path
from tests.shared_data import SYNTHEA


def client(facilities: set[str] | None = None, scopes: str = "system/*.read") -> Repository:
    actor = Actor("client", "reader", display="Máy đọc", scopes=parse_scopes(scopes.split()),
                  facilities=None if facilities is None else frozenset(facilities))
    return Repository(actor, "00001", source_ip="10.0.0.9", purpose="TREAT")


def store(resource: dict[str, Any], facility: str = "00001") -> str:
    return Repository(Actor.system("tests"), facility).create(resource).id


def audit_rows(resource_id: str) -> list[AuditRow]:
    return list(AuditRow.objects.filter(resource_id=resource_id, interaction="read").order_by("id"))


def test_a_read_by_id_is_audited_with_the_actor_the_version_and_the_patient(committed_audit: None) -> None:
    patient = store({"resourceType": "Patient", "name": [{"family": "Trần"}]})
    obs = store({"resourceType": "Observation", "status": "final", "code": {"text": "Mạch"},
                 "subject": {"reference": f"Patient/{patient}"}})
    reader = client({"00001"})
    assert not connection.in_atomic_block
    stored = reader.read("Observation", obs)
    assert stored.json()["subject"]["reference"] == f"Patient/{patient}"
    [row] = audit_rows(obs)
    assert (row.actor_kind, row.actor_id, row.actor_display, row.facility, row.action, row.outcome) == (
        "client", "reader", "Máy đọc", "00001", "R", "0")
    assert (row.resource_type, row.version_id, row.patient_id) == ("Observation", "1", patient)
    assert (row.purpose, row.source_ip, row.reason, row.query) == ("TREAT", "10.0.0.9", "", "")


def test_a_resource_in_several_compartments_is_audited_under_the_smallest_patient_id(committed_audit: None) -> None:
    first, second = store({"resourceType": "Patient"}), store({"resourceType": "Patient"})
    visit = store({"resourceType": "Appointment", "status": "booked", "participant": [
        {"actor": {"reference": f"Patient/{second}"}, "status": "accepted"},
        {"actor": {"reference": f"Patient/{first}"}, "status": "accepted"}]})
    client({"00001"}).read("Appointment", visit)
    assert audit_rows(visit)[0].patient_id == min(first, second)


def test_a_patient_is_audited_under_its_own_id_and_a_resource_outside_any_compartment_under_none(
    committed_audit: None,
) -> None:
    patient = store({"resourceType": "Patient"})
    org = store({"resourceType": "Organization", "name": "Trạm y tế xã"})
    reader = client(None)
    reader.read("Patient", patient)
    reader.read("Organization", org)
    assert audit_rows(patient)[0].patient_id == patient
    assert audit_rows(org)[0].patient_id == ""


def test_an_updated_resource_is_audited_with_its_current_version(committed_audit: None) -> None:
    writer = Repository(Actor.system("tests"), "00001")
    patient = writer.create({"resourceType": "Patient", "gender": "male"}).id
    writer.update({"resourceType": "Patient", "id": patient, "gender": "female"}, patient)
    assert client({"00001"}).read("Patient", patient).version_id == 2
    assert audit_rows(patient)[0].version_id == "2"


def test_another_facilitys_resource_is_refused_and_only_the_refusal_is_audited(committed_audit: None) -> None:
    patient = store({"resourceType": "Patient"}, facility="00002")
    with pytest.raises(FhirError) as exc:
        client({"00001"}).read("Patient", patient)
    assert exc.value.status == 403
    assert [r.outcome for r in AuditRow.objects.filter(resource_id=patient, interaction="read")] == ["4"]


def test_an_unknown_or_deleted_resource_is_not_found_or_gone_and_not_audited_as_read(committed_audit: None) -> None:
    writer = Repository(Actor.system("tests"), "00001")
    patient = writer.create({"resourceType": "Patient"}).id
    writer.delete("Patient", patient)
    reader = client({"00001"})
    with pytest.raises(FhirError) as gone:
        reader.read("Patient", patient)
    with pytest.raises(FhirError) as missing:
        reader.read("Patient", "khong-co")
    assert (gone.value.status, missing.value.status) == (410, 404)
    assert audit_rows(patient) == [] and audit_rows("khong-co") == []


def test_a_missing_scope_is_refused_before_the_database_is_asked(committed_audit: None) -> None:
    patient = store({"resourceType": "Patient"})
    with CaptureQueriesContext(connection) as ctx, pytest.raises(FhirError) as exc:
        client({"00001"}, scopes="system/Observation.read").read("Patient", patient)
    assert exc.value.status == 403
    assert not any("fhir_resource" in q["sql"] for q in ctx.captured_queries)


def test_a_patient_context_reader_is_checked_and_audited_against_the_compartment(committed_audit: None) -> None:
    mine, other = store({"resourceType": "Patient"}), store({"resourceType": "Patient"})
    actor = Actor("patient", "p", scopes=parse_scopes(["patient/*.read"]), facilities=None,
                  patient_ids=frozenset({mine}))
    reader = Repository(actor, "")
    assert reader.read("Patient", mine).id == mine
    with pytest.raises(FhirError) as exc:
        reader.read("Patient", other)
    assert exc.value.status == 403
    assert audit_rows(mine)[0].patient_id == mine
    assert [r.outcome for r in AuditRow.objects.filter(resource_id=other, interaction="read")] == ["4"]


def test_every_resource_of_a_synthea_bundle_is_audited_as_the_python_rule_says(committed_audit: None) -> None:
    body = orjson.loads(sorted(SYNTHEA.glob("*.json"))[0].read_bytes())
    process_bundle(Repository(Actor.system("tests"), "00001"),
                   FhirRequest(method="POST", route=parse_path(""), body=body, base="http://test/fhir"))
    reader = client({"00001"})
    expected: dict[tuple[str, str], str] = {}
    for rtype, rid, content in ResourceRow.objects.values_list("resource_type", "resource_id", "content"):
        reader.read(rtype, rid)
        ids = patient_ids_of(orjson.loads(content))
        expected[(rtype, rid)] = min(ids) if ids else ""
    assert len(expected) > 100
    got = {(r.resource_type, r.resource_id): r.patient_id for r in AuditRow.objects.filter(interaction="read")}
    assert got == expected
    assert sum(1 for v in expected.values() if v) > len(expected) / 2  # most of a bundle is one patient's
