from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook

from benhan.vn.catalog_import import apply, parse_number, preview
from benhan.vn.catalog_search import search
from benhan.vn.models import Drug, Icd10, LabTest, TechnicalService
from benhan.vn.starter import load_starter_catalogs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vietnamese() -> None:
    translation.activate("vi")


@pytest.fixture
def starter() -> None:
    load_starter_catalogs()


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- search ---------------------------------------------------------------------------------------------

def test_starter_catalogs_load_every_row_without_rejections() -> None:
    results = load_starter_catalogs()
    assert all(not r.rejected and not r.file_error for r in results.values())
    assert Icd10.objects.count() >= 250
    assert Drug.objects.count() == 20 and TechnicalService.objects.count() == 18 and LabTest.objects.count() == 10


def test_icd_search_without_accents_finds_essential_hypertension(starter: None) -> None:
    found = search(Icd10, "tang huyet ap")
    assert found[0].code == "I10"
    assert found[0].name.startswith("Tăng huyết áp vô căn")


def test_icd_search_by_code_prefix_lists_codes_first(starter: None) -> None:
    codes = [e.code for e in search(Icd10, "E11")]
    assert codes == ["E11.2", "E11.4", "E11.5", "E11.9"]


def test_icd_search_accepts_a_code_typed_without_the_dot(starter: None) -> None:
    assert search(Icd10, "e119")[0].code == "E11.9"


def test_icd_search_matches_word_starts_not_fragments(starter: None) -> None:
    names = [e.name for e in search(Icd10, "viem phoi", limit=50)]
    assert "Viêm phổi, không đặc hiệu" in names
    assert all("iêm" in n for n in names)
    assert not [e for e in search(Icd10, "ap", limit=300) if e.code == "J96.0"]  # "cấp" is not "áp"


def test_stray_punctuation_in_the_query_is_ignored(starter: None) -> None:
    assert search(Icd10, "/tang huyet ap,")[0].code == "I10"


def test_icd_search_finds_english_names_too(starter: None) -> None:
    assert search(Icd10, "essential hypertension")[0].code == "I10"


def test_drug_search_by_ingredient_and_strength(starter: None) -> None:
    found = search(Drug, "amlodipin 5")
    assert [d.code for d in found] == ["TH0002"]
    assert found[0].price == Decimal("1050")


def test_inactive_entries_are_not_found(starter: None) -> None:
    Icd10.objects.filter(code="I10").update(active=False)
    assert "I10" not in [e.code for e in search(Icd10, "tang huyet ap")]


def test_lab_reference_range_depends_on_sex(starter: None) -> None:
    hgb = LabTest.objects.get(code="HGB")
    assert hgb.reference_range("male") == (Decimal("130"), Decimal("170"))
    assert hgb.reference_range("female") == (Decimal("120"), Decimal("150"))


# --- import ------------------------------------------------------------------------------------------------

def test_numbers_are_read_the_vietnamese_way() -> None:
    assert parse_number("1.250.000") == Decimal("1250000")
    assert parse_number("1.250.000 ₫") == Decimal("1250000")
    assert parse_number("1,250,000") == Decimal("1250000")
    assert parse_number("3,5") == Decimal("3.5")
    assert parse_number("6.4") == Decimal("6.4")


def test_icd_import_preview_stores_nothing_and_reports_rejected_rows_by_number() -> None:
    content = xlsx([
        ["Mã bệnh", "Tên bệnh", "Tên tiếng Anh", "Chương"],
        ["I10", "Tăng huyết áp vô căn (nguyên phát)", "Essential (primary) hypertension", "IX"],
        ["E119", "Đái tháo đường không phụ thuộc insulin không có biến chứng", "", "IV"],
        ["X", "Mã sai", "", ""],
        ["J18.9", "", "", "X"],
        ["I10", "Trùng mã", "", ""],
    ])
    result = preview("icd10", "icd.xlsx", content)
    assert Icd10.objects.count() == 0
    assert [(n, r["code"]) for n, r in result.accepted] == [(2, "I10"), (3, "E11.9")]
    assert [(r.row, r.reason) for r in result.rejected] == [
        (4, "Mã bệnh: mã ICD-10 “X” không đúng dạng (ví dụ I10, E11.9)"),
        (5, "thiếu Tên bệnh"),
        (6, "mã I10 trùng với dòng 2"),
    ]
    assert result.new_codes == 2 and result.updated_codes == 0


def test_confirmed_import_inserts_new_codes_and_updates_existing_ones() -> None:
    Icd10.objects.create(code="I10", name="Tên cũ")
    csv_text = "ma_benh;ten_benh;chuong\nI10;Tăng huyết áp vô căn (nguyên phát);IX\nK29.7;Viêm dạ dày, không đặc hiệu;XI\n"
    result = preview("icd10", "icd.csv", csv_text.encode())
    assert result.new_codes == 1 and result.updated_codes == 1
    assert apply(result) == 2
    assert Icd10.objects.get(code="I10").name == "Tăng huyết áp vô căn (nguyên phát)"
    assert search(Icd10, "viem da day")[0].code == "K29.7"


def test_a_file_missing_required_columns_is_rejected_whole() -> None:
    result = preview("drug", "thuoc.csv", "Mã thuốc,Tên thuốc\nT1,Paracetamol\n".encode())
    assert result.file_error == "Thiếu cột bắt buộc: Hoạt chất, Đơn vị tính, Đơn giá."
    assert not result.ok and apply(result) == 0
    assert Drug.objects.count() == 0


def test_drug_rows_with_bad_prices_are_rejected_with_the_reason() -> None:
    content = xlsx([
        ["MA_THUOC", "TEN_THUOC", "HOAT_CHAT", "DON_VI_TINH", "DON_GIA", "TYLE_TT_BH"],
        ["T1", "Paracetamol 500mg", "Paracetamol", "Viên", "1.250", "100"],
        ["T2", "Amlodipin 5mg", "Amlodipin", "Viên", "năm trăm", "100"],
        ["T3", "Losartan 50mg", "Losartan", "Viên", "-5", "100"],
        ["T4", "Metformin", "Metformin", "Viên", "900", "120"],
    ])
    result = preview("drug", "thuoc.xlsx", content)
    assert [r["code"] for _, r in result.accepted] == ["T1"]
    assert [(r.row, r.reason) for r in result.rejected] == [
        (3, "Đơn giá: “năm trăm” không phải là số"),
        (4, "Đơn giá: giá không được âm"),
        (5, "Tỷ lệ BHYT: tỷ lệ phải từ 0 đến 100"),
    ]
    apply(result)
    assert Drug.objects.get(code="T1").price == Decimal("1250")


def test_lab_import_rejects_a_low_limit_above_the_high_limit() -> None:
    csv_text = ("Mã xét nghiệm,Tên xét nghiệm,Giới hạn dưới nam,Giới hạn trên nam\n"
                "GLU,Glucose,\"3,9\",\"6,4\"\nURE,Ure,9,2\n")
    result = preview("labtest", "xn.csv", csv_text.encode())
    assert [r.reason for r in result.rejected] == ["giới hạn dưới lớn hơn giới hạn trên (nam)"]


def test_unreadable_files_get_a_vietnamese_reason() -> None:
    assert preview("icd10", "icd.pdf", b"%PDF").file_error == "Chỉ nhận tệp .xlsx hoặc .csv."
    assert preview("icd10", "icd.xlsx", b"not a zip").file_error == \
        "Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx."
    assert preview("icd10", "icd.csv", "Mã bệnh,Tên bệnh\n".encode("utf-16")).file_error == \
        "Tệp CSV phải được lưu với bảng mã UTF-8."


def test_catalog_import_command_reports_rejections_and_honours_dry_run(tmp_path) -> None:
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "icd.csv"
    path.write_text("Mã bệnh,Tên bệnh\nI10,Tăng huyết áp vô căn (nguyên phát)\nZZ,Sai\n", encoding="utf-8")
    out = StringIO()
    call_command("catalog_import", "icd10", str(path), "--dry-run", stdout=out)
    assert "Dòng 3: Mã bệnh: mã ICD-10 “ZZ” không đúng dạng (ví dụ I10, E11.9)" in out.getvalue()
    assert Icd10.objects.count() == 0
    call_command("catalog_import", "icd10", str(path), stdout=StringIO())
    assert list(Icd10.objects.values_list("code", flat=True)) == ["I10"]
