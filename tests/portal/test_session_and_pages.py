from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from benhan.portal.session import COOKIE, IDLE_SECONDS

from .conftest import PHONE, World
from .helpers import linked_account, log_in
from .sms_standin import Gateway

pytestmark = pytest.mark.django_db


def test_a_patient_login_sets_only_the_app_cookie_and_never_a_staff_session(sms: Gateway) -> None:
    client = Client()
    log_in(client, sms, PHONE)
    assert COOKIE in client.cookies and client.cookies[COOKIE]["path"] == "/app/"
    assert client.cookies[COOKIE]["httponly"]
    assert "sessionid" not in client.cookies
    assert client.get("/app/").status_code == 200
    assert client.get("/ui/nguoi-benh/dang-ky/").status_code == 302  # staff pages still ask for a staff login


def test_a_staff_session_does_not_open_the_patient_app(db: None) -> None:
    from benhan.accounts.models import User

    client = Client()
    client.force_login(User.objects.create(username="bs.a", role=User.Role.DOCTOR))
    response = client.get("/app/")
    assert response.status_code == 302 and response["Location"] == "/app/dang-nhap/"


def test_an_idle_session_ends_and_asks_for_a_new_code(sms: Gateway) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    client = Client()
    log_in(client, sms, PHONE)
    store = SessionStore(session_key=client.cookies[COOKIE].value)
    store["seen"] = timezone.now().timestamp() - IDLE_SECONDS - 1
    store.save()
    response = client.get("/app/")
    assert response.status_code == 302 and response["Location"] == "/app/dang-nhap/"


def test_logout_ends_the_session_and_marks_the_page_to_clear_saved_pages(sms: Gateway) -> None:
    client = Client()
    log_in(client, sms, PHONE)
    page = client.post("/app/dang-xuat/").content.decode()
    assert 'data-clear-cache="1"' in page
    assert client.get("/app/").status_code == 302


def test_a_wrong_code_on_the_login_page_says_how_many_tries_are_left(sms: Gateway) -> None:
    client = Client()
    client.post("/app/dang-nhap/", {"phone": PHONE})
    wrong = f"{(int(sms.last_code(PHONE)) + 1) % 10**6:06d}"
    response = client.post("/app/dang-nhap/ma/", {"code": wrong})
    assert response.status_code == 400 and "Còn 4 lần thử" in response.content.decode()


def test_the_login_page_answers_429_past_the_sending_limit(sms: Gateway) -> None:
    client = Client()
    for _ in range(3):
        client.post("/app/dang-nhap/", {"phone": PHONE})
    response = client.post("/app/dang-nhap/", {"phone": PHONE})
    assert response.status_code == 429 and len(sms.messages) == 3


def test_linking_through_the_pages_with_a_wrong_birth_date_is_refused(world: World, sms: Gateway) -> None:
    client = Client()
    log_in(client, sms, PHONE)
    response = client.post("/app/lien-ket/", {"method": "cccd", "cccd": "079068012345", "birth_date": "13/03/1968",
                                              "relation": "self"})
    assert response.status_code == 400 and "Không tìm thấy hồ sơ" in response.content.decode()
    response = client.post("/app/lien-ket/", {"method": "cccd", "cccd": "079068012345", "birth_date": "12/03/1968",
                                              "relation": "self"})
    assert "091****678" in response.content.decode()
    assert client.post("/app/lien-ket/ma/", {"code": sms.last_code(PHONE)}).status_code == 302
    assert "Nguyễn Văn Bình" in client.get("/app/").content.decode()


def test_pages_are_light_and_carry_no_inline_script_or_style(world: World, sms: Gateway) -> None:
    report = world.lab_report(world.binh_regional)
    _account, opened = linked_account(PHONE, world.binh_regional, world.binh_provincial)
    client = Client()
    log_in(client, sms, PHONE)
    base = f"/app/ho-so/{opened.profile.pk}/"
    for path in ["/app/", "/app/lien-ket/", base, f"{base}ket-qua/", f"{base}ket-qua/{report}/", f"{base}giay-to/",
                 f"{base}ai-da-xem/", f"{base}chia-se/"]:
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert len(response.content) < 150_000, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html, path
        assert 'lang="vi"' in html


def test_english_is_available(sms: Gateway) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/app/dang-nhap/"})
    assert "Phone number" in client.get("/app/dang-nhap/").content.decode()


def test_the_app_is_installable_with_a_manifest_and_a_service_worker_scoped_to_the_app(db: None) -> None:
    import json

    from django.contrib.staticfiles import finders

    manifest_path = finders.find("portal/manifest.json")
    assert manifest_path
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone" and manifest["icons"]
    worker = Client().get("/app/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    body = worker.content.decode()
    assert "caches.match" in body and ".pdf" in body
