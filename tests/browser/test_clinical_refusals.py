"""Bad input in the browser: the Vietnamese message is shown and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invalid_cccd_and_a_missing_diagnosis_are_refused_in_vietnamese(page: Any, live_server: Any,
                                                                          clinic: dict[str, Any]) -> None:
    from benhan.documents.models import SignedDocument
    from benhan.fhir.models import ResourceRow

    log_in(page, live_server.url, clinic)
    page.goto(f"{live_server.url}/ui/nguoi-benh/dang-ky/")
    page.fill("#name", "Trần Văn Nam")
    page.fill("#birth_date", "02/09/1985")
    page.select_option("#gender", "male")
    page.fill("#cccd", "07908501234")  # 11 digits
    page.get_by_role("button", name="Lưu hồ sơ").click()
    expect(page.locator("[data-testid=error]")).to_have_text("Số CCCD phải gồm đúng 12 chữ số.")
    assert page.input_value("#name") == "Trần Văn Nam"  # what was typed is kept
    assert not ResourceRow.objects.filter(resource_type="Patient").exists()

    page.fill("#cccd", "079085012345")
    page.get_by_role("button", name="Lưu hồ sơ").click()
    page.wait_for_url(re.compile(r".*/ui/luot-kham/[^/]+/$"))
    page.fill("#conclusion-text", "Về nhà")
    page.get_by_role("button", name="Ký số phiếu khám và kết thúc").click()
    error = page.locator("#conclusion [data-testid=error]")
    expect(error).to_have_text("Chưa nhập chẩn đoán chính: không thể kết thúc lượt khám.")
    expect(page.locator("[data-testid=encounter-status]")).to_have_text("Chờ khám")
    assert not SignedDocument.objects.exists()
    assert not ResourceRow.objects.filter(resource_type="Condition").exists()
