"""A doctor opens a patient's records held at another facility of the same server, in the browser:
refused without consent, an override without a reason refused in Vietnamese, then consent recorded
and the other facility's items shown with where they came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HUB, HOSPITAL = "79000", "79002"


def test_a_doctor_records_consent_and_opens_the_records_another_facility_holds(
        page: Any, live_server: Any, clinic: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    from benhan.accounts.models import Facility
    from benhan.exchange import directory, outbox
    from benhan.fhir.access import Actor, parse_scopes
    from benhan.fhir.repository import Repository
    from tests.clinical.helpers import new_patient

    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    settings.BENHAN_EXCHANGE_HUB = HUB
    for code, name in ((HUB, "Sở Y tế (hub)"), (HOSPITAL, "Bệnh viện Đa khoa tỉnh")):
        Facility.objects.create(code=code, name=name)
    for facility in Facility.objects.all():
        directory.register_hosted(facility.code, facility.name)
    def at(code: str) -> Repository:
        return Repository(Actor("system", "test", "test", parse_scopes(["system/*.*"]), frozenset({code})), code)

    here = new_patient(at("79001"), name="Đỗ Văn Hải", cccd="079068012345",
                       birth="02/05/1968")
    hospital = at(HOSPITAL)
    there = new_patient(hospital, name="Đỗ Văn Hải", cccd="079068012345", birth="02/05/1968")
    with hospital.atomic():
        hospital.create({"resourceType": "AllergyIntolerance", "patient": {"reference": f"Patient/{there['id']}"},
                         "code": {"text": "Penicillin"}, "clinicalStatus": {"coding": [{
                             "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                             "code": "active"}]}})
    while outbox.deliver_due().delivered:
        pass

    log_in(page, live_server.url, clinic)
    page.goto(f"{live_server.url}/ui/nguoi-benh/{here['id']}/")
    page.get_by_role("link", name="Hồ sơ tại cơ sở khác (đồng ý chia sẻ, mở khẩn cấp)").click()
    expect(page.locator("[data-testid=consent]")).to_contain_text("chưa đồng ý")

    page.get_by_role("button", name="Mở khẩn cấp").click()
    expect(page.locator("[data-testid=error]")).to_have_text("Mở hồ sơ khẩn cấp cần ghi lý do.")

    page.get_by_role("button", name="Ghi nhận người bệnh đồng ý").click()
    expect(page.locator("[data-testid=consent]")).to_contain_text("đã đồng ý")
    page.get_by_role("button", name="Xem hồ sơ tại cơ sở khác").click()
    source = page.locator("[data-testid=source]")
    expect(source).to_contain_text("Bệnh viện Đa khoa tỉnh (79002)")
    allergy = page.locator("[data-testid=item]", has_text="Dị ứng: Penicillin")
    expect(allergy).to_contain_text("Bệnh viện Đa khoa tỉnh")
