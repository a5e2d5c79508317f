from __future__ import annotations

import pytest

from benhan.clinical.errors import ClinicalError
from benhan.clinical.fhirutil import BHYT_SYSTEM, CCCD_SYSTEM
from benhan.clinical.workflows.registration import (
    DuplicateWarning,
    PatientInput,
    input_from_chip_qr,
    merge_patients,
    register_patient,
)
from benhan.fhir.models import AuditRow, ResourceRow
from benhan.fhir.repository import Repository

QR = "079068012345||Nguyễn Văn Bình|12031968|Nam|12 Lê Lợi, phường Sài Gòn, TP. Hồ Chí Minh|01012022"


def test_registration_from_the_chip_id_qr_stores_identifiers_and_the_bhyt_coverage(receptionist_repo: Repository) -> None:
    data = input_from_chip_qr(QR)
    assert (data.name, data.birth_date, data.gender) == ("Nguyễn Văn Bình", "12/03/1968", "male")
    data.bhyt, data.bhyt_valid_to, data.phone = "HT4790123456789", "31/12/2099", "0912345678"
    done = register_patient(receptionist_repo, data)
    systems = {i["system"]: i["value"] for i in done.patient["identifier"]}
    assert systems[CCCD_SYSTEM] == "079068012345" and systems[BHYT_SYSTEM] == "HT4790123456789"
    assert any(s.startswith("https://benhan.vn/fhir/sid/mrn/79001") for s in systems)
    assert done.patient["birthDate"] == "1968-03-12" and done.patient["name"][0]["family"] == "Nguyễn"
    assert done.coverage is not None and done.coverage["beneficiary"]["reference"] == f"Patient/{done.patient['id']}"
    assert done.coverage["period"]["end"] == "2099-12-31"


@pytest.mark.parametrize("cccd, message", [
    ("07906801234", "12 chữ số"),
    ("999068012345", "mã tỉnh"),
    ("079168012345", "giới tính"),
    ("079070012345", "năm sinh 1968"),
])
def test_an_invalid_cccd_is_refused_in_vietnamese_and_nothing_is_stored(receptionist_repo: Repository, cccd: str,
                                                                        message: str) -> None:
    with pytest.raises(ClinicalError, match=message) as exc:
        register_patient(receptionist_repo, PatientInput("Nguyễn Văn Bình", "12/03/1968", "male", cccd=cccd))
    assert exc.value.field == "cccd"
    assert not ResourceRow.objects.exists()


@pytest.mark.parametrize("field, values, message", [
    ("name", {"name": " "}, "Chưa nhập họ và tên"),
    ("birth_date", {"birth_date": "31/02/1968"}, "Ngày sinh không hợp lệ"),
    ("birth_date", {"birth_date": "01/01/2999"}, "tương lai"),
    ("gender", {"gender": ""}, "giới tính"),
    ("bhyt", {"bhyt": "XX4790123456789"}, "Mã đối tượng XX"),
    ("bhyt_valid_to", {"bhyt": "HT4790123456789", "bhyt_valid_to": "01/01/2020"}, "hết hạn"),
])
def test_bad_registration_input_is_refused_field_by_field(receptionist_repo: Repository, field: str,
                                                          values: dict[str, str], message: str) -> None:
    data = PatientInput("Lê Thị Hoa", "05/06/1990", "female")
    for key, value in values.items():
        setattr(data, key, value)
    with pytest.raises(ClinicalError, match=message) as exc:
        register_patient(receptionist_repo, data)
    assert exc.value.field == field
    assert not ResourceRow.objects.exists()


def test_the_same_cccd_is_refused_and_names_the_existing_record(receptionist_repo: Repository) -> None:
    first = register_patient(receptionist_repo, input_from_chip_qr(QR)).patient
    with pytest.raises(DuplicateWarning) as exc:
        register_patient(receptionist_repo, input_from_chip_qr(QR), confirm_not_duplicate=True)
    assert not exc.value.overridable
    assert [c.patient_id for c in exc.value.candidates] == [first["id"]]
    assert ResourceRow.objects.filter(resource_type="Patient").count() == 1


def test_the_same_folded_name_and_birth_date_warns_until_confirmed(receptionist_repo: Repository) -> None:
    register_patient(receptionist_repo, PatientInput("Trần Thị Mai", "01/02/1975", "female"))
    with pytest.raises(DuplicateWarning) as exc:
        register_patient(receptionist_repo, PatientInput("tran thi  MAI", "01/02/1975", "female"))
    assert exc.value.overridable and exc.value.candidates[0].reason == "name_dob"
    register_patient(receptionist_repo, PatientInput("tran thi  MAI", "01/02/1975", "female"), confirm_not_duplicate=True)
    assert ResourceRow.objects.filter(resource_type="Patient").count() == 2


def test_a_merged_record_no_longer_counts_as_a_duplicate(receptionist_repo: Repository) -> None:
    a = register_patient(receptionist_repo, PatientInput("Phan Văn Tài", "01/02/1975", "male")).patient
    b = register_patient(receptionist_repo, PatientInput("Phan Van Tai", "01/02/1975", "male"),
                         confirm_not_duplicate=True).patient
    merge_patients(receptionist_repo, b["id"], a["id"], "trùng hồ sơ")
    with pytest.raises(DuplicateWarning) as exc:
        register_patient(receptionist_repo, PatientInput("Phan Văn Tài", "01/02/1975", "male"))
    assert [c.patient_id for c in exc.value.candidates] == [a["id"]]
    assert AuditRow.objects.filter(interaction="merge").count() == 1
    with pytest.raises(ClinicalError, match="lý do"):
        merge_patients(receptionist_repo, a["id"], b["id"], " ")
