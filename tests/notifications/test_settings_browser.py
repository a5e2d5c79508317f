"""On a phone: the patient chooses how to be told (the preference page), and the app's service worker
shows a pushed notice and opens its link."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from benhan.notifications.models import Contact, Preference
from tests.portal.conftest import PHONE, World
from tests.portal.helpers import linked_account
from tests.portal.sms_standin import Gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def phone_page(world: World, browser: Any, live_server: Any) -> Iterator[Any]:
    from tests.conftest import clear_audit_trail

    linked_account(PHONE, world.binh_regional)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN")
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.set_default_timeout(20000)
    yield context.new_page()
    context.close()
    clear_audit_trail()


def test_the_patient_picks_zalo_and_email_on_the_preference_page_and_a_pushed_notice_is_shown(
        phone_page: Any, live_server: Any, sms: Gateway) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/app/")
    page.fill("#phone", PHONE)
    page.get_by_role("button", name="Gửi mã").click()
    page.fill("#code", sms.last_code(PHONE))
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Thông báo").click()

    profile = page.locator("[data-testid=profile-channels]")
    expect(profile.get_by_label("Tin nhắn SMS")).to_be_checked()  # the holder's default
    profile.get_by_label("Tin nhắn SMS").uncheck()
    profile.get_by_label("Zalo").check()
    profile.get_by_label("Thư điện tử").check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("main")).to_contain_text("Nhập địa chỉ thư điện tử")  # e-mail chosen without an address
    page.fill("#email", "binh@example.vn")
    page.locator("[data-testid=profile-channels]").get_by_label("Tin nhắn SMS").uncheck()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator("main")).to_contain_text("Đã lưu lựa chọn.")
    expect(page.locator("[data-testid=profile-channels]").get_by_label("Zalo")).to_be_checked()
    assert sorted(Preference.objects.get().channels) == ["email", "zns"]
    assert Contact.objects.get().email == "binh@example.vn"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # This phone's web push: the button is offered, and the service worker shows what a push carries.
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.get_by_role("button", name="Bật thông báo trên điện thoại này")).to_be_visible()
    cdp = page.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(100):  # the registration event arrives shortly after enabling the domain
        if registrations:
            break
        page.wait_for_timeout(50)
    payload = {"title": "Sổ sức khoẻ", "body": "Bạn có kết quả mới trong Sổ sức khoẻ.", "url": "/app/"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url, "registrationId": registrations[0],
                                                 "data": json.dumps(payload)})
    bodies: list[str] = []
    for _ in range(200):  # the push event is handled in the worker: poll what it has shown
        bodies = page.evaluate("navigator.serviceWorker.ready.then(r => r.getNotifications()).then(n => n.map(x => x.body))")
        if bodies:
            break
        page.wait_for_timeout(50)
    assert bodies == ["Bạn có kết quả mới trong Sổ sức khoẻ."]
