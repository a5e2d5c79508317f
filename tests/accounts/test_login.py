from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from benhan.accounts.models import Facility, User

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-rat-dai-2025"


@pytest.fixture(autouse=True)
def fast_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "vi"
    # django-otp slows retries after a wrong code (1 s, 2 s, 4 s…); the tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def facility() -> Facility:
    return Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh Phú Thọ")


def staff(facility: Facility, role: str, username: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, facility=facility)


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def post_login(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post("/ui/login/", {"username": username, "password": password, **extra})


def test_login_page_is_vietnamese_and_loads_htmx_from_static(client: Client) -> None:
    page = client.get("/ui/login/").content.decode()
    assert "Đăng nhập" in page and "Mật khẩu" in page
    assert "/static/benhan/js/htmx.min.js" in page
    assert "<script>" not in page and "style=" not in page


def test_nurse_logs_in_with_password_alone(client: Client, facility: Facility) -> None:
    staff(facility, User.Role.NURSE, "dd.binh")
    response = post_login(client, "dd.binh")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_shows_a_vietnamese_message_and_stays_anonymous(client: Client, facility: Facility) -> None:
    staff(facility, User.Role.NURSE, "dd.binh")
    response = post_login(client, "dd.binh", "sai-mat-khau")
    assert response.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    assert client.get("/").status_code == 302


def test_login_redirects_back_to_a_safe_next_page_only(client: Client, facility: Facility) -> None:
    staff(facility, User.Role.NURSE, "dd.binh")
    assert post_login(client, "dd.binh", next="/ui/staff/")["Location"] == "/ui/staff/"
    client.logout()
    assert post_login(client, "dd.binh", next="https://evil.example/")["Location"] == "/"


def test_doctor_must_enrol_totp_with_a_qr_code_before_the_session_opens(client: Client, facility: Facility) -> None:
    doctor = staff(facility, User.Role.DOCTOR, "bs.an")
    response = post_login(client, "bs.an")
    assert response["Location"].startswith("/ui/login/otp/")
    assert client.get("/").status_code == 302  # not logged in yet
    page = client.get("/ui/login/otp/").content.decode()
    assert "data:image/svg+xml" in page and "Quét mã QR" in page
    device = TOTPDevice.objects.get(user=doctor, confirmed=False)
    response = client.post("/ui/login/otp/", {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert "Mã xác thực không đúng hoặc đã hết hạn." in response.content.decode()
    response = client.post("/ui/login/otp/", {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_enrolled_doctor_is_asked_for_the_code_and_wrong_codes_count_toward_lockout(
        client: Client, facility: Facility, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    doctor = staff(facility, User.Role.DOCTOR, "bs.an")
    device = TOTPDevice.objects.create(user=doctor, name="benhan", confirmed=True)
    post_login(client, "bs.an")
    page = client.get("/ui/login/otp/").content.decode()
    assert "Nhập mã 6 số" in page and "data:image/svg+xml" not in page
    wrong = "123456" if code_for(device) != "123456" else "654321"
    for _ in range(3):
        client.post("/ui/login/otp/", {"token": wrong})
    response = client.post("/ui/login/otp/", {"token": code_for(device)})
    assert response.status_code == 429
    assert "Tài khoản tạm bị khoá" in response.content.decode()
    assert client.get("/").status_code == 302


def test_otp_step_without_a_password_step_goes_back_to_login(client: Client) -> None:
    response = client.get("/ui/login/otp/")
    assert response.status_code == 302 and response["Location"] == "/ui/login/"


def test_two_factor_requirement_per_role_is_configurable(client: Client, facility: Facility, settings) -> None:
    settings.BENHAN_TOTP_REQUIRED_ROLES = ["nurse"]
    staff(facility, User.Role.NURSE, "dd.binh")
    staff(facility, User.Role.DOCTOR, "bs.an")
    assert post_login(client, "dd.binh")["Location"].startswith("/ui/login/otp/")
    client.logout()
    assert post_login(client, "bs.an")["Location"] == "/"


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client: Client, facility: Facility) -> None:
    staff(facility, User.Role.NURSE, "dd.binh")
    for _ in range(4):
        assert post_login(client, "dd.binh", "sai-mat-khau").status_code == 400
    locked = post_login(client, "dd.binh", "sai-mat-khau")
    assert locked.status_code == 429
    assert "Tài khoản tạm bị khoá do đăng nhập sai quá nhiều lần" in locked.content.decode()
    assert post_login(client, "dd.binh").status_code == 429
    assert client.get("/").status_code == 302


def test_lockout_is_per_account_not_per_hospital_ip(client: Client, facility: Facility) -> None:
    staff(facility, User.Role.NURSE, "dd.binh")
    staff(facility, User.Role.NURSE, "dd.cuc")
    for _ in range(5):
        post_login(client, "dd.binh", "sai-mat-khau")
    assert post_login(client, "dd.cuc")["Location"] == "/"


def test_idle_session_expires_after_thirty_minutes(client: Client, facility: Facility, settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    staff(facility, User.Role.NURSE, "dd.binh")
    post_login(client, "dd.binh")
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/ui/login/")


def test_logout_needs_post_and_ends_the_session(client: Client, facility: Facility) -> None:
    staff(facility, User.Role.NURSE, "dd.binh")
    post_login(client, "dd.binh")
    assert client.get("/ui/logout/").status_code == 405
    response = client.post("/ui/logout/", follow=True)
    assert "Bạn đã đăng xuất." in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_retry_right_after_a_wrong_code_is_slowed_down_by_django_otp(
        client: Client, facility: Facility, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 10
    doctor = staff(facility, User.Role.DOCTOR, "bs.an")
    device = TOTPDevice.objects.create(user=doctor, name="benhan", confirmed=True)
    post_login(client, "bs.an")
    client.post("/ui/login/otp/", {"token": "123456" if code_for(device) != "123456" else "654321"})
    response = client.post("/ui/login/otp/", {"token": code_for(device)})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_language_switch_serves_the_english_catalogue(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/ui/login/"})
    page = client.get("/ui/login/").content.decode()
    assert "Log in" in page and "Password" in page and "Mật khẩu" not in page


def test_english_validation_messages_come_from_the_same_catalogue() -> None:
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from benhan.vn.identifiers import parse_cccd

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        parse_cccd("123")
    assert exc.value.messages == ["A citizen ID (CCCD) number has exactly 12 digits."]


def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client: Client) -> None:
    page = client.get("/ui/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Mật khẩu" in page and 'lang="vi"' in page


def test_staff_change_their_own_shared_demo_password(client: Client, facility: Facility) -> None:
    nurse = staff(facility, User.Role.NURSE, "dd.binh")
    client.force_login(nurse)
    page = client.get("/ui/account/password/").content.decode()
    assert "Đổi mật khẩu" in page and "Mật khẩu cũ" in page
    response = client.post("/ui/account/password/", {"old_password": PASSWORD, "new_password1": "mat-khau-moi-2026",
                                                      "new_password2": "mat-khau-moi-2026"}, follow=True)
    assert "Đã đổi mật khẩu." in response.content.decode()
    nurse.refresh_from_db()
    assert nurse.check_password("mat-khau-moi-2026")
    assert client.get("/").status_code == 200  # the session survives its own password change
