from __future__ import annotations

import pytest

from benhan.clinical.errors import ClinicalError
from benhan.clinical.models import ChartEntry, QueueTicket
from benhan.clinical.workflows.visits import (
    call_next,
    record_note,
    record_vitals,
    set_diagnoses,
    start_outpatient_visit,
)
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository

from .helpers import new_patient


def test_queue_numbers_count_per_room_and_start_at_one(doctor_repo: Repository) -> None:
    a, b, c = (new_patient(doctor_repo, name=n) for n in ("Lê Văn An", "Phạm Thị Bích", "Võ Minh Châu"))
    first = start_outpatient_visit(doctor_repo, a["id"], "P101", "Phòng khám Nội 1")
    second = start_outpatient_visit(doctor_repo, b["id"], "P101")
    other_room = start_outpatient_visit(doctor_repo, c["id"], "P102")
    assert [first.ticket.number, second.ticket.number, other_room.ticket.number] == [1, 2, 1]  # type: ignore[union-attr]
    assert first.encounter["status"] == "arrived" and first.encounter["class"]["code"] == "AMB"
    assert call_next("79001", "P101").number == 1  # type: ignore[union-attr]
    assert QueueTicket.objects.get(number=1, room="P101").status == "called"


def test_vitals_are_stored_as_loinc_vital_sign_observations_with_a_blood_pressure_panel(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    visit = start_outpatient_visit(doctor_repo, patient["id"], "P101")
    obs = record_vitals(doctor_repo, visit.encounter["id"], {"pulse": "82", "temperature": "37,5", "systolic": "150",
                                                             "diastolic": "95", "weight": "60", "height": "160"})
    codes = {o["code"]["coding"][0]["code"]: o for o in obs}
    assert set(codes) == {"8867-4", "8310-5", "85354-9", "29463-7", "8302-2", "39156-5"}
    assert codes["8310-5"]["valueQuantity"] == {"value": 37.5, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"}
    assert [c["valueQuantity"]["value"] for c in codes["85354-9"]["component"]] == [150, 95]
    assert codes["39156-5"]["valueQuantity"]["value"] == 23.4
    assert all(o["category"][0]["coding"][0]["code"] == "vital-signs" for o in obs)
    assert doctor_repo.read("Encounter", visit.encounter["id"]).json()["status"] == "in-progress"


@pytest.mark.parametrize("values, field", [
    ({"pulse": "700"}, "pulse"),
    ({"temperature": "ba bảy"}, "temperature"),
    ({"systolic": "120"}, "systolic"),
    ({"systolic": "80", "diastolic": "90"}, "systolic"),
    ({}, ""),
])
def test_implausible_vitals_are_refused_in_vietnamese_and_nothing_is_stored(doctor_repo: Repository, values: dict[str, str],
                                                                           field: str) -> None:
    patient = new_patient(doctor_repo)
    visit = start_outpatient_visit(doctor_repo, patient["id"], "P101")
    with pytest.raises(ClinicalError) as exc:
        record_vitals(doctor_repo, visit.encounter["id"], values)
    assert exc.value.field == field and exc.value.message
    assert not ResourceRow.objects.filter(resource_type="Observation").exists()


def test_diagnoses_list_the_main_one_first_with_vietnamese_names(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    visit = start_outpatient_visit(doctor_repo, patient["id"], "P101")
    conditions = set_diagnoses(doctor_repo, visit.encounter["id"], "i10", ["E11"])
    encounter = doctor_repo.read("Encounter", visit.encounter["id"]).json()
    assert [d["rank"] for d in encounter["diagnosis"]] == [1, 2]
    assert encounter["diagnosis"][0]["condition"]["reference"] == f"Condition/{conditions[0]['id']}"
    assert conditions[0]["code"]["text"] == "Tăng huyết áp vô căn (nguyên phát)"
    assert conditions[0]["category"][0]["coding"][0]["code"] == "encounter-diagnosis"


def test_changing_the_diagnoses_keeps_the_unchanged_and_marks_the_dropped_as_entered_in_error(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    visit = start_outpatient_visit(doctor_repo, patient["id"], "P101")
    first = set_diagnoses(doctor_repo, visit.encounter["id"], "I10", ["J06.9"])
    second = set_diagnoses(doctor_repo, visit.encounter["id"], "I10", ["E11"])
    assert second[0]["id"] == first[0]["id"]
    dropped = doctor_repo.read("Condition", first[1]["id"]).json()
    assert dropped["verificationStatus"]["coding"][0]["code"] == "entered-in-error"


def test_a_missing_or_unknown_main_diagnosis_is_refused(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    visit = start_outpatient_visit(doctor_repo, patient["id"], "P101")
    with pytest.raises(ClinicalError, match="Chưa nhập chẩn đoán chính"):
        set_diagnoses(doctor_repo, visit.encounter["id"], " ", ["E11"])
    with pytest.raises(ClinicalError, match="Z99.9 không có trong danh mục"):
        set_diagnoses(doctor_repo, visit.encounter["id"], "Z99.9", [])
    assert not ResourceRow.objects.filter(resource_type="Condition").exists()


def test_notes_are_narrative_documents_indexed_under_the_encounter(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    visit = start_outpatient_visit(doctor_repo, patient["id"], "P101")
    note = record_note(doctor_repo, visit.encounter["id"], "exam", "Tim đều, phổi không ran.")
    assert note["type"]["coding"][0]["code"] == "29545-1"
    assert ChartEntry.objects.filter(resource_id=note["id"], encounter_id=visit.encounter["id"]).exists()
    with pytest.raises(ClinicalError, match="Chưa nhập nội dung"):
        record_note(doctor_repo, visit.encounter["id"], "history", "   ")
