from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import Facility, User
from benhan.clinical.workflows.orders import enter_lab_results, place_orders, sign_report
from benhan.clinical.workflows.registration import PatientInput, register_patient
from benhan.clinical.workflows.visits import start_outpatient_visit
from benhan.fhir.repository import Repository
from benhan.vn.models import LabTest, TechnicalService

from .sms_standin import API_KEY, Gateway, running

PHONE = "0912345678"
CCCD = "079068012345"
BIRTH = "12/03/1968"
OTHER_PHONE = "0987654321"


@pytest.fixture
def sms(settings: Any) -> Iterator[Gateway]:
    with running() as gateway:
        settings.PORTAL_SMS_URL = gateway.url
        settings.PORTAL_SMS_API_KEY = API_KEY
        yield gateway


@dataclass
class World:
    regional: Facility
    provincial: Facility
    doctor: User
    regional_repo: Repository
    provincial_repo: Repository
    technician_repo: Repository
    binh_regional: str  # Patient ids: Bình at each facility, Cúc (another patient) at the regional one
    binh_provincial: str
    cuc: str
    encounter: str

    def lab_report(self, patient_id: str, glucose: str = "8,2", *, sign: bool = True) -> str:
        encounter = start_outpatient_visit(self.regional_repo, patient_id, "P101").encounter["id"]
        (order,) = place_orders(self.regional_repo, encounter, ["XN-SHM"])
        report = enter_lab_results(self.technician_repo, order["id"], {"GLU": glucose, "CRE": "90"})
        if sign:
            sign_report(self.regional_repo, self.doctor, report["id"])
        return str(report["id"])


def _register(repo: Repository, name: str, birth: str, gender: str, cccd: str, phone: str) -> str:
    data = PatientInput(name=name, birth_date=birth, gender=gender, cccd=cccd, phone=phone)
    return str(register_patient(repo, data, confirm_not_duplicate=True).patient["id"])


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> World:
    """Bình (CCCD, phone on file) has a record at a regional centre and at the provincial hospital;
    Cúc, another patient, has one at the regional centre."""
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate

    settings.BENHAN_PKI_DIR = str(tmp_path / "pki")
    settings.BENHAN_PKI_CA_KEY_BITS = 2048
    regional = Facility.objects.create(code="79001", name="Trung tâm Y tế khu vực Thủ Đức",
                                       kind=Facility.Kind.REGIONAL_CENTER)
    provincial = Facility.objects.create(code="79010", name="Bệnh viện Đa khoa tỉnh", kind=Facility.Kind.OTHER)
    TechnicalService.objects.create(code="XN-SHM", name="Sinh hoá máu", group="Xét nghiệm", bhyt_group="1")
    LabTest.objects.create(code="GLU", name="Glucose", unit="mmol/L", low_male=Decimal("3.9"), high_male=Decimal("6.4"),
                           low_female=Decimal("3.9"), high_female=Decimal("6.4"), service_code="XN-SHM")
    LabTest.objects.create(code="CRE", name="Creatinin", unit="µmol/L", low_male=Decimal(62), high_male=Decimal(120),
                           low_female=Decimal(53), high_female=Decimal(100), service_code="XN-SHM")
    doctor = User.objects.create(username="bs.lan", facility=regional, role=User.Role.DOCTOR, first_name="Lan",
                                 last_name="Trần Thị", licence_number="000123/HCM-CCHN")
    provincial_doctor = User.objects.create(username="bs.hung", facility=provincial, role=User.Role.DOCTOR,
                                            first_name="Hùng", last_name="Lê Văn")
    technician = User.objects.create(username="ktv.minh", facility=regional, role=User.Role.TECHNICIAN)
    init_facility_ca(regional)
    issue_user_certificate(doctor)
    regional_repo = Repository(actor_for_user(doctor), "79001")
    provincial_repo = Repository(actor_for_user(provincial_doctor), "79010")
    binh_regional = _register(regional_repo, "Nguyễn Văn Bình", BIRTH, "male", CCCD, PHONE)
    binh_provincial = _register(provincial_repo, "Nguyễn Văn Bình", BIRTH, "male", CCCD, "+84 912 345 678")
    cuc = _register(regional_repo, "Trần Thị Cúc", "05/07/1990", "female", "079190012345", OTHER_PHONE)
    encounter = start_outpatient_visit(provincial_repo, binh_provincial, "P101").encounter["id"]
    return World(regional, provincial, doctor, regional_repo, provincial_repo,
                 Repository(actor_for_user(technician), "79001"), binh_regional, binh_provincial, cuc, str(encounter))
