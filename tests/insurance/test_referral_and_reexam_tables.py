"""XML13 (referral paper) from the exchange's referral records and XML14 (re-exam appointment) from the
Appointment booked at the visit, checked against the field lists of VN-STANDARDS.md section 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from benhan.accounts.models import Facility, User
from benhan.clinical.workflows.visits import conclude_visit, set_diagnoses, start_outpatient_visit
from benhan.exchange import directory, referral
from benhan.exchange.referral import ReferralInput
from benhan.fhir.repository import Repository
from benhan.insurance import claims
from benhan.insurance.models import Claim
from benhan.insurance.spec import tables
from tests.clinical.helpers import new_patient
from tests.insurance.conftest import CARD

HOSPITAL = "79002"

# VN-STANDARDS.md §2.3, XML13 as amended by QĐ 3176, and XML14.
XML13_3176 = {
    "MA_LK", "SO_HOSO", "SO_CHUYENTUYEN", "GIAY_CHUYEN_TUYEN", "MA_CSKCB", "MA_CSKCB_DI", "MA_CSKCB_DEN",
    "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_QUOCTICH", "MA_DANTOC", "MA_NGHE_NGHIEP", "DIA_CHI", "MA_THE_BHYT",
    "GT_THE_DEN", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "DAU_HIEU_LS", "CHAN_DOAN_RV", "QT_BENHLY", "TOMTAT_KQ",
    "PP_DIEUTRI", "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT", "TINH_TRANG_CT", "MA_LOAI_RV", "MA_LYDO_CT",
    "HUONG_DIEU_TRI", "PHUONGTIEN_VC", "HOTEN_NGUOI_HT", "CHUCDANH_NGUOI_HT", "MA_BAC_SI", "MA_TTDV", "DU_PHONG",
}
XML14 = {
    "MA_LK", "SO_GIAYHEN_KL", "MA_CSKCB", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "DIA_CHI", "MA_THE_BHYT", "GT_THE_DEN",
    "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "NGAY_HEN_KL", "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT",
    "MA_BENH_YHCT", "MA_DOITUONG_KCB", "MA_BAC_SI", "MA_TTDV", "NGAY_CT", "DU_PHONG",
}


@pytest.fixture
def visit(priced: None, signing_doctor: User, settings: Any, tmp_path: Path) -> tuple[Repository, User, str]:
    from benhan.accounts.actors import actor_for_user

    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    settings.BHYT_HEAD_OF_UNIT = {"79001": "000001/HCM-CCHN"}
    signing_doctor.practitioner_id = "bs-lan"
    signing_doctor.save()
    Facility.objects.create(code=HOSPITAL, name="Bệnh viện Đa khoa tỉnh")
    directory.register_hosted("79001", "Trung tâm Y tế khu vực Thủ Đức")
    directory.register_hosted(HOSPITAL, "Bệnh viện Đa khoa tỉnh")
    repo = Repository(actor_for_user(signing_doctor), "79001")
    patient = new_patient(repo, address="Số 12 đường Lê Lợi, TP Hồ Chí Minh", bhyt=CARD,
                          bhyt_valid_from="01/01/2026", bhyt_valid_to="31/12/2026")
    encounter_id = start_outpatient_visit(repo, patient["id"], "PK1", "Phòng khám Nội", reason="Đau ngực").encounter["id"]
    set_diagnoses(repo, encounter_id, "I10", ["E11"])
    return repo, signing_doctor, encounter_id


def test_the_referral_paper_table_comes_from_the_referral_records_and_follows_the_3176_field_list(visit: Any) -> None:
    repo, doctor, encounter_id = visit
    sent = referral.refer(repo, doctor, encounter_id, ReferralInput(
        destination=HOSPITAL, reason="Cần chụp mạch vành", reason_code="1", clinical_signs="Đau ngực trái",
        course="Đau ngực 2 giờ", results_summary="ĐTĐ: ST chênh lên", treatment="Aspirin 300 mg",
        condition="Tỉnh, HA 100/60 mmHg", transport="Xe cứu thương", escort="Lê Thị Thu, điều dưỡng",
        direction="Can thiệp mạch vành"))
    conclude_visit(repo, doctor, encounter_id, "referral", "Chuyển tuyến trên", referral_reason="Cần chụp mạch vành")
    claims.record_claim_facts(repo, encounter_id, result="3", category="1.1")
    claim = claims.generate(repo, encounter_id)

    (row,) = claim.tables["XML13"]
    assert set(row) <= XML13_3176 == set(tables("3176")["XML13"].fields)
    assert (row["MA_CSKCB_DI"], row["MA_CSKCB_DEN"], row["MA_LYDO_CT"]) == ("79001", HOSPITAL, "1")
    assert row["SO_CHUYENTUYEN"] == sent.service_request["identifier"][0]["value"]
    assert (row["DAU_HIEU_LS"], row["QT_BENHLY"], row["TOMTAT_KQ"], row["PP_DIEUTRI"]) == (
        "Đau ngực trái", "Đau ngực 2 giờ", "ĐTĐ: ST chênh lên", "Aspirin 300 mg")
    assert (row["TINH_TRANG_CT"], row["HUONG_DIEU_TRI"], row["PHUONGTIEN_VC"]) == (
        "Tỉnh, HA 100/60 mmHg", "Can thiệp mạch vành", "Xe cứu thương")
    assert (row["HOTEN_NGUOI_HT"], row["CHUCDANH_NGUOI_HT"]) == ("Lê Thị Thu", "điều dưỡng")
    assert row["MA_BAC_SI"] == "000123/HCM-CCHN" and row["MA_BENH_CHINH"] == "I10" and row["MA_LOAI_RV"] == "2"
    assert claim.tables["XML1"][0]["MA_NOI_DEN"] == HOSPITAL
    # the referral is not a billable service: nothing is reported missing for it
    assert claim.status == Claim.Status.READY, claim.problems


def test_the_4750_version_names_the_facilities_ma_noi_di_and_ma_noi_den(visit: Any, settings: Any) -> None:
    repo, doctor, encounter_id = visit
    settings.BHYT_XML_VERSION = "4750"
    referral.refer(repo, doctor, encounter_id, ReferralInput(
        destination=HOSPITAL, reason="Cần chụp mạch vành", reason_code="2", clinical_signs="", course="",
        results_summary="", treatment="", condition="Tỉnh", transport="Tự túc"))
    conclude_visit(repo, doctor, encounter_id, "referral", "", referral_reason="Theo yêu cầu")
    (row,) = claims.generate(repo, encounter_id).tables["XML13"]
    assert set(row) <= set(tables("4750")["XML13"].fields)
    assert (row["MA_NOI_DI"], row["MA_NOI_DEN"], row["MA_LYDO_CT"]) == ("79001", HOSPITAL, "2")
    assert "MA_CSKCB_DEN" not in row


def test_a_visit_without_a_referral_has_no_referral_table(visit: Any) -> None:
    repo, doctor, encounter_id = visit
    conclude_visit(repo, doctor, encounter_id, "home", "Ổn định")
    assert "XML13" not in claims.generate(repo, encounter_id).tables


def test_the_reexam_appointment_table_carries_the_booked_day_and_follows_its_field_list(visit: Any) -> None:
    repo, doctor, encounter_id = visit
    day = dt.date.today() + dt.timedelta(days=30)
    done = conclude_visit(repo, doctor, encounter_id, "reexam", "Tái khám", reexam_date=day.strftime("%d/%m/%Y"))
    claims.record_claim_facts(repo, encounter_id, result="2", category="1.1")
    claim = claims.generate(repo, encounter_id)
    (row,) = claim.tables["XML14"]
    assert done.appointment is not None
    assert set(row) <= XML14 == set(tables()["XML14"].fields)
    assert row["NGAY_HEN_KL"] == day.strftime("%Y%m%d") and row["SO_GIAYHEN_KL"] == done.appointment["id"][:50]
    assert (row["MA_BAC_SI"], row["MA_DOITUONG_KCB"], row["MA_BENH_CHINH"]) == ("000123/HCM-CCHN", "1.1", "I10")
    assert claim.tables["XML1"][0]["NGAY_TAI_KHAM"] == row["NGAY_HEN_KL"]
    assert claim.status == Claim.Status.READY, claim.problems
