from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import Facility, User
from benhan.facilities.structure import ensure_beds, ensure_department, ensure_room
from benhan.fhir.repository import Repository
from benhan.vn.models import Drug, Icd10, LabTest, TechnicalService

FACILITY = "79001"


@pytest.fixture
def facility(db: None) -> Facility:
    return Facility.objects.create(code=FACILITY, name="Trung tâm Y tế khu vực Thủ Đức", kind=Facility.Kind.REGIONAL_CENTER)


@pytest.fixture
def catalogs(db: None) -> None:
    for code, name in [("I10", "Tăng huyết áp vô căn (nguyên phát)"), ("E11", "Bệnh đái tháo đường không phụ thuộc insuline"),
                       ("J06.9", "Nhiễm trùng hô hấp trên cấp, không đặc hiệu"), ("K29.7", "Viêm dạ dày, không đặc hiệu"),
                       ("J18.9", "Viêm phổi, không đặc hiệu")]:
        Icd10.objects.create(code=code, name=name)
    for code, name, ingredient, strength, unit in [
        ("PARA500", "Paracetamol 500mg", "Paracetamol", "500mg", "viên"),
        ("EFFE500", "Efferalgan 500mg", "Paracetamol", "500mg", "viên"),
        ("AMLO5", "Amlodipin 5mg", "Amlodipin", "5mg", "viên"),
        ("AMOX500", "Amoxicillin 500mg", "Amoxicillin", "500mg", "viên"),
        ("METF850", "Metformin 850mg", "Metformin", "850mg", "viên"),
    ]:
        Drug.objects.create(code=code, name=name, active_ingredient=ingredient, strength=strength, unit=unit)
    TechnicalService.objects.create(code="XN-SHM", name="Sinh hoá máu", group="Xét nghiệm", bhyt_group="1")
    TechnicalService.objects.create(code="CDHA-XQ", name="Chụp X-quang ngực thẳng", group="Chẩn đoán hình ảnh", bhyt_group="2")
    LabTest.objects.create(code="GLU", name="Glucose", unit="mmol/L", low_male=Decimal("3.9"), high_male=Decimal("6.4"),
                           service_code="XN-SHM", loinc="2345-7")
    LabTest.objects.create(code="CRE", name="Creatinin", unit="µmol/L", low_male=Decimal(62), high_male=Decimal(120),
                           low_female=Decimal(53), high_female=Decimal(100), service_code="XN-SHM", loinc="2160-0")


@pytest.fixture
def wards(facility: Facility) -> None:
    internal = ensure_department(facility, "NOI", "Khoa Nội", inpatient=True)
    ensure_beds(ensure_room(internal, "P201", "Buồng 201", kind="ward"), 4)
    icu = ensure_department(facility, "HSCC", "Khoa Hồi sức cấp cứu", inpatient=True)
    ensure_beds(ensure_room(icu, "P101", "Buồng 101", kind="ward"), 2)
    ensure_department(facility, "KB", "Khoa Khám bệnh")


def _user(facility: Facility, username: str, role: str, **extra: str) -> User:
    # No password: workflow tests never log in, and hashing one costs half a second per user.
    return User.objects.create(username=username, facility=facility, role=role,
                                    first_name=extra.get("first", ""), last_name=extra.get("last", ""),
                                    licence_number=extra.get("licence", ""))


@pytest.fixture
def doctor(facility: Facility) -> User:
    return _user(facility, "bs.lan", User.Role.DOCTOR, first="Lan", last="Trần Thị", licence="000123/HCM-CCHN")


@pytest.fixture
def doctor_repo(doctor: User, catalogs: None) -> Repository:
    return Repository(actor_for_user(doctor), FACILITY)


def _technician(facility: Facility) -> User:
    # One person whichever fixture asks first (other test folders import technician_repo alone).
    return User.objects.filter(username="ktv.minh").first() or _user(
        facility, "ktv.minh", User.Role.TECHNICIAN, first="Minh", last="Lê Văn", licence="004567/HCM-CCHN")


@pytest.fixture
def technician(facility: Facility) -> User:
    return _technician(facility)


@pytest.fixture
def technician_repo(facility: Facility, catalogs: None) -> Repository:
    return Repository(actor_for_user(_technician(facility)), FACILITY)


@pytest.fixture
def receptionist_repo(facility: Facility, catalogs: None) -> Repository:
    return Repository(actor_for_user(_user(facility, "td.hoa", User.Role.RECEPTIONIST)), FACILITY)


@pytest.fixture
def signing_doctor(doctor: User, settings: Any, tmp_path: Path) -> User:
    """The doctor with a certificate from the facility CA (keys under the test's own directory)."""
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate

    settings.BENHAN_PKI_DIR = str(tmp_path / "pki")
    settings.BENHAN_PKI_CA_KEY_BITS = 2048
    assert doctor.facility is not None
    init_facility_ca(doctor.facility)
    issue_user_certificate(doctor)
    return doctor


@pytest.fixture
def signing_technician(technician: User, signing_doctor: User) -> User:
    """The imaging technician with a certificate from the same facility CA."""
    from benhan.documents.pki.authority import issue_user_certificate

    issue_user_certificate(technician)
    return technician


@pytest.fixture(autouse=True)
def vietnamese() -> Any:
    """Workflow messages are asserted in Vietnamese; a page test that switched to English must not leak."""
    from django.utils import translation

    with translation.override("vi"):
        yield
