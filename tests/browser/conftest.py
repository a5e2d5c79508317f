"""Playwright in Debian's headless Chromium against pytest-django's live server (SQLite pass only)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import clear_audit_trail

PASSWORD = "Mat-khau-bac-si-2026"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN", accept_downloads=True)
    # Signing renders and signs a PDF on the server: generous, as a shared CI machine can be slow.
    context.set_default_timeout(60000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def clinic(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A regional health centre with an exam room, wards, catalogues, and a doctor who can sign (password + TOTP)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from benhan.accounts.models import Facility, User
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate
    from benhan.facilities.structure import ensure_beds, ensure_department, ensure_room
    from benhan.vn.models import Drug, Icd10, LabTest, TechnicalService

    settings.BENHAN_PKI_DIR = str(tmp_path / "pki")
    settings.BENHAN_PKI_CA_KEY_BITS = 2048
    facility = Facility.objects.create(code="79001", name="Trung tâm Y tế khu vực Thủ Đức",
                                       kind=Facility.Kind.REGIONAL_CENTER, address="Thủ Đức, TP. Hồ Chí Minh")
    ensure_room(ensure_department(facility, "KB", "Khoa Khám bệnh"), "P101", "Phòng khám Nội 1")
    internal = ensure_department(facility, "NOI", "Khoa Nội", inpatient=True)
    ensure_beds(ensure_room(internal, "P201", "Buồng 201", kind="ward"), 2)
    icu = ensure_department(facility, "HSCC", "Khoa Hồi sức cấp cứu", inpatient=True)
    ensure_beds(ensure_room(icu, "P101", "Buồng 101", kind="ward"), 2)
    for code, name in [("I10", "Tăng huyết áp vô căn (nguyên phát)"), ("J18.9", "Viêm phổi, không đặc hiệu"),
                       ("E11", "Bệnh đái tháo đường không phụ thuộc insuline")]:
        Icd10.objects.create(code=code, name=name)
    Drug.objects.create(code="AMLO5", name="Amlodipin 5mg", active_ingredient="Amlodipin", strength="5mg", unit="viên")
    Drug.objects.create(code="CEFT1G", name="Ceftriaxon 1g", active_ingredient="Ceftriaxon", strength="1g", unit="lọ")
    TechnicalService.objects.create(code="XN-SHM", name="Sinh hoá máu", group="Xét nghiệm", bhyt_group="1")
    TechnicalService.objects.create(code="CDHA-XQ", name="Chụp X-quang ngực thẳng", group="Chẩn đoán hình ảnh",
                                    bhyt_group="2")
    LabTest.objects.create(code="GLU", name="Glucose", unit="mmol/L", low_male=Decimal("3.9"), high_male=Decimal("6.4"),
                           service_code="XN-SHM")
    doctor = User.objects.create_user("bs.lan", password=PASSWORD, facility=facility, role=User.Role.DOCTOR,
                                      first_name="Lan", last_name="Trần Thị", licence_number="000123/HCM-CCHN")
    device = TOTPDevice.objects.create(user=doctor, name="benhan", confirmed=True)
    technician = User.objects.create_user("ktv.minh", password=PASSWORD, facility=facility, role=User.Role.TECHNICIAN,
                                          first_name="Minh", last_name="Lê Văn", licence_number="004567/HCM-CCHN")
    init_facility_ca(facility)
    issue_user_certificate(doctor)
    issue_user_certificate(technician)
    yield {"facility": facility, "doctor": doctor, "device": device, "technician": technician}
    clear_audit_trail()


def log_in(page: Any, base_url: str, clinic: dict[str, Any]) -> None:
    """Password, then the current TOTP code of the doctor's authenticator."""
    from django_otp.oath import totp

    page.goto(f"{base_url}/ui/login/")
    page.fill("#id_username", clinic["doctor"].username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/ui/login/otp/**")
    device = clinic["device"]
    page.fill("#id_token", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]
