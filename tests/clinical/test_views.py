"""The clinician pages over HTTP (Django test client): the outpatient visit and the refusals."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from benhan.accounts.models import User
from benhan.facilities.structure import ensure_department, ensure_room
from benhan.fhir.models import AuditRow, ResourceRow

QR = "079068012345||Nguyễn Văn Bình|12031968|Nam|12 Lê Lợi, phường Sài Gòn, TP. Hồ Chí Minh|01012022"


@pytest.fixture
def client_for(facility, catalogs, wards):
    ensure_room(ensure_department(facility, "KB", "Khoa Khám bệnh"), "P101", "Phòng khám Nội 1")

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client
    return make


def _encounter_id(response) -> str:
    match = re.search(r"/ui/luot-kham/([^/]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_a_visit_from_qr_to_signed_record_over_http(client_for, signing_doctor: User) -> None:
    client = client_for(signing_doctor)
    page = client.post("/ui/nguoi-benh/dang-ky/", {"qr": QR, "read_qr": "1"})
    assert page.status_code == 200 and 'value="079068012345"' in page.content.decode()
    form = {"name": "Nguyễn Văn Bình", "birth_date": "12/03/1968", "gender": "male", "cccd": "079068012345",
            "bhyt": "HT4790123456789", "bhyt_valid_to": "31/12/2099", "room": "P101"}
    response = client.post("/ui/nguoi-benh/dang-ky/", form)
    assert response.status_code == 302
    eid = _encounter_id(response)
    base = f"/ui/luot-kham/{eid}/"
    assert client.post(base + "sinh-ton/", {"pulse": "80", "systolic": "140", "diastolic": "90"}).status_code == 302
    assert client.post(base + "ghi-chep/", {"kind": "exam", "text": "Tim đều"}).status_code == 302
    assert client.post(base + "chan-doan/", {"main_diagnosis": "I10"}).status_code == 302
    assert client.post(base + "don-thuoc/", {"drug_0": "AMLO5", "dose_0": "1", "times_0": "1", "days_0": "30",
                                             "route_0": "oral"}).status_code == 302
    page = client.get(base).content.decode()
    assert "Amlodipin" in page and "Số thứ tự" in page
    group = re.search(r"/don-thuoc/([0-9a-f]+)/ky/", page).group(1)  # type: ignore[union-attr]
    assert client.post(base + f"don-thuoc/{group}/ky/").status_code == 302
    assert client.post(base + "ket-thuc/", {"outcome": "home", "conclusion": "Ổn định"}).status_code == 302
    page = client.get(base).content.decode()
    assert "Đã kết thúc" in page and "PHIẾU KHÁM BỆNH" in page and "ĐƠN THUỐC" in page
    pid = ResourceRow.objects.get(resource_type="Patient").resource_id
    chart = client.get(f"/ui/nguoi-benh/{pid}/").content.decode()
    assert "Đã ký" in chart
    assert AuditRow.objects.filter(interaction="chart-open", patient_id=pid).exists()
    log = client.get(f"/ui/nguoi-benh/{pid}/nhat-ky-truy-cap/")
    assert log.status_code == 200 and "chart-open" in log.content.decode()


def test_an_invalid_cccd_shows_the_vietnamese_message_and_stores_nothing(client_for, doctor: User) -> None:
    response = client_for(doctor).post("/ui/nguoi-benh/dang-ky/", {
        "name": "Nguyễn Văn Bình", "birth_date": "12/03/1968", "gender": "male", "cccd": "079068", "room": "P101"})
    assert response.status_code == 400
    assert "Số CCCD phải gồm đúng 12 chữ số." in response.content.decode()
    assert not ResourceRow.objects.exists()


def test_concluding_without_a_diagnosis_is_refused_and_the_visit_stays_open(client_for, doctor: User) -> None:
    client = client_for(doctor)
    response = client.post("/ui/nguoi-benh/dang-ky/", {"name": "Lê Thị Hoa", "birth_date": "05/06/1990",
                                                       "gender": "female", "room": "P101"})
    base = f"/ui/luot-kham/{_encounter_id(response)}/"
    refused = client.post(base + "ket-thuc/", {"outcome": "home", "conclusion": "Về"})
    assert refused.status_code == 400 and "Chưa nhập chẩn đoán chính" in refused.content.decode()
    assert "Chờ khám" in client.get(base).content.decode()


def test_a_technician_reaches_the_worklist_but_not_the_registration(client_for, facility) -> None:
    technician = User.objects.create(username="ktv", facility=facility, role=User.Role.TECHNICIAN)
    client = client_for(technician)
    assert client.get("/ui/can-lam-sang/").status_code == 200
    assert client.get("/ui/nguoi-benh/dang-ky/").status_code == 403


def test_the_pages_speak_english_when_the_user_chooses_it(client_for, doctor: User) -> None:
    from django.conf import settings

    client = client_for(doctor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/ui/nguoi-benh/dang-ky/").content.decode()
    assert "Scan the QR code of the chip ID card" in page and "Save record" in page
    refused = client.post("/ui/nguoi-benh/dang-ky/", {"name": "", "birth_date": "01/01/1990", "gender": "male"})
    assert "The full name is missing." in refused.content.decode()


def test_the_clinic_page_lists_todays_queue_and_calling_opens_the_next_visit(client_for, doctor: User) -> None:
    client = client_for(doctor)
    for name, birth in (("Lê Văn An", "01/01/1970"), ("Phạm Thị Bích", "02/02/1980")):
        client.post("/ui/nguoi-benh/dang-ky/", {"name": name, "birth_date": birth, "gender": "male" if "Văn" in name else "female",
                                                "room": "P101"})
    home = client.get("/ui/?phong=P101").content.decode()
    assert "Lê Văn An" in home and "Phạm Thị Bích" in home
    called = client.post("/ui/goi-so/", {"room": "P101"})
    assert called.status_code == 302 and "/ui/luot-kham/" in called["Location"]
    search = client.get("/ui/nguoi-benh/", {"q": "pham thi"}).content.decode()
    assert "Phạm Thị Bích" in search and "Lê Văn An" not in search


def test_the_technician_enters_an_imaging_report_and_signs_it_from_the_worklist(
        client_for, doctor_repo, signing_technician: User) -> None:
    from benhan.clinical.workflows.orders import place_orders
    from benhan.clinical.workflows.visits import start_outpatient_visit
    from benhan.documents.models import SignedDocument

    from .helpers import new_patient

    patient = new_patient(doctor_repo)
    encounter = start_outpatient_visit(doctor_repo, patient["id"], "P101").encounter
    (xray,) = place_orders(doctor_repo, encounter["id"], ["CDHA-XQ"])
    client = client_for(signing_technician)
    refused = client.post(f"/ui/can-lam-sang/{xray['id']}/ket-qua/", {"findings": "Bóng tim không to.", "conclusion": ""})
    assert refused.status_code == 400 and "Chưa nhập kết luận." in refused.content.decode()
    assert not ResourceRow.objects.filter(resource_type="DiagnosticReport").exists()
    assert client.post(f"/ui/can-lam-sang/{xray['id']}/ket-qua/",
                       {"findings": "Bóng tim không to.", "conclusion": "Phổi bình thường"}).status_code == 302
    worklist = client.get("/ui/can-lam-sang/?loai=imaging").content.decode()
    assert "Kết quả chờ duyệt và ký" in worklist and "Duyệt và ký số" in worklist
    report_id = ResourceRow.objects.get(resource_type="DiagnosticReport").resource_id
    signed = client.post(f"/ui/ket-qua/{report_id}/ky/", {"next": "/ui/can-lam-sang/?loai=imaging"})
    assert signed.status_code == 302 and signed["Location"] == "/ui/can-lam-sang/?loai=imaging"
    document = SignedDocument.objects.get(kind="imaging_report")
    assert "Không có phiếu kết quả chờ ký." in client.get("/ui/can-lam-sang/").content.decode()
    page = client.get(f"/ui/luot-kham/{encounter['id']}/").content.decode()
    assert "PHIẾU KẾT QUẢ CHẨN ĐOÁN HÌNH ẢNH" in page and "Bóng tim không to." in page
    verification = client.get(f"/documents/{document.pk}/verify")
    assert verification.status_code == 200 and "Lê Văn Minh" in verification.content.decode()
