"""Catalog import from xlsx or CSV: read, check each row, preview, and only then store.

`preview(kind, filename, content)` touches no catalog table; it returns the rows that would be
accepted and every rejected row with its spreadsheet row number and a Vietnamese reason.
`apply(preview)` stores the accepted rows (insert new codes, update existing ones) in one transaction.
Headers are matched accent- and case-insensitively against Vietnamese names and BHYT column names
(`Mã thuốc`, `MA_THUOC`, `ma thuoc`), so the Ministry's and the hospital's sheets both load.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .models import CatalogEntry, Drug, Icd10, LabTest, TechnicalService
from .text import fold

IN_CHUNK = 900  # codes per `IN (...)` lookup


class RowError(ValueError):
    """A reason, in Vietnamese, why one row cannot be imported."""


def parse_number(text: str) -> Decimal:
    """`1.250.000`, `1,250,000`, `1250000 ₫`, `3,5` and `3.5` as Vietnamese sheets write them."""
    cleaned = re.sub(r"[\s₫đĐ]|VNĐ|VND", "", text, flags=re.IGNORECASE)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise RowError(_("“%(value)s” không phải là số") % {"value": text}) from exc
    if not value.is_finite():
        raise RowError(_("“%(value)s” không phải là số") % {"value": text})
    return value


def _money(text: str) -> Decimal:
    value = parse_number(text)
    if value < 0:
        raise RowError(_("giá không được âm"))
    return value


def _percent(text: str) -> int:
    value = parse_number(text.rstrip("%"))
    if not (0 <= value <= 100):
        raise RowError(_("tỷ lệ phải từ 0 đến 100"))
    return int(value)


def _yes_no(text: str) -> bool:
    folded = fold(text)
    if folded in ("1", "co", "x", "yes", "true", "bhyt"):
        return True
    if folded in ("0", "khong", "no", "false", ""):
        return False
    raise RowError(_("“%(value)s” phải là Có hoặc Không") % {"value": text})


_ICD_RE = re.compile(r"^[A-Z]\d{2}(\.\d{1,2})?$")


def _icd_code(text: str) -> str:
    # The Ministry's list marks dagger/asterisk codes (A17.0†, G01*): the code itself has no mark.
    code = re.sub(r"[\s†*+!]", "", text).upper()
    if re.fullmatch(r"[A-Z]\d{3,4}", code):  # E119 → E11.9, as some exports drop the dot
        code = f"{code[:3]}.{code[3:]}"
    if not _ICD_RE.match(code):
        raise RowError(_("mã ICD-10 “%(code)s” không đúng dạng (ví dụ I10, E11.9)") % {"code": text})
    return code


def _plain_code(text: str) -> str:
    code = text.strip()
    if len(code) > 32 or not re.fullmatch(r"[\w./\-]+", code):
        raise RowError(_("mã “%(code)s” chỉ được gồm chữ, số và . / - _ (tối đa 32 ký tự)") % {"code": text})
    return code


def _short(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        text = text.strip()
        if len(text) > limit:
            raise RowError(_("dài quá %(n)s ký tự") % {"n": limit})
        return text
    return parse


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # shown in messages
    aliases: tuple[str, ...]
    required: bool = False
    parse: Callable[[str], Any] = str.strip


@dataclass(frozen=True)
class CatalogSpec:
    kind: str
    label: str
    model: type[CatalogEntry]
    columns: tuple[Column, ...]
    code_parser: Callable[[str], str] = _plain_code
    check: Callable[[dict[str, Any]], None] | None = None


def _code(label: str, *aliases: str, parser: Callable[[str], str] = _plain_code) -> Column:
    return Column("code", label, ("ma", "code", *aliases), True, parser)


def _lab_check(row: dict[str, Any]) -> None:
    for sex, label in (("male", _("nam")), ("female", _("nữ"))):
        low, high = row.get(f"low_{sex}"), row.get(f"high_{sex}")
        if low is not None and high is not None and low > high:
            raise RowError(_("giới hạn dưới lớn hơn giới hạn trên (%(sex)s)") % {"sex": label})


def _spec_list() -> dict[str, CatalogSpec]:
    return {
        "icd10": CatalogSpec("icd10", _("Mã bệnh ICD-10"), Icd10, (
            _code(_("Mã bệnh"), "ma benh", "ma icd", "ma icd10", "icd10", "ma_benh", "icd_code", parser=_icd_code),
            Column("name", _("Tên bệnh"), ("ten", "ten benh", "ten tieng viet", "ten_benh", "name_vi", "name"), True),
            Column("name_en", _("Tên tiếng Anh"), ("ten tieng anh", "name_en", "english name", "ten_tieng_anh",
                                                   "disease name")),
            # The Ministry's layout: STT chương, Mã chương, CHAPTER NAME, Tên chương, Mã nhóm chính,
            # MAIN GROUP NAME I, Tên nhóm chính, (sub-groups I/II), Mã loại, TYPE NAME, Tên loại,
            # Mã bệnh, DISEASE NAME, Tên bệnh, ... ; columns not listed here are ignored.
            Column("chapter", _("Mã chương"), ("chuong", "chapter", "chapter code"), False, _short(8)),
            Column("chapter_name", _("Tên chương"), ("ten chuong", "chapter name vi"), False, _short(300)),
            Column("group_code", _("Mã nhóm chính"), ("ma nhom", "main group code"), False, _short(16)),
            Column("group_name", _("Tên nhóm chính"), ("ten nhom", "main group name vi"), False, _short(300)),
        ), _icd_code),
        "drug": CatalogSpec("drug", _("Thuốc"), Drug, (
            _code(_("Mã thuốc"), "ma thuoc", "ma_thuoc"),
            Column("name", _("Tên thuốc"), ("ten thuoc", "ten_thuoc", "ten", "name"), True),
            Column("active_ingredient", _("Hoạt chất"), ("hoat chat", "ten hoat chat", "hoat_chat", "active ingredient"), True),
            Column("strength", _("Hàm lượng"), ("ham luong", "ham_luong", "nong do ham luong", "strength")),
            Column("dosage_form", _("Dạng bào chế"), ("dang bao che", "dang_bao_che", "dosage form")),
            Column("route", _("Đường dùng"), ("duong dung", "duong_dung", "route")),
            Column("unit", _("Đơn vị tính"), ("don vi tinh", "don_vi_tinh", "dvt", "unit"), True),
            Column("price", _("Đơn giá"), ("don gia", "don_gia", "gia", "price", "don gia (vnd)"), True, _money),
            Column("registration_number", _("Số đăng ký"), ("so dang ky", "so_dang_ky", "sdk")),
            Column("bhyt_covered", _("BHYT chi trả"), ("bhyt", "bhyt chi tra", "thanh toan bhyt"), False, _yes_no),
            Column("bhyt_rate", _("Tỷ lệ BHYT"), ("ty le bhyt", "tyle_tt_bh", "ty le thanh toan bhyt"), False, _percent),
            Column("bhyt_group", _("Mã nhóm"), ("ma nhom", "ma_nhom", "nhom bhyt")),
            Column("bid_info", _("Thông tin thầu"), ("thong tin thau", "tt_thau", "thau")),
        )),
        "service": CatalogSpec("service", _("Dịch vụ kỹ thuật"), TechnicalService, (
            _code(_("Mã dịch vụ"), "ma dich vu", "ma_dich_vu", "ma dvkt"),
            Column("name", _("Tên dịch vụ"), ("ten dich vu", "ten_dich_vu", "ten", "name"), True),
            Column("group", _("Nhóm"), ("nhom", "nhom dich vu", "group")),
            Column("unit", _("Đơn vị tính"), ("don vi tinh", "don_vi_tinh", "dvt", "unit")),
            Column("price", _("Đơn giá"), ("don gia", "don_gia", "gia", "price", "don_gia_bv"), True, _money),
            Column("bhyt_price", _("Giá BHYT"), ("gia bhyt", "don_gia_bh", "don gia bhyt"), False, _money),
            Column("bhyt_group", _("Mã nhóm"), ("ma nhom", "ma_nhom")),
        )),
        "labtest": CatalogSpec("labtest", _("Xét nghiệm"), LabTest, (
            _code(_("Mã xét nghiệm"), "ma xet nghiem", "ma_chi_so", "ma chi so"),
            Column("name", _("Tên xét nghiệm"), ("ten xet nghiem", "ten_chi_so", "ten chi so", "ten", "name"), True),
            Column("group", _("Nhóm"), ("nhom", "nhom xet nghiem", "group")),
            Column("unit", _("Đơn vị"), ("don vi", "don_vi_do", "don vi do", "unit")),
            Column("loinc", "LOINC", ("loinc", "ma loinc")),
            Column("low_male", _("Giới hạn dưới nam"), ("gioi han duoi nam", "min nam", "low_male"), False, parse_number),
            Column("high_male", _("Giới hạn trên nam"), ("gioi han tren nam", "max nam", "high_male"), False, parse_number),
            Column("low_female", _("Giới hạn dưới nữ"), ("gioi han duoi nu", "min nu", "low_female"), False, parse_number),
            Column("high_female", _("Giới hạn trên nữ"), ("gioi han tren nu", "max nu", "high_female"), False, parse_number),
            Column("service_code", _("Mã dịch vụ"), ("ma dich vu", "ma_dich_vu")),
            Column("release_after_review", _("Chỉ trả kết quả sau khi bác sĩ tư vấn"),
                   ("tra ket qua sau tu van", "sau tu van", "release after review", "release_after_review"), False, _yes_no),
        ), check=_lab_check),
    }


def specs() -> dict[str, CatalogSpec]:
    """Built per call so labels follow the active language."""
    return _spec_list()


# --- reading ---------------------------------------------------------------------------------------

class FileError(ValueError):
    """The whole file cannot be read (format, missing columns)."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for every non-empty row, header included."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        # calamine (Rust) reads the Ministry's 12,000-row ICD-10 sheet in about a second; openpyxl's
        # cell objects took over ten on the same machine.
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
            table = sheet.to_python(skip_empty_area=False)
        except (CalamineError, ValueError, OSError) as exc:
            raise FileError(_("Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx.")) from exc
        for number, row in enumerate(table, start=1):
            cells = [_cell(v) for v in row]
            if any(cells):
                yield number, cells
        return
    if name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileError(_("Tệp CSV phải được lưu với bảng mã UTF-8.")) from exc
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            cells = [c.strip() for c in cells]
            if any(cells):
                yield number, cells
        return
    raise FileError(_("Chỉ nhận tệp .xlsx hoặc .csv."))


# --- checking ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rejection:
    row: int
    reason: str


@dataclass
class Preview:
    kind: str
    accepted: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    new_codes: int = 0
    updated_codes: int = 0
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and bool(self.accepted)


def _map_header(spec: CatalogSpec, header: list[str]) -> dict[int, Column]:
    def key(text: str) -> str:
        return fold(text).replace("_", " ")

    # Labels and aliases first, the field's own name last: in the Ministry's ICD-10 sheet "CHAPTER
    # NAME" (English) precedes "Tên chương" and must not take the Vietnamese chapter name's place.
    named = {key(alias): col for col in spec.columns for alias in (col.label, *col.aliases)}
    by_field = {key(col.field): col for col in spec.columns}
    titles = [key(title) for title in header]
    mapping: dict[int, Column] = {}
    for lookup in (named, by_field):
        for index, title in enumerate(titles):
            col = lookup.get(title)
            if col is not None and index not in mapping and col not in mapping.values():
                mapping[index] = col
    missing = [c.label for c in spec.columns if c.required and c not in mapping.values()]
    if missing:
        raise FileError(_("Thiếu cột bắt buộc: %(columns)s.") % {"columns": ", ".join(str(m) for m in missing)})
    return mapping


def _check_row(spec: CatalogSpec, mapping: dict[int, Column], cells: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for index, col in mapping.items():
        text = cells[index] if index < len(cells) else ""
        if not text:
            if col.required:
                raise RowError(_("thiếu %(column)s") % {"column": col.label})
            continue
        try:
            row[col.field] = col.parse(text)
        except RowError as exc:
            raise RowError(f"{col.label}: {exc}") from exc
    if len(row.get("name", "")) > 500:
        raise RowError(_("tên dài quá 500 ký tự"))
    if spec.check is not None:
        spec.check(row)
    return row


def preview(kind: str, filename: str, content: bytes) -> Preview:
    spec = specs()[kind]
    result = Preview(kind)
    try:
        rows = read_table(filename, content)
        header_row = next(rows, None)
        if header_row is None:
            raise FileError(_("Tệp không có dữ liệu."))
        mapping = _map_header(spec, header_row[1])
        first_row_of: dict[str, int] = {}
        for number, cells in rows:
            try:
                row = _check_row(spec, mapping, cells)
            except RowError as exc:
                result.rejected.append(Rejection(number, str(exc)))
                continue
            code = row["code"]
            if code in first_row_of:
                result.rejected.append(Rejection(number, _("mã %(code)s trùng với dòng %(row)s")
                                                 % {"code": code, "row": first_row_of[code]}))
                continue
            first_row_of[code] = number
            result.accepted.append((number, row))
    except FileError as exc:
        result.file_error = str(exc)
        result.accepted.clear()
        return result
    existing = set(spec.model.objects.filter(code__in=list(first_row_of)).values_list("code", flat=True)) \
        if len(first_row_of) < IN_CHUNK else set(spec.model.objects.values_list("code", flat=True))
    result.updated_codes = sum(1 for code in first_row_of if code in existing)
    result.new_codes = len(first_row_of) - result.updated_codes
    return result


def apply(result: Preview) -> int:
    """Store the accepted rows: new codes inserted, existing codes updated. Returns rows stored."""
    if not result.ok:
        return 0
    spec = specs()[result.kind]
    model = spec.model
    fields = [c.field for c in spec.columns if c.field != "code"]
    with transaction.atomic():
        codes = [r["code"] for _, r in result.accepted]
        # In chunks: SQLite limits the parameters of one statement (a full ICD-10 list has 12,000+ codes).
        existing = {e.code: e for start in range(0, len(codes), IN_CHUNK)
                    for e in model.objects.filter(code__in=codes[start:start + IN_CHUNK])}
        new: list[CatalogEntry] = []
        changed: list[CatalogEntry] = []
        for _, row in result.accepted:
            entry = existing.get(row["code"]) or model(code=row["code"])
            for name, value in row.items():
                setattr(entry, name, value)
            entry.active = True
            entry.search_text = fold(" ".join(p for p in entry.search_parts() if p))
            (changed if entry.pk else new).append(entry)
        model.objects.bulk_create(new, batch_size=500)
        if changed:
            model.objects.bulk_update(changed, [*fields, "search_text", "active"], batch_size=500)
    return len(new) + len(changed)


def import_file(kind: str, path: str) -> Preview:
    """Preview and store a file in one go (management commands, the demo loader)."""
    with open(path, "rb") as fh:
        result = preview(kind, path, fh.read())
    apply(result)
    return result
