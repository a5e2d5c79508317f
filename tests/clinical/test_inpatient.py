from __future__ import annotations

import pytest

from benhan.accounts.models import User
from benhan.clinical.errors import ClinicalError
from benhan.clinical.workflows.inpatient import admit, current_place, discharge, record_course, transfer
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository

from .helpers import new_patient


def test_admission_places_the_patient_in_a_department_and_bed_with_the_admission_diagnosis(
        doctor_repo: Repository, wards: None) -> None:
    patient = new_patient(doctor_repo)
    stay = admit(doctor_repo, patient["id"], "NOI", "H002", "J18.9", "Sốt cao, ho đờm")
    assert stay["class"]["code"] == "IMP" and stay["status"] == "in-progress"
    assert current_place(stay) == ("Khoa Nội", "Buồng 201 – giường H002")
    assert stay["diagnosis"][0]["rank"] == 1


def test_a_transfer_ends_the_old_locations_and_keeps_them_as_history(doctor_repo: Repository, wards: None) -> None:
    patient = new_patient(doctor_repo)
    stay = admit(doctor_repo, patient["id"], "NOI", "H001", "J18.9")
    moved = transfer(doctor_repo, stay["id"], "HSCC", "H001")
    assert current_place(moved) == ("Khoa Hồi sức cấp cứu", "Buồng 101 – giường H001")
    old = [loc for loc in moved["location"] if loc["status"] == "completed"]
    assert [loc["location"]["display"] for loc in old] == ["Khoa Nội", "Buồng 201 – giường H001"]
    assert all(loc["period"]["end"] for loc in old)


def test_a_bed_of_another_department_is_refused(doctor_repo: Repository, wards: None) -> None:
    patient = new_patient(doctor_repo)
    with pytest.raises(ClinicalError, match="không thuộc khoa"):
        admit(doctor_repo, patient["id"], "HSCC", "H004", "J18.9")
    assert not ResourceRow.objects.filter(resource_type="Encounter").exists()


def test_daily_course_notes_and_an_incomplete_discharge_is_refused(doctor_repo: Repository, doctor: User,
                                                                   wards: None) -> None:
    patient = new_patient(doctor_repo)
    stay = admit(doctor_repo, patient["id"], "NOI", "H001", "J18.9")
    course = record_course(doctor_repo, stay["id"], "Hết sốt, còn ho ít.", "Tiếp tục kháng sinh")
    assert course["type"]["coding"][0]["code"] == "11506-3"
    with pytest.raises(ClinicalError, match="Chưa nhập phương pháp điều trị"):
        discharge(doctor_repo, doctor, stay["id"], "J18.9", [], " ", "Ổn định", "")
    assert doctor_repo.read("Encounter", stay["id"]).json()["status"] == "in-progress"
    assert not ResourceRow.objects.filter(resource_type="Composition").exists()
