"""The bulk write path (store.write_many through Repository.create_many) behaves as many single creates."""

from __future__ import annotations

from typing import Any

import pytest

from benhan.fhir import store
from benhan.fhir.errors import FhirError
from benhan.fhir.models import AuditRow, ResourceRow, ResourceVersionRow
from benhan.fhir.repository import Repository


def _patient(family: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "name": [{"family": family}], "gender": "female"}


def _observation(patient_id: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"text": "mạch"},
            "subject": {"reference": f"Patient/{patient_id}"}}


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[store.Stored, dict[str, Any] | None]]]:
    calls: list[list[tuple[store.Stored, dict[str, Any] | None]]] = []
    monkeypatch.setattr(store, "_listeners", [*store._listeners, calls.append])
    return calls


def test_create_many_stores_every_resource_with_a_first_version_and_an_audit_row(repo: Repository) -> None:
    stored = repo.create_many([_patient("Trần"), _patient("Lê"), _observation("p1")])
    assert [s.version_id for s in stored] == [1, 1, 1]
    assert stored[1].json()["name"][0]["family"] == "Lê"
    for s in stored:
        assert repo.read(s.resource_type, s.id).content == s.content
        assert ResourceVersionRow.objects.get(resource_type=s.resource_type, resource_id=s.id).method == "POST"
    creates = AuditRow.objects.filter(interaction="create")
    assert creates.count() == 3
    assert creates.get(resource_id=stored[2].id).patient_id == "p1"
    assert set(creates.values_list("facility", flat=True)) == {"00001"}


def test_create_many_calls_each_write_listener_once_with_the_whole_list(repo: Repository, captured: list[Any]) -> None:
    stored = repo.create_many([_patient("A"), _patient("B")])
    assert len(captured) == 1
    assert [s.id for s, _ in captured[0]] == [s.id for s in stored]
    assert captured[0][0][1] is not None and captured[0][0][1]["id"] == stored[0].id


def test_create_many_keeps_given_ids_and_refuses_one_already_in_use_storing_nothing(repo: Repository) -> None:
    repo.create(_patient("Cũ"), resource_id="taken")
    with pytest.raises(FhirError) as exc:
        repo.create_many([_patient("Mới"), _patient("Trùng")], ids=["fresh", "taken"])
    assert exc.value.status == 409
    assert not ResourceRow.objects.filter(resource_id="fresh").exists()
    assert repo.read("Patient", "taken").json()["name"][0]["family"] == "Cũ"


def test_create_many_refuses_the_same_id_twice_in_one_call(repo: Repository) -> None:
    with pytest.raises(FhirError) as exc:
        repo.create_many([_patient("A"), _patient("B")], ids=["same", "same"])
    assert exc.value.status == 409
    assert ResourceRow.objects.count() == 0


def test_upsert_adds_a_version_to_an_existing_resource_and_creates_the_rest(repo: Repository) -> None:
    repo.create(_patient("Một"), resource_id="p-1")
    stored = repo.create_many([_patient("Hai"), _patient("Ba")], ids=["p-1", "p-2"], upsert=True)
    assert [(s.id, s.version_id) for s in stored] == [("p-1", 2), ("p-2", 1)]
    assert repo.vread("Patient", "p-1", 1).json()["name"][0]["family"] == "Một"
    assert repo.read("Patient", "p-1").json()["name"][0]["family"] == "Hai"
    assert AuditRow.objects.filter(resource_id="p-1", interaction="update", version_id="2").exists()


def test_upsert_cannot_take_over_another_facilitys_record(repo: Repository, make_actor: Any) -> None:
    repo.create(_patient("Của 00001"), resource_id="p-1")
    other = Repository(make_actor("system/*.*", facilities={"00002"}), "00002")
    with pytest.raises(FhirError) as exc:
        other.create_many([_patient("Của 00002")], ids=["p-1"], upsert=True)
    assert exc.value.status == 403
    assert repo.read("Patient", "p-1").version_id == 1


def test_an_invalid_resource_stores_nothing_of_the_batch(repo: Repository) -> None:
    with pytest.raises(FhirError):
        repo.create_many([_patient("A"), {"name": "no resourceType"}])
    assert ResourceRow.objects.count() == 0


def test_a_scope_without_write_on_a_type_refuses_the_batch(repo: Repository, make_actor: Any) -> None:
    writer = Repository(make_actor("system/Patient.write", facilities={"00001"}), "00001")
    with pytest.raises(FhirError) as exc:
        writer.create_many([_patient("A"), _observation("x")])
    assert exc.value.status == 403
    assert ResourceRow.objects.count() == 0


def test_bulk_rows_read_back_like_single_writes_in_history_order(repo: Repository) -> None:
    single = repo.create(_patient("Trước"))
    many = repo.create_many([_patient("Sau 1"), _patient("Sau 2")])
    entries, total = repo.history("Patient")
    assert total == 3
    assert {e.id for e in entries[:2]} == {s.id for s in many} and entries[2].id == single.id
    assert entries[0].last_updated >= single.last_updated
