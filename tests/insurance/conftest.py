from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from benhan.accounts.models import Facility, User
from benhan.clinical.workflows.orders import enter_lab_results, place_orders
from benhan.clinical.workflows.prescriptions import Line, prescribe
from benhan.clinical.workflows.visits import conclude_visit, set_diagnoses, start_outpatient_visit
from benhan.facilities.models import Department, Room
from benhan.fhir.repository import Repository
from benhan.vn.models import Drug, TechnicalService

# The clinical fixtures (facility, catalogs, wards, doctors with certificates) build the visits claims come from.
from tests.clinical.conftest import catalogs, doctor, doctor_repo, facility, signing_doctor, wards  # noqa: F401
from tests.clinical.helpers import new_patient


def make_cert(common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="session")
def facility_cert() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    return make_cert("Bệnh viện Đa khoa tỉnh Demo (01001)")


@pytest.fixture(scope="session")
def other_cert() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    return make_cert("Someone else")


CARD = "GD4797912345678"


@pytest.fixture
def priced(catalogs: None, wards: None, facility: Facility) -> None:  # noqa: F811  (fixtures by name)
    TechnicalService.objects.create(code="02.1896", name="Khám Nội", bhyt_group="13", unit="lần",
                                    price=Decimal(38700), bhyt_price=Decimal(38700))
    TechnicalService.objects.filter(code="XN-SHM").update(price=Decimal(120000), bhyt_price=Decimal(100000))
    Drug.objects.filter(code="AMLO5").update(price=Decimal(1250), bhyt_group="4", bid_info="2025.G1.N4")
    Department.objects.filter(facility=facility, code="KB").update(bhyt_code="K01")
    Room.objects.create(department=Department.objects.get(facility=facility, code="KB"), code="PK1", name="Phòng khám Nội")


def finished_visit(repo: Repository, doctor_user: User) -> str:
    patient = new_patient(repo, address="Số 12 đường Lê Lợi, phường Bến Thành, TP Hồ Chí Minh", bhyt=CARD, bhyt_valid_from="01/01/2026", bhyt_valid_to="31/12/2026")
    visit = start_outpatient_visit(repo, patient["id"], "PK1", "Phòng khám Nội", reason="Đau đầu, chóng mặt")
    encounter_id = visit.encounter["id"]
    set_diagnoses(repo, encounter_id, "I10", ["E11"])
    order = place_orders(repo, encounter_id, ["XN-SHM"])[0]
    enter_lab_results(repo, order["id"], {"GLU": "7.2", "CRE": "90"})
    prescribe(repo, encounter_id, [Line(drug_code="AMLO5", dose="1", times_per_day="1", days="30", route="oral")])
    conclude_visit(repo, doctor_user, encounter_id, "home", "Tăng huyết áp, tái khám sau 1 tháng")
    return encounter_id


@pytest.fixture
def claim_ready(priced: None, signing_doctor: User, settings: Any) -> tuple[Repository, str]:  # noqa: F811
    signing_doctor.practitioner_id = "bs-lan"
    signing_doctor.save()
    settings.BHYT_HEAD_OF_UNIT = {"79001": "000001/HCM-CCHN"}
    from benhan.accounts.actors import actor_for_user

    repo = Repository(actor_for_user(signing_doctor), "79001")
    encounter_id = finished_visit(repo, signing_doctor)
    return repo, encounter_id


def leaf_certificate(user: User) -> x509.Certificate:
    from benhan.documents.pki.certs import load_pem_chain
    from benhan.documents.signing.credentials import active_credential

    return load_pem_chain(active_credential(user).certificate_pem)[0]
