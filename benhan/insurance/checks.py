"""Checks a claim must pass before it is signed and sent, each with a Vietnamese message naming the field.

They mirror what the social-security appraisal rejects: formats (all strings; yyyyMMddHHmm instants,
yyyyMMdd dates), required fields, ICD-10 and catalog codes, XML1 totals equal to the sums of XML2
and XML3, dates in order, an inpatient episode without its discharge paper (XML7), card validity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from .spec import DATE_FIELDS, DATETIME_FIELDS, LOAI_KCB_INPATIENT, MONEY_FIELDS, REQUIRED, TableSpec, tables
from .xmltables import Row

ICD10_RE = re.compile(r"^[A-Z]\d{2}(\.\d{1,2})?$")
CARD_RE = re.compile(r"^([A-Z]{2}[1-5]\d{2}\d{10}|\d{12})$")  # legacy 15-character card, or the CCCD since 15/8/2025
FACILITY_RE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Problem:
    table: str
    field: str
    message: str  # Vietnamese, shown to the insurance officer as is
    row: int | None = None  # 1-based STT of the row in multi-row tables

    def __str__(self) -> str:
        where = f"{self.table}.{self.field}" if self.field else self.table
        where += f" (dòng {self.row})" if self.row else ""
        return f"{where}: {self.message}"


CodeLookup = Callable[[str], bool]


@dataclass(frozen=True)
class Catalogs:
    """What the checks ask of the facility's catalogs: is this code known?"""

    icd10: CodeLookup
    drug: CodeLookup
    service: CodeLookup


def _parse_instant(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y%m%d%H%M")
    except ValueError:
        return None


def _parse_date(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y%m%d")
    except ValueError:
        return None


def _money(value: str) -> Decimal | None:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def check_claim(claim: Mapping[str, Sequence[Row]], catalogs: Catalogs, *, version: str | None = None) -> list[Problem]:
    specs = tables(version)
    problems: list[Problem] = []
    if not claim.get("XML1"):
        return [Problem("XML1", "", "thiếu bảng XML1 (tổng hợp khám chữa bệnh)")]
    for name, rows in claim.items():
        spec = specs.get(name)
        if spec is None:
            problems.append(Problem(name, "", f"bảng {name} không thuộc chuẩn đang áp dụng"))
            continue
        for index, row in enumerate(rows, start=1):
            problems += _check_row(spec, row, index if spec.multi_row else None)
    xml1 = claim["XML1"][0]
    problems += _check_codes(claim, catalogs)
    problems += _check_totals(claim)
    problems += _check_dates(claim)
    if xml1.get("MA_LOAI_KCB") in LOAI_KCB_INPATIENT and not claim.get("XML7"):
        problems.append(Problem("XML7", "", "người bệnh điều trị nội trú nhưng thiếu giấy ra viện (XML7)"))
    ma_lk = xml1.get("MA_LK", "")
    for name, rows in claim.items():
        for index, row in enumerate(rows, start=1):
            if row.get("MA_LK", ma_lk) != ma_lk:
                problems.append(Problem(name, "MA_LK", f"MA_LK '{row.get('MA_LK')}' khác MA_LK của XML1 '{ma_lk}'", index))
    return problems


def _check_row(spec: TableSpec, row: Row, index: int | None) -> list[Problem]:
    problems = []
    for field_name in spec.fields:
        value = row.get(field_name, "")
        if not isinstance(value, str):
            problems.append(Problem(spec.name, field_name, "mọi giá trị phải là chuỗi ký tự", index))
            continue
        if not value:
            if field_name in REQUIRED.get(spec.name, ()):
                problems.append(Problem(spec.name, field_name, "bắt buộc nhưng đang để trống", index))
            continue
        if field_name in DATETIME_FIELDS and (len(value) != 12 or _parse_instant(value) is None):
            problems.append(Problem(spec.name, field_name, f"'{value}' không đúng định dạng yyyyMMddHHmm", index))
        elif field_name in DATE_FIELDS and field_name != "NGAY_SINH" and (len(value) != 8 or _parse_date(value) is None):
            problems.append(Problem(spec.name, field_name, f"'{value}' không đúng định dạng yyyyMMdd", index))
        elif field_name == "NGAY_SINH" and not (
            (len(value) == 12 and _parse_instant(value)) or (len(value) == 8 and _parse_date(value))
        ):
            problems.append(Problem(spec.name, field_name, f"'{value}' không đúng định dạng ngày sinh", index))
        elif field_name in MONEY_FIELDS and _money(value) is None:
            problems.append(Problem(spec.name, field_name, f"'{value}' không phải số tiền", index))
    if spec.name == "XML1":
        card = row.get("MA_THE_BHYT", "")
        if card and not CARD_RE.match(card):
            problems.append(Problem("XML1", "MA_THE_BHYT", f"mã thẻ BHYT '{card}' không đúng định dạng"))
        facility = row.get("MA_CSKCB", "")
        if facility and not FACILITY_RE.match(facility):
            problems.append(Problem("XML1", "MA_CSKCB", f"mã cơ sở KCB '{facility}' phải có 5 chữ số"))
    return problems


def _check_codes(claim: Mapping[str, Sequence[Row]], catalogs: Catalogs) -> list[Problem]:
    problems = []
    xml1 = claim["XML1"][0]
    main = xml1.get("MA_BENH_CHINH", "")
    if main and not (ICD10_RE.match(main) and catalogs.icd10(main)):
        problems.append(Problem("XML1", "MA_BENH_CHINH", f"mã bệnh chính '{main}' không có trong danh mục ICD-10"))
    for code in filter(None, xml1.get("MA_BENH_KT", "").split(";")):
        if not (ICD10_RE.match(code) and catalogs.icd10(code)):
            problems.append(Problem("XML1", "MA_BENH_KT", f"mã bệnh kèm theo '{code}' không có trong danh mục ICD-10"))
    for index, row in enumerate(claim.get("XML2", ()), start=1):
        code = row.get("MA_THUOC", "")
        if code and not catalogs.drug(code):
            problems.append(Problem("XML2", "MA_THUOC", f"mã thuốc '{code}' không có trong danh mục thuốc của cơ sở", index))
    for index, row in enumerate(claim.get("XML3", ()), start=1):
        code = row.get("MA_DICH_VU", "")
        if code and not catalogs.service(code):
            problems.append(Problem("XML3", "MA_DICH_VU", f"mã dịch vụ '{code}' không có trong danh mục dịch vụ kỹ thuật", index))
    return problems


def _sum(rows: Sequence[Row], field_name: str) -> Decimal:
    return sum((_money(r.get(field_name, "") or "0") or Decimal(0) for r in rows), Decimal(0))


def _check_totals(claim: Mapping[str, Sequence[Row]]) -> list[Problem]:
    xml1 = claim["XML1"][0]
    drugs, services = claim.get("XML2", ()), claim.get("XML3", ())
    supplies = [r for r in services if r.get("MA_VAT_TU")]
    expected = {
        "T_THUOC": _sum(drugs, "THANH_TIEN_BV"),
        "T_VTYT": _sum(supplies, "THANH_TIEN_BV"),
        "T_TONGCHI_BV": _sum(drugs, "THANH_TIEN_BV") + _sum(services, "THANH_TIEN_BV"),
        "T_TONGCHI_BH": _sum(drugs, "THANH_TIEN_BH") + _sum(services, "THANH_TIEN_BH"),
        "T_BHTT": _sum(drugs, "T_BHTT") + _sum(services, "T_BHTT"),
        "T_BNCCT": _sum(drugs, "T_BNCCT") + _sum(services, "T_BNCCT"),
        "T_BNTT": _sum(drugs, "T_BNTT") + _sum(services, "T_BNTT"),
    }
    problems = []
    for field_name, total in expected.items():
        stated = _money(xml1.get(field_name, "") or "0")
        if stated is not None and stated != total:
            problems.append(Problem("XML1", field_name, f"ghi {stated:,.0f} nhưng tổng chi tiết XML2/XML3 là {total:,.0f}".replace(",", ".")))
    return problems


def _check_dates(claim: Mapping[str, Sequence[Row]]) -> list[Problem]:
    xml1 = claim["XML1"][0]
    problems = []
    start, end = _parse_instant(xml1.get("NGAY_VAO", "")), _parse_instant(xml1.get("NGAY_RA", ""))
    if start and end and end < start:
        problems.append(Problem("XML1", "NGAY_RA", "ngày ra trước ngày vào"))
    valid_from, valid_to = _parse_date(xml1.get("GT_THE_TU", "")), _parse_date(xml1.get("GT_THE_DEN", ""))
    if start and valid_from and start.date() < valid_from.date():
        problems.append(Problem("XML1", "GT_THE_TU", "thẻ BHYT chưa có giá trị vào ngày vào viện"))
    if start and valid_to and start.date() > valid_to.date():
        problems.append(Problem("XML1", "GT_THE_DEN", "thẻ BHYT đã hết hạn trước ngày vào viện"))
    for name in ("XML2", "XML3"):
        for index, row in enumerate(claim.get(name, ()), start=1):
            for field_name in ("NGAY_YL", "NGAY_TH_YL", "NGAY_KQ"):
                moment = _parse_instant(row.get(field_name, ""))
                if moment and start and end and not (start <= moment <= end):
                    problems.append(Problem(name, field_name, "thời điểm nằm ngoài đợt điều trị (trước ngày vào hoặc sau ngày ra)", index))
    return problems
