"""The facility dashboard in the browser: the figure on the page is the count in the database."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import clear_audit_trail

from .conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_with_claims(transactional_db: None) -> Iterator[dict[str, Any]]:
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from benhan.accounts.models import Facility, User
    from benhan.insurance.models import Claim

    facility = Facility.objects.create(code="79001", name="Trung tâm Y tế khu vực Thủ Đức")
    other = Facility.objects.create(code="79002", name="Bệnh viện Đa khoa tỉnh")
    admin = User.objects.create_user("qt.an", password=PASSWORD, facility=facility, role=User.Role.FACILITY_ADMIN,
                                     first_name="An", last_name="Nguyễn Văn")
    device = TOTPDevice.objects.create(user=admin, name="benhan", confirmed=True)
    for n, (owner, status) in enumerate([(facility, "accepted"), (facility, "accepted"), (facility, "rejected"),
                                         (other, "accepted")]):
        Claim.objects.create(ma_lk=f"LK{n}", facility=owner.code, encounter_id=f"e{n}", patient_id="p",
                             period_end=timezone.now(), status=status, version="130", total_cost=Decimal(200_000))
    yield {"doctor": admin, "device": device, "facility": facility}
    clear_audit_trail()


def test_the_dashboard_shows_this_months_claims_as_counted_in_the_database(page: Any, live_server: Any,
                                                                           admin_with_claims: dict[str, Any]) -> None:
    from django.utils import timezone

    from benhan.insurance.models import Claim
    from benhan.reports.figures import month_of

    log_in(page, live_server.url, admin_with_claims)
    page.goto(f"{live_server.url}/reports/")
    month = month_of(timezone.now())
    in_database = Claim.objects.filter(facility="79001", period_end__gte=month.start(),
                                       period_end__lt=month.next().start()).count()
    row = page.locator(f'table[data-figure="claims"] tbody tr:has(th:text-is("{month.label}"))')
    assert row.locator("td").first.inner_text() == str(in_database)
    assert (page.locator("#claims svg title").first.text_content() or "").startswith("Hồ sơ thanh toán BHYT")
    assert page.locator('table[data-figure="questions"]').count() == 1  # benhan.questions' figure, no longer "no data"
