"""The patient's phone and the staff's screen in headless Chromium: book a slot and get checked in, then see
the queue number; ask a question, staff answer, the patient reads it; send feedback, staff close it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.booking.app_support import AN_PHONE, PASSWORD, AppWorld, build_world, mid_morning  # noqa: F401
from tests.conftest import clear_audit_trail
from tests.portal.sms_standin import API_KEY, Gateway, running

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE_BUDGET = 150 * 1024


@pytest.fixture
def sms(settings: Any) -> Iterator[Gateway]:
    with running() as gateway:
        settings.PORTAL_SMS_URL = gateway.url
        settings.PORTAL_SMS_API_KEY = API_KEY
        yield gateway


@pytest.fixture
def live_world(transactional_db: None) -> Iterator[AppWorld]:
    yield build_world()
    clear_audit_trail()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN")
    context.set_default_timeout(20000)
    yield context.new_page()
    context.close()


@pytest.fixture
def staff_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    context.set_default_timeout(20000)
    yield context.new_page()
    context.close()


def _patient_login(page: Any, base: str, sms: Gateway) -> None:
    page.goto(f"{base}/app/")
    page.fill("#phone", AN_PHONE)
    page.get_by_role("button", name="Gửi mã").click()
    page.fill("#code", sms.last_code(AN_PHONE))
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Nguyễn Văn An").click()


def _staff_login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/ui/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:1000]


def _light_and_fits(page: Any, url: str) -> None:
    """Everything the page loaded (HTML, CSS, JS) within the budget, and no sideways scrolling on a phone.

    Measured once the page at `url` (a pattern) has loaded: right after a click the browser may
    still show the old page, or the new one before its entries are counted (weight 0)."""
    expect(page).to_have_url(re.compile(url))
    page.wait_for_function("() => (performance.getEntriesByType('navigation')[0] || {}).loadEventEnd > 0")
    weight = page.evaluate("performance.getEntries().reduce((a, e) => a + (e.encodedBodySize || 0), 0)")
    assert 0 < weight < PAGE_BUDGET, weight
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.usefixtures("mid_morning")  # first, so the world is built on the moved clock
def test_a_patient_books_a_slot_reception_checks_them_in_and_the_phone_shows_the_queue_number(
        live_world: AppWorld, phone_page: Any, staff_page: Any, live_server: Any, sms: Gateway) -> None:
    page, base = phone_page, live_server.url
    _patient_login(page, base, sms)
    page.get_by_role("link", name="Lịch hẹn").click()
    page.get_by_role("link", name="Đặt lịch khám").click()
    page.get_by_role("link", name="Bệnh viện Đa khoa Hoài Đức").click()
    page.get_by_role("link", name="Khoa Khám bệnh").click()
    page.get_by_role("link", name="Trần Thị Lan").click()
    _light_and_fits(page, r"/lich-hen/dat/\?.*bac-si=")
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Xác nhận đặt lịch").click()
    expect(page.locator("[data-testid=status]")).to_have_text("Đã đặt")
    detail_url = page.url

    _staff_login(staff_page, base, "td.hoa")
    staff_page.goto(f"{base}/ui/lich-hen/")
    row = staff_page.locator("tr", has_text="Nguyễn Văn An")
    row.get_by_role("button", name="Tiếp đón").click()
    expect(staff_page.locator("main")).to_contain_text("Đã tiếp đón: số thứ tự 1")

    page.goto(detail_url)
    expect(page.locator("[data-testid=queue-number]")).to_have_text("1")
    expect(page.locator("[data-testid=room]")).to_have_text("Phòng khám Nội 1")
    _light_and_fits(page, re.escape(detail_url))

    staff_page.goto(f"{base}/ui/lich-hen/man-hinh-cho/")
    expect(staff_page.locator("[data-room=P101] [data-testid=waiting]")).to_contain_text("1")


def test_a_patient_asks_a_question_staff_answer_in_the_queue_and_the_patient_reads_the_answer(
        live_world: AppWorld, phone_page: Any, staff_page: Any, live_server: Any, sms: Gateway) -> None:
    page, base = phone_page, live_server.url
    _patient_login(page, base, sms)
    page.get_by_role("link", name="Hỏi bác sĩ").click()
    _light_and_fits(page, r"/hoi-bac-si/$")
    page.fill("#subject", "Ho kéo dài")
    page.fill("#text", "Con tôi ho về đêm đã hai tuần.")
    page.get_by_role("button", name="Gửi câu hỏi").click()
    expect(page.locator("main")).to_contain_text("Con tôi ho về đêm đã hai tuần.")
    thread_url = page.url

    _staff_login(staff_page, base, "dd.mai")
    staff_page.goto(f"{base}/ui/hoi-dap/")
    staff_page.get_by_role("link", name="Ho kéo dài").click()
    staff_page.fill("#answer", "Hãy đưa cháu đến khám để nghe phổi.")
    staff_page.get_by_role("button", name="Gửi trả lời").click()
    expect(staff_page.locator("main")).to_contain_text("Đã gửi câu trả lời.")

    page.goto(thread_url)
    expect(page.locator("[data-testid=answer]")).to_contain_text("Hãy đưa cháu đến khám để nghe phổi.")
    _light_and_fits(page, re.escape(thread_url))


def test_a_patient_sends_feedback_and_staff_respond_and_close_it(
        live_world: AppWorld, phone_page: Any, staff_page: Any, live_server: Any, sms: Gateway) -> None:
    page, base = phone_page, live_server.url
    _patient_login(page, base, sms)
    page.goto(f"{base}/app/")
    page.get_by_role("link", name="Góp ý").click()
    _light_and_fits(page, r"/app/gop-y/")
    page.select_option("#category", "waiting")
    page.locator("input[name=rating][value='2']").check()
    page.fill("#text", "Phải chờ hai tiếng mới đến lượt.")
    page.get_by_role("button", name="Gửi góp ý").click()
    expect(page.locator("[data-testid=thanks]")).to_be_visible()

    _staff_login(staff_page, base, "dd.mai")
    staff_page.goto(f"{base}/ui/gop-y/")
    staff_page.locator("[data-testid=feedback-row]", has_text="Phải chờ hai tiếng").get_by_role("link").click()
    staff_page.fill("#response", "Chúng tôi đã mở thêm bàn khám buổi sáng.")
    staff_page.get_by_role("button", name="Gửi phản hồi").click()
    expect(staff_page.locator("main p", has_text="Chúng tôi đã mở thêm bàn khám buổi sáng.")).to_be_visible()
    staff_page.get_by_role("button", name="Đóng góp ý").click()
    expect(staff_page.locator("main")).to_contain_text("Đã đóng góp ý.")

    page.goto(f"{base}/app/gop-y/")
    sent = page.inner_text("[data-testid=sent-feedback]")
    assert "Đã đóng" in sent and "Chúng tôi đã mở thêm bàn khám buổi sáng." in sent
