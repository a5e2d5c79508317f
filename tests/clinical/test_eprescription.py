from __future__ import annotations

from collections.abc import Iterator

import pytest

from benhan.clinical.eprescription import EPrescriptionError, HttpGateway
from benhan.clinical.errors import ClinicalError
from benhan.clinical.fhirutil import PRESCRIPTION_CODE_SYSTEM
from benhan.clinical.workflows.prescriptions import (
    Line,
    prescribe,
    prescription_group,
    submit_to_national_system,
)
from benhan.clinical.workflows.visits import set_diagnoses, start_outpatient_visit
from benhan.fhir.repository import Repository

from .helpers import new_patient
from .national_standin import StandIn


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


def _prescription(repo: Repository) -> tuple[str, str]:
    patient = new_patient(repo, bhyt="")
    encounter = start_outpatient_visit(repo, patient["id"], "P101").encounter
    set_diagnoses(repo, encounter["id"], "J06.9", [])
    lines = prescribe(repo, encounter["id"], [Line("PARA500", "1", "3", "5"), Line("AMOX500", "1", "2", "5")])
    return encounter["id"], lines[0]["groupIdentifier"]["value"]


def test_submission_logs_in_sends_the_prescription_and_stores_the_14_character_code(
        doctor_repo: Repository, standin: StandIn) -> None:
    encounter_id, group = _prescription(doctor_repo)
    code = submit_to_national_system(doctor_repo, encounter_id, group, HttpGateway(standin.url, "79001", "bi-mat"))
    assert len(code) == 14 and code.startswith("79001")
    sent = standin.received[0]
    assert sent["ho_ten_benh_nhan"] == "Nguyễn Văn Bình" and sent["ngay_sinh_benh_nhan"] == "12/03/1968"
    assert [d["ma_chan_doan"] for d in sent["chan_doan"]] == ["J06.9"]
    assert [(line["ma_thuoc"], line["so_luong"]) for line in sent["thong_tin_don_thuoc"]] == [("PARA500", 15), ("AMOX500", 10)]
    requests = prescription_group(doctor_repo, encounter_id)[group]
    assert len(requests) == 2
    assert all({"system": PRESCRIPTION_CODE_SYSTEM, "value": code} in r["identifier"] for r in requests)
    # Sending again is idempotent: the stored code is returned and nothing is resent.
    assert submit_to_national_system(doctor_repo, encounter_id, group, HttpGateway(standin.url, "79001", "bi-mat")) == code
    assert len(standin.received) == 1


def test_an_expired_token_is_renewed_once(standin: StandIn) -> None:
    gateway = HttpGateway(standin.url, "79001", "bi-mat")
    gateway._token = "stale"
    assert len(gateway.submit({"ma_co_so": "79001", "thong_tin_don_thuoc": [{}], "chan_doan": [{}]})) == 14


def test_a_refusal_is_reported_in_vietnamese_and_stores_no_code(doctor_repo: Repository, standin: StandIn) -> None:
    encounter_id, group = _prescription(doctor_repo)
    standin.fail_next_with = 422
    with pytest.raises(ClinicalError, match="từ chối đơn: Thiếu chẩn đoán"):
        submit_to_national_system(doctor_repo, encounter_id, group, HttpGateway(standin.url, "79001", "bi-mat"))
    assert all(r.version_id == 1 for r in doctor_repo.history("MedicationRequest")[0])


def test_wrong_credentials_and_an_unreachable_server_are_distinguished(standin: StandIn) -> None:
    with pytest.raises(EPrescriptionError, match="từ chối đăng nhập"):
        HttpGateway(standin.url, "79001", "sai").submit({})
    with pytest.raises(EPrescriptionError) as exc:
        HttpGateway("http://127.0.0.1:9", "79001", "bi-mat", timeout=1).submit({})
    assert exc.value.retryable
