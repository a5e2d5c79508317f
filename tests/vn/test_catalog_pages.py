from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from benhan.accounts.models import Facility, User
from benhan.vn.models import CatalogImport, Icd10
from benhan.vn.starter import load_starter_catalogs

pytestmark = pytest.mark.django_db

CSV = ("Mã bệnh,Tên bệnh,Chương\n"
       "I10,Tăng huyết áp vô căn (nguyên phát),IX\n"
       "Q,Mã sai,\n"
       "J18.9,Viêm phổi không đặc hiệu,X\n").encode()


@pytest.fixture
def facility() -> Facility:
    return Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh Phú Thọ")


def login(client: Client, facility: Facility, role: str) -> Client:
    client.force_login(User.objects.create_user(username=f"u.{role}", password="x", role=role, facility=facility))
    return client


def test_doctor_searches_icd_as_they_type_without_accents(client: Client, facility: Facility) -> None:
    load_starter_catalogs()
    login(client, facility, User.Role.DOCTOR)
    page = client.get("/ui/catalogs/icd10/", {"q": "tang huyet ap"}).content.decode()
    assert "Tăng huyết áp vô căn (nguyên phát)" in page and 'hx-get="/ui/catalogs/icd10/"' in page
    rows = client.get("/ui/catalogs/icd10/", {"q": "I10"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in rows and "I10" in rows


def test_drug_prices_are_shown_in_vnd(client: Client, facility: Facility) -> None:
    load_starter_catalogs()
    login(client, facility, User.Role.PHARMACIST)
    assert "1.050\u00a0₫" in client.get("/ui/catalogs/drug/", {"q": "amlodipin"}).content.decode()


def test_import_previews_then_stores_only_after_confirmation(client: Client, facility: Facility) -> None:
    login(client, facility, User.Role.FACILITY_ADMIN)
    response = client.post("/ui/catalogs/icd10/import/", {"file": SimpleUploadedFile("icd.csv", CSV)})
    batch = CatalogImport.objects.get()
    assert response["Location"] == f"/ui/catalogs/import/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "mã ICD-10 “Q” không đúng dạng" in page and ">3<" in page  # the rejected row's number
    assert Icd10.objects.count() == 0
    client.post(f"/ui/catalogs/import/{batch.pk}/confirm/")
    assert sorted(Icd10.objects.values_list("code", flat=True)) == ["I10", "J18.9"]
    batch.refresh_from_db()
    assert batch.status == "confirmed" and batch.accepted == 2 and batch.rejected == 1
    assert client.post(f"/ui/catalogs/import/{batch.pk}/confirm/").status_code == 404  # only once


def test_cancelled_import_leaves_the_catalog_untouched(client: Client, facility: Facility) -> None:
    login(client, facility, User.Role.FACILITY_ADMIN)
    client.post("/ui/catalogs/icd10/import/", {"file": SimpleUploadedFile("icd.csv", CSV)})
    batch = CatalogImport.objects.get()
    response = client.post(f"/ui/catalogs/import/{batch.pk}/cancel/", follow=True)
    assert "Đã huỷ, danh mục không thay đổi." in response.content.decode()
    assert Icd10.objects.count() == 0


def test_upload_of_a_wrong_file_type_is_refused_in_vietnamese(client: Client, facility: Facility) -> None:
    login(client, facility, User.Role.FACILITY_ADMIN)
    response = client.post("/ui/catalogs/drug/import/", {"file": SimpleUploadedFile("thuoc.pdf", b"%PDF")})
    assert response.status_code == 400 and "Chỉ nhận tệp .xlsx hoặc .csv." in response.content.decode()
    assert not CatalogImport.objects.exists()


def test_only_facility_admins_import_catalogs(client: Client, facility: Facility) -> None:
    login(client, facility, User.Role.DOCTOR)
    assert client.get("/ui/catalogs/icd10/import/").status_code == 403
    assert client.get("/ui/catalogs/unknown/").status_code == 404
