"""On a phone: the patient shares a signed result by link, a doctor elsewhere opens it without an
account and downloads the signed PDF, the patient sees that use and revokes, and the link is refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.portal.conftest import PHONE, World
from tests.portal.helpers import linked_account
from tests.portal.sms_standin import Gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop beside the ORM, one thread
PHONE_SCREEN = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "vi-VN"}


@pytest.fixture
def ready(world: World) -> Iterator[tuple[World, int, str]]:
    from tests.conftest import clear_audit_trail

    _account, opened = linked_account(PHONE, world.binh_regional)
    report = world.lab_report(world.binh_regional, glucose="8,2")  # signed before the browser's loop runs
    world.lab_report(world.binh_regional, glucose="5,1")  # not shared
    yield world, opened.profile.pk, report
    clear_audit_trail()


def _context(browser: Any) -> Any:
    context = browser.new_context(**PHONE_SCREEN, accept_downloads=True)
    context.set_default_timeout(20000)
    return context


def test_a_patient_shares_a_result_by_link_a_doctor_opens_it_then_the_revoked_link_is_refused(
        ready: tuple[World, int, str], browser: Any, live_server: Any, sms: Gateway) -> None:
    _world, profile_id, report = ready
    patient_ctx, doctor_ctx = _context(browser), _context(browser)
    try:
        page = patient_ctx.new_page()
        page.goto(f"{live_server.url}/app/")
        page.fill("#phone", PHONE)
        page.get_by_role("button", name="Gửi mã").click()
        page.fill("#code", sms.last_code(PHONE))
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("link", name="Nguyễn Văn Bình").click()
        page.get_by_role("link", name="Gửi bác sĩ").click()
        page.locator(f"input[name=report][value='{report}']").check()
        page.locator("input[name=document]").first.check()
        page.select_option("#hours", "24")
        page.fill("#label", "BS Hùng, BV tỉnh")
        page.get_by_role("button", name="Tạo liên kết").click()
        expect(page.locator("img[alt='Mã QR của liên kết']")).to_be_visible()
        url = page.input_value("[data-testid=share-url]")
        assert "/xem/" in url and page.evaluate("document.documentElement.scrollWidth") <= 390

        doctor = doctor_ctx.new_page()
        doctor.goto(url)
        main = doctor.inner_text("main")
        assert "Nguyễn Văn Bình" in main and "8,2" in main and "5,1" not in main
        with doctor.expect_download() as info:
            doctor.get_by_role("link", name="Tải PDF").click()
        with open(info.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"

        page.get_by_role("link", name="Xong").click()
        (row,) = page.locator("[data-testid=share-link]").all()
        row.locator("summary").click()
        expect(row).to_contain_text("mở xem")
        expect(row).to_contain_text("tải giấy tờ")
        row.get_by_role("button", name="Thu hồi").click()
        expect(page.locator("[data-testid=share-link]")).to_contain_text("đã thu hồi")

        doctor.goto(url)
        expect(doctor.locator("main")).to_contain_text("Người bệnh đã thu hồi liên kết này.")
        expect(doctor.locator("main")).not_to_contain_text("8,2")
    finally:
        patient_ctx.close()
        doctor_ctx.close()
