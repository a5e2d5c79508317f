"""The Ministry's full ICD-10 list (12,000+ codes, its own column layout) through the import page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from benhan.accounts.models import Facility, User
from benhan.vn.catalog_import import preview
from benhan.vn.catalog_search import search
from benhan.vn.models import CatalogImport, Icd10
from benhan.vn.text import fold

from .ministry_icd10 import FULL_SIZE, csv_bytes, rows, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vietnamese() -> None:
    translation.activate("vi")


@pytest.fixture(scope="module")
def sheet() -> list[list[str]]:
    data = rows()
    # Four faults a real sheet has, at known spreadsheet rows (the header is row 1).
    data[100][16] = "I1O"            # letter O typed for zero → row 102
    data[200][16] = data[199][16]    # the same code twice → row 202
    data[300][18] = ""               # no Vietnamese name → row 302
    data[400][1] = "A00-B99-C00-D48"  # a chapter code longer than the column → row 402
    return data


def test_the_full_ministry_sheet_previews_imports_and_reports_its_rejected_rows(
        client: Client, sheet: list[list[str]]) -> None:
    facility = Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh Phú Thọ")
    client.force_login(User.objects.create_user(username="qt.hai", password="x", role=User.Role.FACILITY_ADMIN,
                                                facility=facility))
    upload = SimpleUploadedFile("ICD10_QD4469.xlsx", xlsx_bytes(sheet))
    response = client.post("/ui/catalogs/icd10/import/", {"file": upload})
    batch = CatalogImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert f"<dd>{FULL_SIZE - 4}</dd>" in page and "<dd>4</dd>" in page
    assert "mã ICD-10 “I1O” không đúng dạng" in page and ">102<" in page
    assert "trùng với dòng 201" in page and ">202<" in page
    assert "thiếu Tên bệnh" in page and ">302<" in page
    assert "Mã chương: dài quá 8 ký tự" in page and ">402<" in page
    assert Icd10.objects.count() == 0  # nothing stored before confirmation

    report = client.get(f"/ui/catalogs/import/{batch.pk}/rejected.csv")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["Dòng", "Lý do"] and [line[0] for line in lines[1:]] == ["102", "202", "302", "402"]

    client.post(f"/ui/catalogs/import/{batch.pk}/confirm/")
    assert Icd10.objects.count() == FULL_SIZE - 4
    i10 = Icd10.objects.get(code="I10")
    assert (i10.chapter, i10.chapter_name, i10.group_code) == ("I00-I99", "Bệnh của hệ tuần hoàn", "I10-I19")
    assert Icd10.objects.filter(code="A00.0").exists()  # "A00.0†" in the sheet: the mark is not part of the code
    assert Icd10.objects.filter(code="U99.3").exists()  # the last chapter arrived too

    assert search(Icd10, "I10")[0].code == "I10"
    assert search(Icd10, "e119")[0].code == "E11.9"
    assert "I10" in [e.code for e in search(Icd10, "tang huyet ap")]
    assert "J18.9" in [e.code for e in search(Icd10, "viem phoi khong dac hieu")]
    name = sheet[5000][18]  # a name typed without accents, in any order, finds that code
    words = " ".join(reversed(fold(name).split()))
    assert sheet[5000][16] in [e.code for e in search(Icd10, words, limit=50)]


def test_importing_the_list_again_updates_every_code_and_adds_none(sheet: list[list[str]]) -> None:
    from benhan.vn.catalog_import import apply

    first = preview("icd10", "icd10.csv", csv_bytes(sheet))
    apply(first)
    renamed = [list(r) for r in sheet]
    renamed[0][18] = "Bệnh tả do Vibrio cholerae 01, typ sinh học cholerae"
    again = preview("icd10", "icd10.csv", csv_bytes(renamed))
    assert (again.new_codes, again.updated_codes) == (0, FULL_SIZE - 4)
    apply(again)
    assert Icd10.objects.count() == FULL_SIZE - 4
    assert Icd10.objects.get(code="A00").name.startswith("Bệnh tả do Vibrio")
