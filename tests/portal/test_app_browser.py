"""The patient's journey on a phone-sized screen in headless Chromium: OTP login, linking, a signed
result (readable again offline), the signed PDF."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, World
from .sms_standin import Gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop beside the ORM, one thread


@pytest.fixture
def signed_report(live_world: World) -> str:
    # Signing runs pyhanko through asyncio.run, which cannot start beside Playwright's running loop:
    # the clinical data is made before the browser starts.
    return live_world.lab_report(live_world.binh_regional, glucose="8,2")


@pytest.fixture
def phone_page(signed_report: str, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN", accept_downloads=True)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


@pytest.fixture
def live_world(world: World) -> Iterator[World]:
    from tests.conftest import clear_audit_trail

    yield world
    clear_audit_trail()


def test_a_patient_logs_in_by_sms_code_links_records_reads_a_signed_result_offline_too_and_downloads_the_pdf(
        signed_report: str, phone_page: Any, live_server: Any, sms: Gateway) -> None:
    page, base, report = phone_page, live_server.url, signed_report

    page.goto(f"{base}/app/")
    page.fill("#phone", "0912 345 678")
    page.get_by_role("button", name="Gửi mã").click()
    page.fill("#code", sms.last_code(PHONE))
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Liên kết hồ sơ").click()

    page.fill("#cccd", "079068012345")
    page.fill("#birth_date", "12/03/1968")
    page.get_by_role("button", name="Gửi mã tới số điện thoại trong hồ sơ").click()
    expect(page.locator("main")).to_contain_text("091****678")
    page.fill("#code", sms.last_code(PHONE))
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("link", name="Nguyễn Văn Bình").click()
    expect(page.locator("main")).to_contain_text("Bệnh viện Đa khoa tỉnh")  # the provincial visit, from the other record

    page.get_by_role("link", name="Kết quả").click()
    page.locator(f"a[href$='/ket-qua/{report}/']").click()
    glucose = page.locator("[data-testid=result-line]", has_text="Glucose")
    expect(glucose).to_contain_text("8,2 mmol/L")
    expect(glucose).to_contain_text("Cao hơn bình thường")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    result_url = page.url
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # now through the service worker, which keeps a copy

    page.context.set_offline(True)  # a weak network: the page already opened still reads
    page.goto(result_url)
    expect(page.locator("main")).to_contain_text("Cao hơn bình thường")
    page.context.set_offline(False)

    page.get_by_role("link", name="Giấy tờ").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải PDF").click()
    with open(info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
