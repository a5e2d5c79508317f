"""Each kind of bad claim is refused with a Vietnamese message naming the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from benhan.insurance.catalogs import CATALOGS
from benhan.insurance.checks import check_claim
from benhan.vn.models import Drug, Icd10, TechnicalService

GOOD: dict[str, list[dict[str, str]]] = {
    "XML1": [{
        "MA_LK": "LK1", "STT": "1", "MA_BN": "BN1", "HO_TEN": "Lê Thị Hoa", "NGAY_SINH": "197001020000",
        "GIOI_TINH": "2", "DIA_CHI": "Phường Tân Định, TP Hồ Chí Minh", "MA_THE_BHYT": "GD4797912345678",
        "GT_THE_TU": "20260101", "GT_THE_DEN": "20261231", "CHAN_DOAN_RV": "Tăng huyết áp", "MA_BENH_CHINH": "I10",
        "MA_DOITUONG_KCB": "1.1", "NGAY_VAO": "202611250800", "NGAY_RA": "202611250930", "SO_NGAY_DTRI": "0",
        "KET_QUA_DTRI": "2", "MA_LOAI_RV": "1", "T_THUOC": "37500", "T_TONGCHI_BV": "76200", "T_TONGCHI_BH": "76200",
        "T_BHTT": "60960", "T_BNCCT": "15240", "T_BNTT": "0", "NAM_QT": "2026", "THANG_QT": "11",
        "MA_LOAI_KCB": "01", "MA_KHOA": "K01", "MA_CSKCB": "79001",
    }],
    "XML2": [{"MA_LK": "LK1", "STT": "1", "MA_THUOC": "AMLO5", "MA_NHOM": "4", "TEN_THUOC": "Amlodipin 5mg",
              "DON_VI_TINH": "viên", "LIEU_DUNG": "1 viên/lần", "SO_LUONG": "30", "DON_GIA": "1250",
              "THANH_TIEN_BV": "37500", "THANH_TIEN_BH": "37500", "T_BHTT": "30000", "T_BNCCT": "7500", "T_BNTT": "0",
              "MUC_HUONG": "80", "MA_KHOA": "K01", "MA_BAC_SI": "000123/HCM-CCHN", "NGAY_YL": "202611250830"}],
    "XML3": [{"MA_LK": "LK1", "STT": "1", "MA_DICH_VU": "02.1896", "MA_NHOM": "13", "DON_VI_TINH": "lần",
              "SO_LUONG": "1", "DON_GIA_BV": "38700", "THANH_TIEN_BV": "38700", "THANH_TIEN_BH": "38700",
              "T_BHTT": "30960", "T_BNCCT": "7740", "T_BNTT": "0", "MUC_HUONG": "80", "MA_KHOA": "K01",
              "MA_BAC_SI": "000123/HCM-CCHN", "NGAY_YL": "202611250800"}],
}


@pytest.fixture
def catalog_codes(db: None) -> None:
    Icd10.objects.create(code="I10", name="Tăng huyết áp vô căn")
    Drug.objects.create(code="AMLO5", name="Amlodipin 5mg", active_ingredient="Amlodipin", unit="viên")
    TechnicalService.objects.create(code="02.1896", name="Khám Nội", bhyt_group="13")


def _with(change: Any) -> dict[str, list[dict[str, str]]]:
    claim = copy.deepcopy(GOOD)
    change(claim)
    return claim


def test_a_good_claim_passes(catalog_codes: None) -> None:
    assert check_claim(GOOD, CATALOGS) == []


@pytest.mark.parametrize(("change", "expected"), [
    (lambda c: c["XML1"][0].update(NGAY_VAO="25/11/2026"), "XML1.NGAY_VAO: '25/11/2026' không đúng định dạng yyyyMMddHHmm"),
    (lambda c: c["XML1"][0].update(HO_TEN=""), "XML1.HO_TEN: bắt buộc nhưng đang để trống"),
    (lambda c: c["XML1"][0].update(MA_BENH_CHINH="X99.9"), "XML1.MA_BENH_CHINH: mã bệnh chính 'X99.9' không có trong danh mục ICD-10"),
    (lambda c: c["XML2"][0].update(MA_THUOC="NOPE"), "XML2.MA_THUOC (dòng 1): mã thuốc 'NOPE' không có trong danh mục thuốc của cơ sở"),
    (lambda c: c["XML3"][0].update(MA_DICH_VU="99.9999"), "XML3.MA_DICH_VU (dòng 1): mã dịch vụ '99.9999' không có trong danh mục dịch vụ kỹ thuật"),
    (lambda c: c["XML1"][0].update(T_TONGCHI_BV="80000"), "XML1.T_TONGCHI_BV: ghi 80.000 nhưng tổng chi tiết XML2/XML3 là 76.200"),
    (lambda c: c["XML1"][0].update(NGAY_RA="202611240930"), "XML1.NGAY_RA: ngày ra trước ngày vào"),
    (lambda c: c["XML1"][0].update(GT_THE_DEN="20261001"), "XML1.GT_THE_DEN: thẻ BHYT đã hết hạn trước ngày vào viện"),
    (lambda c: c["XML1"][0].update(MA_LOAI_KCB="03"), "XML7: người bệnh điều trị nội trú nhưng thiếu giấy ra viện (XML7)"),
    (lambda c: c["XML2"][0].update(NGAY_YL="202611260830"), "XML2.NGAY_YL (dòng 1): thời điểm nằm ngoài đợt điều trị (trước ngày vào hoặc sau ngày ra)"),
    (lambda c: c["XML1"][0].update(MA_THE_BHYT="GD47979"), "XML1.MA_THE_BHYT: mã thẻ BHYT 'GD47979' không đúng định dạng"),
    (lambda c: c["XML2"][0].update(MA_LK="LK2"), "XML2.MA_LK (dòng 1): MA_LK 'LK2' khác MA_LK của XML1 'LK1'"),
    (lambda c: c["XML2"][0].update(SO_LUONG=30), "XML2.SO_LUONG (dòng 1): mọi giá trị phải là chuỗi ký tự"),
])
def test_each_kind_of_bad_claim_is_refused_naming_the_field(catalog_codes: None, change: Any, expected: str) -> None:
    problems = [str(p) for p in check_claim(_with(change), CATALOGS)]
    assert expected in problems
