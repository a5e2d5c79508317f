"""Journey 1 (outpatient visit, signed) and an inpatient stay to discharge, in headless Chromium."""

from __future__ import annotations

import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QR = "079068012345||Nguyễn Văn Bình|12031968|Nam|12 Lê Lợi, phường Sài Gòn, TP. Hồ Chí Minh|01012022"


def test_journey_1_register_from_qr_examine_prescribe_sign_and_print(page: Any, live_server: Any,
                                                                      clinic: dict[str, Any]) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    from benhan.documents.models import SignedDocument

    log_in(page, live_server.url, clinic)
    page.goto(f"{live_server.url}/ui/nguoi-benh/dang-ky/")
    page.fill("#qr", QR)
    page.get_by_role("button", name="Đọc mã QR").click()
    assert page.input_value("#name") == "Nguyễn Văn Bình"
    assert page.input_value("#birth_date") == "12/03/1968"
    page.fill("#bhyt", "HT4790123456789")
    page.fill("#bhyt_valid_to", "31/12/2099")
    page.get_by_role("button", name="Lưu hồ sơ").click()
    page.wait_for_url(re.compile(r".*/ui/luot-kham/[^/]+/$"))
    expect(page.locator("[data-testid=queue-number]")).to_have_text("1")

    vitals = page.locator("#vitals form")
    vitals.get_by_label("Mạch").fill("82")
    vitals.get_by_label("Nhiệt độ").fill("37,2")
    vitals.get_by_label("Huyết áp tâm thu").fill("150")
    vitals.get_by_label("Huyết áp tâm trương").fill("95")
    vitals.get_by_role("button", name="Lưu sinh hiệu").click()
    expect(page.locator("#vitals")).to_contain_text("150/95 mmHg")

    page.select_option("#note-kind", "exam")
    page.fill("#note-text", "Tim đều, phổi không ran. Không phù.")
    page.get_by_role("button", name="Lưu ghi chép").click()
    page.fill("#main_diagnosis", "I10")
    page.get_by_role("button", name="Lưu chẩn đoán").click()
    expect(page.locator(".enc-head")).to_contain_text("I10")

    page.fill("input[name=drug_0]", "AMLO5")
    page.fill("input[name=dose_0]", "1")
    page.fill("input[name=times_0]", "1")
    page.fill("input[name=days_0]", "30")
    page.fill("input[name=instructions_0]", "uống buổi sáng")
    page.get_by_role("button", name="Lưu đơn thuốc").click()
    prescription = page.locator("#prescription")
    expect(prescription).to_contain_text("Uống, mỗi lần 1 viên, ngày 1 lần, trong 30 ngày; uống buổi sáng")
    prescription.locator("input[name=national_code]").fill("79001AB12345-c")
    prescription.get_by_role("button", name="Lưu mã").click()
    page.locator("#prescription").get_by_role("button", name="Ký đơn thuốc").click()
    expect(page.locator("#prescription")).to_contain_text("Đã ký")

    page.fill("#conclusion-text", "Tăng huyết áp độ 1, điều trị ngoại trú.")
    page.select_option("#outcome", "reexam")
    page.fill("#reexam_date", "01/01/2099")
    page.get_by_role("button", name="Ký số phiếu khám và kết thúc").click()
    expect(page.locator("[data-testid=encounter-status]")).to_have_text("Đã kết thúc")

    # Print: the visit record's PDF downloads, is the stored signed file, and its signature is intact.
    link = page.locator("[data-testid=pdf-visit_record]")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"].startswith("application/pdf")
    pdf = response.body()
    document = SignedDocument.objects.get(kind="visit_record")
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    # pyhanko validates with asyncio.run(), which cannot run on the thread Playwright's loop occupies.
    with ThreadPoolExecutor(1) as pool:
        status = pool.submit(lambda: validate_pdf_signature(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0])).result()
    assert status.intact and status.valid
    # The verification page of the documents engineer says the same, in Vietnamese.
    page.goto(f"{live_server.url}/documents/{document.id}/verify")
    assert page.locator("body").inner_text().strip()
    assert SignedDocument.objects.filter(kind="prescription").count() == 1
    assert SignedDocument.objects.filter(kind="reexam_appointment").count() == 1


def test_an_inpatient_stay_from_admission_through_transfer_to_a_signed_discharge(page: Any, live_server: Any,
                                                                                 clinic: dict[str, Any]) -> None:
    from benhan.clinical.workflows.registration import PatientInput, register_patient
    from benhan.documents.models import SignedDocument
    from benhan.fhir.access import Actor
    from benhan.fhir.repository import Repository

    patient = register_patient(Repository(Actor.system("test"), "79001"),
                               PatientInput("Phạm Thị Lan", "20/10/1950", "female")).patient
    log_in(page, live_server.url, clinic)
    page.goto(f"{live_server.url}/ui/nguoi-benh/{patient['id']}/")
    page.select_option("#adm-dept", "NOI")
    page.select_option("#adm-bed", "H001")
    page.fill("#adm-dx", "J18.9")
    page.fill("#adm-reason", "Sốt, ho đờm 3 ngày")
    page.get_by_role("button", name="Nhập viện").click()
    page.wait_for_url(re.compile(r".*/ui/luot-kham/[^/]+/$"))
    expect(page.locator(".enc-head")).to_contain_text("Khoa Nội")

    page.fill("#note-text", "Ngày 2: hết sốt, còn ho ít.")
    page.fill("#note-orders", "Ceftriaxon 1g x 2 lọ tiêm tĩnh mạch")
    page.get_by_role("button", name="Lưu ghi chép").click()
    expect(page.locator("#notes")).to_contain_text("hết sốt")

    page.select_option("#tr-dept", "HSCC")
    page.get_by_role("button", name="Chuyển khoa").click()
    expect(page.locator(".enc-head")).to_contain_text("Khoa Hồi sức cấp cứu")
    expect(page.locator("#stay")).to_contain_text("Khoa Nội")

    page.fill("#dc-main", "J18.9")
    page.fill("#dc-treat", "Kháng sinh tĩnh mạch 7 ngày")
    page.fill("#dc-cond", "Khỏi bệnh")
    page.fill("#dc-advice", "Tái khám sau 1 tuần")
    page.get_by_role("button", name="Ký số giấy ra viện").click()
    expect(page.locator("[data-testid=encounter-status]")).to_have_text("Đã kết thúc")
    expect(page.locator("[data-testid=pdf-discharge]")).to_have_count(1)
    assert SignedDocument.objects.filter(kind="discharge").count() == 1


def test_the_imaging_technician_reports_an_x_ray_signs_it_by_keyboard_and_the_signature_verifies(
        page: Any, live_server: Any, clinic: dict[str, Any]) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    from benhan.accounts.actors import actor_for_user
    from benhan.clinical.workflows.orders import place_orders
    from benhan.clinical.workflows.registration import PatientInput, register_patient
    from benhan.clinical.workflows.visits import start_outpatient_visit
    from benhan.documents.models import SignedDocument
    from benhan.fhir.repository import Repository

    from .conftest import PASSWORD

    repo = Repository(actor_for_user(clinic["doctor"]), "79001")
    patient = register_patient(repo, PatientInput("Đỗ Văn Hùng", "05/06/1961", "male")).patient
    visit = start_outpatient_visit(repo, patient["id"], "P101").encounter
    place_orders(repo, visit["id"], ["CDHA-XQ"], note="Ho kéo dài 3 tuần")

    page.goto(f"{live_server.url}/ui/login/")
    page.fill("#id_username", "ktv.minh")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server.url}/ui/can-lam-sang/?loai=imaging")
    assert "Chụp X-quang ngực thẳng" in page.locator("main").inner_text(), page.locator("main").inner_text()
    page.get_by_role("link", name="Nhập kết quả").click()
    page.fill("#findings", "")
    page.fill("#conclusion", "Phổi bình thường")
    page.get_by_role("button", name="Lưu kết quả").click()
    expect(page.locator("[data-testid=error]")).to_contain_text("Chưa nhập mô tả kết quả.")
    page.fill("#findings", "Bóng tim không to. Hai phế trường sáng, không thấy tổn thương.")
    page.locator("#conclusion").focus()
    page.keyboard.press("Tab")  # keyboard only from here: attachment, its title, then the save button
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/ui/can-lam-sang/$"))
    to_sign = page.locator("[data-testid=to-sign]")
    assert "Chụp X-quang ngực thẳng" in to_sign.inner_text() and "Đỗ Văn Hùng" in to_sign.inner_text()
    to_sign.get_by_role("button", name="Duyệt và ký số").click()
    expect(page.locator("[data-testid=to-sign]")).to_contain_text("Không có phiếu kết quả chờ ký.")

    document = SignedDocument.objects.get(kind="imaging_report")
    response = page.request.get(f"{live_server.url}/documents/{document.pk}.pdf")
    assert response.status == 200 and response.headers["content-type"].startswith("application/pdf")
    pdf = response.body()
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    with ThreadPoolExecutor(1) as pool:
        status = pool.submit(lambda: validate_pdf_signature(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0])).result()
    assert status.intact and status.valid

    page.goto(f"{live_server.url}/documents/{document.pk}/verify")
    expect(page.locator("[data-testid=verdict]")).to_contain_text("Chữ ký số hợp lệ")
    assert "LÊ VĂN MINH" in page.locator("[data-testid=signer]").inner_text().upper()
    page.goto(f"{live_server.url}/ui/luot-kham/{visit['id']}/")
    expect(page.locator("[data-testid=pdf-imaging_report]")).to_have_count(1)
    expect(page.locator("#orders")).to_contain_text("Hai phế trường sáng")
    for path in (f"/ui/luot-kham/{visit['id']}/", "/ui/can-lam-sang/", f"/documents/{document.pk}/verify"):
        page.goto(live_server.url + path)  # a 1366×768 hospital PC: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
