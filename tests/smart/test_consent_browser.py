"""The patient's side of an app launch in headless Chromium on a phone-sized screen: the app sends the
patient to benhan, who logs in by SMS code, picks whose record, reads the consent in Vietnamese,
agrees, and later revokes the app in the patient app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from playwright.sync_api import expect

from benhan.accounts.clients import create_patient_app
from tests.portal.helpers import linked_account
from tests.portal.sms_standin import Gateway

from .conftest import PHONE, REDIRECT, World, pkce, query

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def live_world(world: World, live_server: Any, settings: Any) -> Iterator[World]:
    from tests.conftest import clear_audit_trail

    settings.FHIR_BASE_URL = f"{live_server.url}/fhir"
    yield world
    clear_audit_trail()


@pytest.fixture
def phone_page(live_world: World, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def test_a_patient_authorizes_a_mini_app_on_the_phone_and_revokes_it_later(
        live_world: World, phone_page: Any, live_server: Any, sms: Gateway) -> None:
    world, page, base = live_world, phone_page, live_server.url
    linked_account(PHONE, world.binh_regional)
    linked_account(PHONE, world.cuc, relation="child", name="Nguyễn Thị Bé", birth="2018-01-02")
    app = create_patient_app("Mini app Bệnh viện tỉnh", "patient/*.rs launch/patient offline_access", [REDIRECT],
                             confidential=False)
    verifier, challenge = pkce()
    landed: list[str] = []

    def at_the_app(route: Any) -> None:  # the mini app's own page, which only needs to receive the code
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>ok</p>")

    page.route(f"{REDIRECT}**", at_the_app)
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT, "state": "s1",
              "scope": "launch/patient patient/*.rs offline_access", "aud": f"{base}/fhir",
              "code_challenge": challenge, "code_challenge_method": "S256"}
    page.goto(f"{base}/app/uy-quyen/?{urlencode(params)}")
    page.fill("#phone", PHONE)
    page.get_by_role("button", name="Gửi mã").click()
    page.fill("#code", sms.last_code(PHONE))
    page.get_by_role("button", name="Đăng nhập").click()

    main = page.locator("main")
    expect(main).to_contain_text("Ứng dụng «Mini app Bệnh viện tỉnh» xin đọc hồ sơ sức khoẻ")
    expect(main).to_contain_text("chỉ xem")
    expect(main).to_contain_text("giữ quyền cả khi bạn không mở")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Nguyễn Thị Bé").check()
    page.select_option("select[name=days]", "90")
    page.get_by_role("button", name="Đồng ý").click()
    page.wait_for_url(f"{REDIRECT}**")

    answer = query(landed[-1])
    token = requests.post(f"{base}/oauth2/token", data={
        "grant_type": "authorization_code", "code": answer["code"], "redirect_uri": REDIRECT,
        "code_verifier": verifier, "client_id": app.client_id}, timeout=10).json()
    assert token["patient"] == world.cuc and answer["state"] == "s1"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(f"{base}/fhir/Patient/{world.cuc}", headers=headers, timeout=10).status_code == 200

    page.goto(f"{base}/app/")
    page.get_by_role("link", name="Ứng dụng đã cấp quyền").click()
    expect(page.locator("main")).to_contain_text("Mini app Bệnh viện tỉnh")
    expect(page.locator("main")).to_contain_text("Nguyễn Thị Bé")
    page.get_by_role("button", name="Thu hồi").click()
    expect(page.locator("main")).to_contain_text("Bạn chưa cho ứng dụng nào đọc hồ sơ.")
    assert requests.get(f"{base}/fhir/Patient/{world.cuc}", headers=headers, timeout=10).status_code == 401
