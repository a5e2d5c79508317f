"""Journeys 2–4 on one server hosting two facilities (a provincial cloud): refer up, receive before the
patient arrives, accept, treat, discharge, and send the summary and follow-up plan back down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import Facility, User
from benhan.clinical.workflows.inpatient import admit, discharge
from benhan.clinical.workflows.visits import set_diagnoses, start_outpatient_visit
from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate
from benhan.exchange import directory, outbox, referral
from benhan.exchange.models import OutboxMessage
from benhan.exchange.referral import ReferralError, ReferralInput
from benhan.facilities.structure import ensure_beds, ensure_department, ensure_room
from benhan.fhir.repository import Repository
from benhan.vn.models import Icd10
from tests.clinical.helpers import new_patient

CENTER, HOSPITAL = "01002", "01001"
CCCD = "001068012345"


@pytest.fixture
def province(db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    settings.BENHAN_PKI_DIR = str(tmp_path / "pki")
    settings.BENHAN_PKI_CA_KEY_BITS = 2048
    Icd10.objects.create(code="I21.9", name="Nhồi máu cơ tim cấp, không đặc hiệu")
    Icd10.objects.create(code="I10", name="Tăng huyết áp vô căn")
    people = {}
    for code, name, username, licence in ((CENTER, "Trung tâm Y tế khu vực Sóc Sơn", "bs.center", "001111/HNO-CCHN"),
                                          (HOSPITAL, "Bệnh viện Đa khoa tỉnh", "bs.hospital", "002222/HNO-CCHN")):
        facility = Facility.objects.create(code=code, name=name)
        directory.register_hosted(code, name)
        init_facility_ca(facility)
        user = User.objects.create(username=username, facility=facility, role=User.Role.DOCTOR, first_name="Minh",
                                   last_name="Phạm Văn", licence_number=licence)
        issue_user_certificate(user)
        people[code] = (user, Repository(actor_for_user(user), code))
    cardio = ensure_department(Facility.objects.get(code=HOSPITAL), "TM", "Khoa Tim mạch", inpatient=True)
    ensure_beds(ensure_room(cardio, "P301", "Buồng 301", kind="ward"), 2)
    return people


def _deliver() -> None:
    while outbox.deliver_due().delivered:
        pass


def _referral_input(**change: str) -> ReferralInput:
    data = {"destination": HOSPITAL, "reason": "Cần can thiệp mạch vành", "reason_code": "1",
            "clinical_signs": "Đau ngực trái, vã mồ hôi", "course": "Đau ngực 2 giờ trước khi vào",
            "results_summary": "ĐTĐ: ST chênh lên V1–V4", "treatment": "Aspirin 300 mg, thở oxy",
            "condition": "Tỉnh, HA 100/60 mmHg", "transport": "Xe cứu thương", "escort": "Điều dưỡng Lê Thị Thu"}
    data.update(change)
    return ReferralInput(**data)


def test_a_referral_travels_up_and_the_back_referral_comes_down(province: dict[str, Any]) -> None:
    (center_doctor, center), (hospital_doctor, hospital) = province[CENTER], province[HOSPITAL]
    patient = new_patient(center, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    visit = start_outpatient_visit(center, patient["id"], "PK1")
    set_diagnoses(center, visit.encounter["id"], "I21.9", ["I10"])
    sent = referral.refer(center, center_doctor, visit.encounter["id"], _referral_input())
    assert sent.task["status"] == "requested" and sent.bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    assert OutboxMessage.objects.filter(kind="referral.request", destination=HOSPITAL).count() == 1

    _deliver()  # the package reaches the hospital before the patient does
    incoming = referral.worklist(hospital)
    assert len(incoming) == 1 and incoming[0]["status"] == "received"
    local_patient_id = incoming[0]["for"]["reference"].split("/", 1)[1]
    assert local_patient_id != patient["id"]  # the hospital's own record, made from the package
    assert center.read("Task", sent.task["id"]).json()["status"] == "received"

    referral.accept(hospital, incoming[0]["id"])
    stay = admit(hospital, local_patient_id, "TM", "", "I21.9", "Chuyển từ TTYT Sóc Sơn")
    referral.arrived(hospital, incoming[0]["id"], stay["id"])
    _deliver()
    assert center.read("Task", sent.task["id"]).json()["status"] == "in-progress"

    done = discharge(hospital, hospital_doctor, stay["id"], "I21.9", ["I10"], "Đặt stent động mạch vành",
                     "Ổn định", "Tái khám sau 1 tháng")
    referral.send_back(hospital, incoming[0]["id"], summary_id=done.summary["id"],
                       follow_up="Theo dõi huyết áp, dùng thuốc chống kết tập tiểu cầu", reexam_date="2026-12-25")
    _deliver()
    task = center.read("Task", sent.task["id"]).json()
    assert task["status"] == "completed"
    back = center.read("Bundle", task["output"][0]["valueReference"]["reference"].split("/", 1)[1]).json()
    assert back["entry"][0]["resource"]["title"] == "Giấy ra viện"
    assert [t["id"] for t in referral.follow_up_worklist(center)] == [sent.task["id"]]


def test_a_patient_known_at_the_receiver_is_matched_by_cccd(province: dict[str, Any]) -> None:
    (center_doctor, center), (_d, hospital) = province[CENTER], province[HOSPITAL]
    known = new_patient(hospital, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    patient = new_patient(center, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    visit = start_outpatient_visit(center, patient["id"], "PK1")
    set_diagnoses(center, visit.encounter["id"], "I21.9", [])
    referral.refer(center, center_doctor, visit.encounter["id"], _referral_input())
    _deliver()
    (task,) = referral.worklist(hospital)
    assert task["for"]["reference"] == f"Patient/{known['id']}"


def test_a_rejection_returns_with_its_reason(province: dict[str, Any]) -> None:
    (center_doctor, center), (_d, hospital) = province[CENTER], province[HOSPITAL]
    patient = new_patient(center, name="Lý Thị Mai", birth="01/01/1950", gender="female")
    visit = start_outpatient_visit(center, patient["id"], "PK1")
    set_diagnoses(center, visit.encounter["id"], "I10", [])
    sent = referral.refer(center, center_doctor, visit.encounter["id"], _referral_input())
    _deliver()
    with pytest.raises(ReferralError):
        referral.reject(hospital, referral.worklist(hospital)[0]["id"], "  ")
    referral.reject(hospital, referral.worklist(hospital)[0]["id"], "Hết giường hồi sức")
    _deliver()
    task = center.read("Task", sent.task["id"]).json()
    assert task["status"] == "rejected" and task["statusReason"]["text"] == "Hết giường hồi sức"


@pytest.mark.parametrize(("change", "message"), [
    ({"reason": ""}, "lý do chuyển"), ({"transport": ""}, "phương tiện"), ({"reason_code": "9"}, "Lý do chuyển phải"),
    ({"destination": "99999"}, "danh bạ"),
])
def test_an_incomplete_referral_is_refused_in_vietnamese_and_nothing_is_sent(province: dict[str, Any],
                                                                            change: dict[str, str], message: str) -> None:
    (center_doctor, center) = province[CENTER]
    patient = new_patient(center, name="Lý Thị Mai", birth="01/01/1950", gender="female")
    visit = start_outpatient_visit(center, patient["id"], "PK1")
    set_diagnoses(center, visit.encounter["id"], "I10", [])
    with pytest.raises(ReferralError, match=message):
        referral.refer(center, center_doctor, visit.encounter["id"], _referral_input(**change))
    assert not OutboxMessage.objects.exists()


def test_the_receiving_doctor_sees_and_accepts_the_referral_on_the_worklist_page(province: dict[str, Any]) -> None:
    from django.test import Client

    (center_doctor, center), (hospital_doctor, hospital) = province[CENTER], province[HOSPITAL]
    patient = new_patient(center, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    visit = start_outpatient_visit(center, patient["id"], "PK1")
    set_diagnoses(center, visit.encounter["id"], "I21.9", [])
    sent = referral.refer(center, center_doctor, visit.encounter["id"], _referral_input())
    _deliver()
    client = Client()
    client.force_login(hospital_doctor)
    page = client.get("/exchange/chuyen-den/").content.decode()
    assert "Đỗ Văn Hải" in page and "Trung tâm Y tế khu vực Sóc Sơn" in page
    (task,) = referral.worklist(hospital)
    assert client.post(f"/exchange/chuyen-den/{task['id']}/", {"action": "accept"}).status_code == 302
    _deliver()
    assert center.read("Task", sent.task["id"]).json()["status"] == "accepted"
    admin = User.objects.create(username="qt.admin", facility=Facility.objects.get(code=CENTER),
                                role=User.Role.FACILITY_ADMIN)
    client.force_login(admin)
    queues = client.get("/exchange/hang-doi/").content.decode()
    assert "delivered" in queues and HOSPITAL in queues
