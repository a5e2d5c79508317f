"""The provincial dashboard in the browser: a facility admin fills the self-assessment at the node, the
report travels to the hub through the exchange, and the health authority's page shows the figures
the database holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import clear_audit_trail
from tests.province.conftest import CENTER, HOSPITAL, HUB, OTHER_PROVINCE, build_cloud, deliver

from .conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cloud(transactional_db: None, settings: Any, tmp_path: Any) -> dict[str, Any]:
    return build_cloud(settings, tmp_path)


@pytest.fixture
def people(cloud: dict[str, Any]) -> Iterator[dict[str, Any]]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from benhan.accounts.models import User

    admin = User.objects.create_user("qt.an", password=PASSWORD, facility=cloud[CENTER], role=User.Role.FACILITY_ADMIN)
    officer = User.objects.create_user("syt.binh", password=PASSWORD, role=User.Role.PROVINCE)
    yield {"admin": {"doctor": admin, "device": TOTPDevice.objects.create(user=admin, name="benhan", confirmed=True)},
           "officer": {"doctor": officer, "device": TOTPDevice.objects.create(user=officer, name="benhan", confirmed=True)}}
    clear_audit_trail()


def test_the_self_assessment_reaches_the_hub_and_the_dashboard_matches_the_database(
        page: Any, live_server: Any, people: dict[str, Any]) -> None:
    from django.db import transaction
    from django.utils import timezone

    from benhan.accounts.models import Facility
    from benhan.insurance.models import Claim
    from benhan.province import reporting
    from benhan.province.criteria import CRITERIA
    from benhan.province.models import FacilityReport
    from benhan.reports.figures import month_of

    base = live_server.url
    log_in(page, base, people["admin"])
    page.goto(f"{base}/province/tu-danh-gia/")
    for criterion in CRITERIA:
        if criterion.required:
            page.check(f"#c-{criterion.code}")
    page.get_by_role("button", name="Lưu và gửi báo cáo").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "live")
    expect(page.locator(".messages")).to_contain_text("gửi báo cáo lên Sở Y tế")
    with transaction.atomic():  # the second facility's periodic report (the job's work, run here directly)
        reporting.report(Facility.objects.get(code=HOSPITAL))
    deliver()
    assert set(FacilityReport.objects.values_list("facility", flat=True)) == {CENTER, HOSPITAL}

    page.context.clear_cookies()
    log_in(page, base, people["officer"])
    page.goto(f"{base}/province/")
    live = FacilityReport.objects.filter(status="live").count()
    assert page.locator("[data-live]").inner_text() == str(live) == "1"
    assert page.locator("[data-count]").inner_text() == "3"  # the third facility has not reported yet
    hcm = page.locator('table[data-figure="provinces"] tr[data-province="79"]')
    assert hcm.locator('[data-col="facilities"]').inner_text() == "2"
    assert hcm.locator('[data-col="live"]').inner_text() == "1"
    assert page.locator(f'table[data-figure="facilities"] tr[data-facility="{OTHER_PROVINCE}"]').inner_text().count("Chưa báo cáo") == 1
    assert page.locator(f'table[data-figure="facilities"] tr[data-facility="{HUB}"]').count() == 0

    month = month_of(timezone.now())
    reported = Claim.objects.filter(facility__in=[CENTER, HOSPITAL], period_end__gte=month.start(),
                                    period_end__lt=month.next().start()).count()
    row = page.locator(f'table[data-figure="claims"] tbody tr:has(th:text-is("{month.label}"))')
    assert row.locator("td").first.inner_text() == str(reported) == "3"
    assert (page.locator("#live svg title").first.text_content() or "").startswith("Cơ sở đã triển khai")

    page.select_option("#tinh", "01")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("[data-count]")).to_have_text("1")
    expect(page.locator("[data-live]")).to_have_text("0")
    with page.expect_download() as download:
        page.locator('#facilities a:text-is("CSV")').click()
    assert "Bệnh viện Đa khoa Hà Nội" in download.value.path().read_text(encoding="utf-8-sig")
