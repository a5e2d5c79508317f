"""A full-size ICD-10 sheet in the Ministry's published layout (QĐ 4469/QĐ-BYT, icd.kcb.vn export), generated.

The real list is not redistributable here, so the test and the benchmark build one of the same shape:
the Ministry's 23 columns in their order, 22 chapters with their code ranges and Vietnamese names,
main groups, 12,218 disease codes (3-character categories and their 4-character subdivisions), the
starter list's real Vietnamese names where it has them and composed Vietnamese names elsewhere, and
dagger/asterisk marks on some codes as the Ministry writes them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HEADER = ["STT chương", "Mã chương", "CHAPTER NAME", "Tên chương", "Mã nhóm chính", "MAIN GROUP NAME I",
          "Tên nhóm chính", "Mã nhóm phụ I", "SUB GROUP NAME I", "Tên nhóm phụ I", "Mã nhóm phụ II",
          "SUB GROUP NAME II", "Tên nhóm phụ II", "Mã loại", "TYPE NAME", "Tên loại", "Mã bệnh", "DISEASE NAME",
          "Tên bệnh", "Mã nhóm b/c bộ y tế", "Mã nhóm cần chi tiết hơn", "Ghi chú 1", "Ghi chú 2"]

CHAPTERS = [
    ("A00-B99", "AB", "Bệnh nhiễm trùng và ký sinh trùng"),
    ("C00-D48", "CD", "Bướu tân sinh"),
    ("D50-D89", "D", "Bệnh của máu, cơ quan tạo máu và các rối loạn liên quan đến cơ chế miễn dịch"),
    ("E00-E90", "E", "Bệnh nội tiết, dinh dưỡng và chuyển hoá"),
    ("F00-F99", "F", "Rối loạn tâm thần và hành vi"),
    ("G00-G99", "G", "Bệnh của hệ thần kinh"),
    ("H00-H59", "H", "Bệnh mắt và phần phụ"),
    ("H60-H95", "H", "Bệnh của tai và xương chũm"),
    ("I00-I99", "I", "Bệnh của hệ tuần hoàn"),
    ("J00-J99", "J", "Bệnh hệ hô hấp"),
    ("K00-K93", "K", "Bệnh hệ tiêu hoá"),
    ("L00-L99", "L", "Bệnh da và mô dưới da"),
    ("M00-M99", "M", "Bệnh của hệ cơ, xương và mô liên kết"),
    ("N00-N99", "N", "Bệnh hệ tiết niệu sinh dục"),
    ("O00-O99", "O", "Thai nghén, sinh đẻ và hậu sản"),
    ("P00-P96", "P", "Một số bệnh lý xuất phát trong thời kỳ chu sinh"),
    ("Q00-Q99", "Q", "Dị tật bẩm sinh, biến dạng và bất thường về nhiễm sắc thể"),
    ("R00-R99", "R", "Triệu chứng, dấu hiệu và những biểu hiện lâm sàng bất thường"),
    ("S00-T98", "ST", "Vết thương, ngộ độc và hậu quả của một số nguyên nhân bên ngoài"),
    ("V01-Y98", "VWXY", "Nguyên nhân bên ngoài của bệnh tật và tử vong"),
    ("Z00-Z99", "Z", "Các yếu tố ảnh hưởng đến tình trạng sức khoẻ và tiếp xúc dịch vụ y tế"),
    ("U00-U99", "U", "Mã dành cho những mục đích đặc biệt"),
]
DISEASES = ["Viêm", "Nhiễm trùng", "Xơ hoá", "Loét", "Hoại tử", "U lành", "Thoái hoá", "Suy", "Rối loạn chức năng",
            "Tổn thương", "Áp xe", "Phì đại", "Teo", "Chảy máu", "Tắc nghẽn", "Dị dạng"]
ORGANS = ["gan", "thận", "phổi", "dạ dày", "tá tràng", "tim", "não", "tuỵ", "lách", "tuyến giáp", "da", "xương đùi",
          "khớp gối", "cột sống thắt lưng", "niệu quản", "bàng quang", "thực quản", "đại tràng", "mắt", "tai giữa"]
QUALIFIERS = ["cấp", "mạn tính", "do vi khuẩn", "do vi rút", "có biến chứng", "không biến chứng", "ở trẻ em",
              "sau phẫu thuật", "không đặc hiệu", "khác"]
FULL_SIZE = 12_218


def _starter() -> dict[str, tuple[str, str]]:
    path = Path(__file__).resolve().parents[2] / "benhan" / "vn" / "data" / "icd10_starter.csv"
    with path.open(encoding="utf-8") as fh:
        return {r["code"]: (r["name_vi"], r["name_en"]) for r in csv.DictReader(fh)}


def _letters(chapter: tuple[str, str, str]) -> list[tuple[str, int, int]]:
    start, end = chapter[0].split("-")
    letters = chapter[1]
    out = []
    for i, letter in enumerate(letters):
        low = int(start[1:]) if i == 0 else 0
        high = int(end[1:]) if i == len(letters) - 1 else 99
        out.append((letter, low, high))
    return out


def rows(size: int = FULL_SIZE) -> list[list[str]]:
    """`size` data rows in the Ministry's column order (codes unique, chapters in order, every chapter present)."""
    starter = _starter()
    out: list[list[str]] = []
    categories = [(n, chapter, letter, number) for n, chapter in enumerate(CHAPTERS, start=1)
                  for letter, low, high in _letters(chapter) for number in range(low, high + 1)]
    for index, (n, chapter, letter, number) in enumerate(categories):
        category = f"{letter}{number:02d}"
        # Spread what is left of the budget over the categories left, so the last chapters are present too.
        share = max(1, (size - len(out)) // (len(categories) - index))
        known = sorted(c for c in starter if c.startswith(category + "."))
        codes = [category, *known, *(f"{category}.{d}" for d in range(10) if f"{category}.{d}" not in known)]
        codes = codes[:max(share, 1 + len(known))]
        group = f"{letter}{number // 10 * 10:02d}-{letter}{min(number // 10 * 10 + 9, 99):02d}"
        group_name = f"{DISEASES[index % len(DISEASES)]} {ORGANS[(index // 3) % len(ORGANS)]}"
        type_name = starter.get(category, (f"{group_name} {QUALIFIERS[index % len(QUALIFIERS)]}", ""))[0]
        for k, code in enumerate(codes):
            if len(out) >= size:
                return out
            if code in starter:
                name_vi, name_en = starter[code]
            elif k == 0:
                name_vi, name_en = type_name, f"Category {code}"
            else:
                name_vi = (f"{DISEASES[(index + k) % len(DISEASES)]} {ORGANS[(index * 7 + k) % len(ORGANS)]} "
                           f"{QUALIFIERS[(index + k * 3) % len(QUALIFIERS)]}")
                name_en = f"Condition {code}"
            mark = "†" if letter == "A" and k == 1 else ("*" if letter == "G" and k == 1 else "")
            out.append([str(n), chapter[0], f"Chapter {n}", chapter[2], group, f"Group {group}", group_name,
                        "", "", "", "", "", "", category, f"Category {category}", type_name, code + mark, name_en,
                        name_vi, "", "", "", ""])
    return out


def csv_bytes(data: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(data)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(data: list[list[str]], header: list[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("ICD10")
    sheet.append(header)
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
