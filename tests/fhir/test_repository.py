from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from benhan.fhir.errors import FhirError
from benhan.fhir.models import AuditRow, ResourceRow, ResourceVersionRow
from benhan.fhir.repository import Repository

PATIENT = {"resourceType": "Patient", "name": [{"family": "Nguyễn", "given": ["Văn", "An"]}], "gender": "male"}


def test_create_stamps_id_and_meta_and_audits(repo: Repository) -> None:
    stored = repo.create(dict(PATIENT))
    body = stored.json()
    assert body["id"] == stored.id
    assert body["meta"]["versionId"] == "1"
    assert body["name"][0]["family"] == "Nguyễn"
    assert ResourceVersionRow.objects.filter(resource_type="Patient", resource_id=stored.id).count() == 1
    assert AuditRow.objects.filter(interaction="create", resource_id=stored.id, patient_id=stored.id).exists()


def test_update_makes_a_new_version_and_keeps_the_old(repo: Repository) -> None:
    first = repo.create(dict(PATIENT))
    second, created = repo.update({**PATIENT, "gender": "female"}, first.id, if_match=1)
    assert not created and second.version_id == 2
    assert repo.vread("Patient", first.id, 1).json()["gender"] == "male"
    assert repo.read("Patient", first.id).json()["gender"] == "female"


def test_update_with_a_stale_version_is_refused(repo: Repository) -> None:
    first = repo.create(dict(PATIENT))
    repo.update(dict(PATIENT), first.id)
    with pytest.raises(FhirError) as exc:
        repo.update(dict(PATIENT), first.id, if_match=1)
    assert exc.value.status == 412


def test_delete_is_soft_and_read_after_delete_is_gone(repo: Repository) -> None:
    first = repo.create(dict(PATIENT))
    repo.delete("Patient", first.id)
    with pytest.raises(FhirError) as exc:
        repo.read("Patient", first.id)
    assert exc.value.status == 410
    entries, total = repo.history("Patient", first.id)
    assert total == 2 and entries[0].deleted and not entries[1].deleted


def test_another_facilitys_record_is_refused_and_the_refusal_audited(repo: Repository, make_actor) -> None:
    stored = repo.create(dict(PATIENT))
    outsider = Repository(make_actor("system/*.read", facilities={"00002"}), "00002")
    with pytest.raises(FhirError) as exc:
        outsider.read("Patient", stored.id)
    assert exc.value.status == 403
    assert AuditRow.objects.filter(resource_id=stored.id, outcome="4").exists()


def test_missing_scope_is_refused(repo: Repository, make_actor) -> None:
    stored = repo.create(dict(PATIENT))
    reader = Repository(make_actor("system/Observation.read", facilities={"00001"}))
    with pytest.raises(FhirError) as exc:
        reader.read("Patient", stored.id)
    assert exc.value.status == 403


def test_patient_context_reaches_only_its_own_compartment(repo: Repository, make_actor) -> None:
    mine = repo.create(dict(PATIENT))
    other = repo.create(dict(PATIENT))
    obs = repo.create({"resourceType": "Observation", "status": "final", "code": {"text": "HA"},
                       "subject": {"reference": f"Patient/{other.id}"}})
    me = Repository(make_actor("patient/*.read", facilities=None, kind="patient", patient_ids={mine.id}))
    assert me.read("Patient", mine.id).id == mine.id
    for rtype, rid in (("Patient", other.id), ("Observation", obs.id)):
        with pytest.raises(FhirError) as exc:
            me.read(rtype, rid)
        assert exc.value.status == 403


def test_audit_rows_cannot_be_changed_or_removed(repo: Repository) -> None:
    repo.create(dict(PATIENT))
    row = AuditRow.objects.first()
    assert row is not None
    for sql in (f"UPDATE fhir_audit SET actor_id='x' WHERE id={row.pk}", f"DELETE FROM fhir_audit WHERE id={row.pk}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditRow.objects.get(pk=row.pk).actor_id == row.actor_id


def test_a_failed_transaction_stores_nothing(repo: Repository) -> None:
    with pytest.raises(RuntimeError), repo.atomic():
        repo.create(dict(PATIENT))
        raise RuntimeError("boom")
    assert not ResourceRow.objects.exists()
