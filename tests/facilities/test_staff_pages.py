from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from benhan.accounts.models import Facility, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def facility() -> Facility:
    return Facility.objects.create(code="25002", name="Trung tâm Y tế khu vực Lâm Thao")


@pytest.fixture
def admin(facility: Facility) -> User:
    return User.objects.create_user(username="qt.lan", password="x", role=User.Role.FACILITY_ADMIN, facility=facility,
                                    last_name="Phạm Thị", first_name="Lan")


def new_staff(facility: Facility, **over: object) -> dict[str, object]:
    data: dict[str, object] = {"username": "bs.an", "last_name": "Nguyễn Văn", "first_name": "An", "role": "doctor",
                               "licence_number": "001234/PT-CCHN", "facility": facility.pk, "is_active": "on",
                               "password1": "benhan-bac-si-2025", "password2": "benhan-bac-si-2025"}
    data.update(over)
    return data


def test_facility_admin_creates_a_doctor_with_a_licence_number(client: Client, admin: User, facility: Facility) -> None:
    client.force_login(admin)
    response = client.post("/ui/staff/new/", new_staff(facility))
    assert response.status_code == 302
    doctor = User.objects.get(username="bs.an")
    assert doctor.role == "doctor" and doctor.licence_number == "001234/PT-CCHN" and doctor.facility == facility
    assert doctor.check_password("benhan-bac-si-2025")
    listing = client.get("/ui/staff/", {"q": "nguyen van an"}).content.decode()
    assert "bs.an" in listing and "qt.lan" not in listing


def test_weak_or_mismatched_passwords_store_nothing(client: Client, admin: User, facility: Facility) -> None:
    client.force_login(admin)
    response = client.post("/ui/staff/new/", new_staff(facility, password2="khac-mat-khau-2025"))
    assert response.status_code == 400 and "Hai mật khẩu không khớp." in response.content.decode()
    response = client.post("/ui/staff/new/", new_staff(facility, password1="123", password2="123"))
    assert response.status_code == 400
    assert not User.objects.filter(username="bs.an").exists()


def test_admin_cannot_place_staff_in_a_facility_they_do_not_manage(client: Client, admin: User) -> None:
    other = Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh Phú Thọ")
    client.force_login(admin)
    response = client.post("/ui/staff/new/", new_staff(other))
    assert response.status_code == 400 and not User.objects.filter(username="bs.an").exists()
    outsider = User.objects.create_user(username="bs.khac", password="x", facility=other)
    assert client.get(f"/ui/staff/{outsider.pk}/").status_code == 403


def test_admin_grants_an_extra_facility_and_resets_a_lost_phone(client: Client, admin: User, facility: Facility) -> None:
    other = Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh Phú Thọ")
    doctor = User.objects.create_user(username="bs.an", password="x", role="doctor", facility=facility)
    TOTPDevice.objects.create(user=doctor, name="benhan", confirmed=True)
    client.force_login(admin)
    data = new_staff(facility, password1="", password2="", extra_facilities=[other.pk])
    assert client.post(f"/ui/staff/{doctor.pk}/", data).status_code == 302
    assert list(doctor.extra_facilities.values_list("code", flat=True)) == ["25001"]
    assert client.post(f"/ui/staff/{doctor.pk}/", {"reset_otp": "1"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=doctor).exists()


def test_staff_with_extra_facilities_switch_the_facility_they_work_for(client: Client, facility: Facility) -> None:
    other = Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh Phú Thọ")
    third = Facility.objects.create(code="25003", name="Trạm Y tế xã Lâm Thao")
    doctor = User.objects.create_user(username="bs.an", password="x", role="doctor", facility=facility)
    doctor.extra_facilities.add(other)
    client.force_login(doctor)
    assert "Trung tâm Y tế khu vực Lâm Thao" in client.get("/").content.decode()
    client.post("/ui/facility/", {"facility": "25001", "next": "/"})
    assert "Mã CSKCB 25001" in client.get("/").content.decode()
    response = client.post("/ui/facility/", {"facility": third.code, "next": "/"}, follow=True)
    assert "Bạn không có quyền làm việc tại cơ sở này." in response.content.decode()
