from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benhan.accounts.models import Facility, User
from benhan.documents.models import CertificateAuthority, SigningCredential
from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate
from benhan.fhir.repository import Repository

CCCD = "http://fhir.hl7.org.vn/core/sid/cccd"
BHYT = "http://fhir.hl7.org.vn/core/sid/bhyt"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


@pytest.fixture(autouse=True)
def pki_in_tmp(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keys of each test go to its own directory, never the installation's var/pki."""
    monkeypatch.delenv("BENHAN_PKI_PASSPHRASE", raising=False)  # tests use the generated passphrase file
    settings.BENHAN_PKI_DIR = str(tmp_path / "pki")
    settings.BENHAN_PKI_CA_KEY_BITS = 2048  # 3072-bit CA keys take ~1 s to generate; the size is not under test
    return tmp_path / "pki"


@pytest.fixture
def facility(db: None) -> Facility:
    return Facility.objects.create(code="00001", name="Trung tâm Y tế khu vực Phú Xuyên",
                                   address="Tiểu khu Thao Chính, xã Phú Xuyên, Hà Nội", phone="024 3385 4321",
                                   kind=Facility.Kind.REGIONAL_CENTER)


@pytest.fixture
def doctor(facility: Facility) -> User:
    return User.objects.create(username="bs.binh", first_name="Văn Bình", last_name="Trần", facility=facility,
                               role=User.Role.DOCTOR, licence_number="001234/HNO-CCHN")


@pytest.fixture
def ca(facility: Facility) -> CertificateAuthority:
    return init_facility_ca(facility)


@pytest.fixture
def credential(ca: CertificateAuthority, doctor: User) -> SigningCredential:
    return issue_user_certificate(doctor)


@pytest.fixture
def visit(repo: Repository) -> dict[str, Any]:
    """A outpatient visit: patient, encounter, two diagnoses, blood pressure."""
    patient = repo.create({
        "resourceType": "Patient",
        "identifier": [{"system": CCCD, "value": "001167012345"}, {"system": BHYT, "value": "HT4790123456789"}],
        "name": [{"family": "Nguyễn", "given": ["Thị", "Hồng", "Nhung"]}],
        "gender": "female",
        "birthDate": "1967-03-05",
        "address": [{"text": "Thôn Phú Mỹ, xã Phượng Dực, Hà Nội"}],
    })
    pref = {"reference": f"Patient/{patient.id}"}
    encounter = repo.create({
        "resourceType": "Encounter", "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": pref, "period": {"start": "2026-11-25T09:30:00+07:00", "end": "2026-11-25T10:00:00+07:00"},
        "reasonCode": [{"text": "Đau đầu, chóng mặt"}],
        "serviceProvider": {"display": "Phòng khám Nội"},
    })
    eref = {"reference": f"Encounter/{encounter.id}"}
    htn = repo.create({"resourceType": "Condition", "subject": pref, "encounter": eref,
                       "code": {"coding": [{"system": ICD10, "code": "I10", "display": "Bệnh lý tăng huyết áp vô căn"}]}})
    dm = repo.create({"resourceType": "Condition", "subject": pref, "encounter": eref,
                      "code": {"coding": [{"system": ICD10, "code": "E11", "display": "Đái tháo đường típ 2"}]}})
    bp = repo.create({"resourceType": "Observation", "status": "final", "subject": pref, "encounter": eref,
                      "code": {"text": "Huyết áp"},
                      "component": [{"code": {"text": "Tâm thu"}, "valueQuantity": {"value": 150, "unit": "mmHg"}},
                                    {"code": {"text": "Tâm trương"}, "valueQuantity": {"value": 90, "unit": "mmHg"}}]})
    return {"patient": patient, "encounter": encounter, "conditions": [htn, dm], "observations": [bp],
            "refs": [patient.reference, encounter.reference, htn.reference, dm.reference, bp.reference]}
