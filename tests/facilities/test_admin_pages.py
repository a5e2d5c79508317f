from __future__ import annotations

import pytest
from django.test import Client

from benhan.accounts.models import Facility, User
from benhan.facilities.models import Bed, Department, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility() -> Facility:
    return Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh Phú Thọ", province_code="25")


@pytest.fixture
def admin_client(client: Client, facility: Facility) -> Client:
    admin = User.objects.create_user(username="qt.lan", password="x", role=User.Role.FACILITY_ADMIN, facility=facility)
    client.force_login(admin)
    return client


def test_facility_admin_adds_a_department_room_and_beds(admin_client: Client, facility: Facility) -> None:
    response = admin_client.post("/ui/facilities/25001/", {
        "add_department": "1", "d-code": "K01", "d-name": "Khoa Khám bệnh", "d-kind": "clinical", "d-bhyt_code": "K01",
    })
    assert response.status_code == 302
    dept = Department.objects.get(facility=facility, code="K01")
    assert dept.active
    url = f"/ui/facilities/25001/departments/{dept.pk}/"
    assert admin_client.post(url, {"add_room": "1", "r-code": "P101", "r-name": "Phòng khám Nội 1",
                                   "r-kind": "exam"}).status_code == 302
    room = Room.objects.get(department=dept, code="P101")
    assert admin_client.post(url, {"add_beds": "1", "b-room": room.pk, "b-count": "3", "b-kind": "H"}).status_code == 302
    assert admin_client.post(url, {"add_beds": "1", "b-room": room.pk, "b-count": "2", "b-kind": "H"}).status_code == 302
    assert list(Bed.objects.filter(room=room).values_list("code", flat=True)) == ["H001", "H002", "H003", "H004", "H005"]
    page = admin_client.get("/ui/facilities/25001/").content.decode()
    assert "Khoa Khám bệnh" in page


def test_duplicate_department_code_is_refused_in_vietnamese_and_nothing_is_stored(
        admin_client: Client, facility: Facility) -> None:
    Department.objects.create(facility=facility, code="K01", name="Khoa Khám bệnh")
    response = admin_client.post("/ui/facilities/25001/", {
        "add_department": "1", "d-code": "K01", "d-name": "Khoa khác", "d-kind": "clinical",
    })
    assert response.status_code == 400
    assert "Mã khoa K01 đã có ở cơ sở này." in response.content.decode()
    assert Department.objects.filter(facility=facility).count() == 1


def test_facility_address_uses_a_commune_of_the_chosen_province(admin_client: Client, facility: Facility) -> None:
    data = {"save_facility": "1", "f-name": facility.name, "f-kind": "provincial_hospital", "f-level": "chuyen_sau",
            "f-province_code": "25", "f-commune_code": "07900", "f-address": "Đường Nguyễn Tất Thành",
            "f-phone": "0210 3846 173", "f-active": "on"}
    assert admin_client.post("/ui/facilities/25001/", data).status_code == 302
    facility.refresh_from_db()
    assert (facility.commune_code, facility.phone) == ("07900", "02103846173")
    bad = admin_client.post("/ui/facilities/25001/", {**data, "f-commune_code": "00004"})  # Ba Đình, Hà Nội
    assert "Xã, phường không thuộc tỉnh đã chọn." in bad.content.decode()


def test_commune_options_follow_the_province(admin_client: Client) -> None:
    html = admin_client.get("/ui/facilities/communes/", {"f-province_code": "25"}).content.decode()
    assert "Xã Lâm Thao" in html and "Phường Ba Đình" not in html


def test_bed_codes_follow_the_bhyt_pattern() -> None:
    from django.core.exceptions import ValidationError

    from benhan.facilities.models import BED_CODE

    BED_CODE("H001")
    with pytest.raises(ValidationError):
        BED_CODE("X001")


def test_a_facility_admin_cannot_open_another_facility(admin_client: Client) -> None:
    Facility.objects.create(code="25002", name="Trung tâm Y tế khu vực Lâm Thao")
    assert admin_client.get("/ui/facilities/25002/").status_code == 403
    assert "Trung tâm Y tế khu vực Lâm Thao" not in admin_client.get("/ui/facilities/").content.decode()


def test_only_the_server_administrator_adds_facilities(admin_client: Client, client: Client) -> None:
    assert admin_client.get("/ui/facilities/new/").status_code == 403
    root = User.objects.create_superuser(username="root", password="x")
    client.force_login(root)
    response = client.post("/ui/facilities/new/", {"code": "2500A", "name": "X", "kind": "other", "level": "co_ban",
                                                    "province_code": "25"})
    assert "Mã cơ sở KCB gồm 5 chữ số, 2 số đầu là mã tỉnh (ví dụ 25001)." in response.content.decode()
    response = client.post("/ui/facilities/new/", {"code": "25010", "name": "Trạm Y tế xã Lâm Thao", "kind": "commune_station",
                                                    "level": "ban_dau", "province_code": "25", "commune_code": "08494",
                                                    "active": "on"})
    assert response.status_code == 302 and Facility.objects.filter(code="25010").exists()


def test_clinical_staff_cannot_reach_admin_pages(client: Client, facility: Facility) -> None:
    nurse = User.objects.create_user(username="dd.binh", password="x", role=User.Role.NURSE, facility=facility)
    client.force_login(nurse)
    assert client.get("/ui/facilities/").status_code == 403
    assert client.get("/ui/staff/").status_code == 403


def test_facility_admin_renames_and_closes_a_department(admin_client: Client, facility: Facility) -> None:
    dept = Department.objects.create(facility=facility, code="K05", name="Khoa Nhi")
    url = f"/ui/facilities/25001/departments/{dept.pk}/"
    response = admin_client.post(url, {"save_department": "1", "e-code": "K05", "e-name": "Khoa Nhi - Sơ sinh",
                                       "e-kind": "clinical", "e-inpatient": "on"})
    assert response.status_code == 302
    dept.refresh_from_db()
    assert dept.name == "Khoa Nhi - Sơ sinh" and dept.inpatient and not dept.active
