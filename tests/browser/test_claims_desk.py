"""The insurance desk in the browser: generate, complete, download signed, send, be refused, resend.

Every figure on the page is checked against the claim table; the downloaded envelope's signature is
verified; the portal is the local stand-in that speaks the BHXH protocol and checks the signature.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD = "GD4797912345678"


@pytest.fixture
def desk(clinic: dict[str, Any], settings: Any) -> dict[str, Any]:
    """A finished, priced outpatient visit and an insurance clerk with a certificate (password + TOTP)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from benhan.accounts.actors import actor_for_user
    from benhan.accounts.models import User
    from benhan.clinical.workflows.prescriptions import Line, prescribe
    from benhan.clinical.workflows.visits import conclude_visit, set_diagnoses, start_outpatient_visit
    from benhan.documents.pki.authority import issue_user_certificate
    from benhan.facilities.models import Department
    from benhan.fhir.repository import Repository
    from benhan.vn.models import Drug, TechnicalService
    from tests.clinical.helpers import new_patient

    facility, doctor = clinic["facility"], clinic["doctor"]
    TechnicalService.objects.create(code="02.1896", name="Khám Nội", bhyt_group="13", unit="lần",
                                    price=Decimal(38700), bhyt_price=Decimal(38700))
    Drug.objects.filter(code="AMLO5").update(price=Decimal(1250), bhyt_group="4", bid_info="2025.G1.N4")
    Department.objects.filter(facility=facility).update(bhyt_code="K01")
    doctor.practitioner_id = "bs-lan"
    doctor.save()
    settings.BHYT_HEAD_OF_UNIT = {facility.code: "000001/HCM-CCHN"}
    repo = Repository(actor_for_user(doctor), facility.code)
    patient = new_patient(repo, address="Số 12 đường Lê Lợi, phường Bến Thành, TP Hồ Chí Minh", bhyt=CARD,
                          bhyt_valid_from="01/01/2026", bhyt_valid_to="31/12/2026")
    encounter_id = start_outpatient_visit(repo, patient["id"], "P101", "Phòng khám Nội 1", reason="Đau đầu").encounter["id"]
    set_diagnoses(repo, encounter_id, "I10", [])
    prescribe(repo, encounter_id, [Line(drug_code="AMLO5", dose="1", times_per_day="1", days="30", route="oral")])
    conclude_visit(repo, doctor, encounter_id, "home", "Tái khám sau 1 tháng")
    clerk = User.objects.create_user("bh.thu", password=PASSWORD, facility=facility, role=User.Role.INSURANCE,
                                     first_name="Thu", last_name="Lê Thị")
    issue_user_certificate(clerk)
    device = TOTPDevice.objects.create(user=clerk, name="benhan", confirmed=True)
    return {"doctor": clerk, "device": device, "facility": facility, "encounter_id": encounter_id}


def _count_on_page(page: Any, status: str) -> int:
    return int(page.locator(f'.tabs a[data-status="{status}"] [data-count]').inner_text())


def test_the_insurance_desk_takes_a_visit_from_finished_to_accepted_by_the_portal(
        page: Any, live_server: Any, desk: dict[str, Any], settings: Any, monkeypatch: Any, tmp_path: Path) -> None:
    from benhan.documents.pki.certs import load_pem_chain
    from benhan.documents.signing.credentials import active_credential
    from benhan.insurance import envelope
    from benhan.insurance.models import Claim
    from benhan.insurance.standin import PortalStandIn, PortalState

    base = live_server.url
    log_in(page, base, desk)
    page.locator(".mainnav").get_by_role("link", name="Hồ sơ BHYT").first.click()
    row = page.locator(f'[data-table="pending"] tr[data-encounter="{desk["encounter_id"]}"]')
    expect(row).to_contain_text("Nguyễn Văn Bình")
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(page.locator("[data-pending-count]")).to_have_text("0")

    claim = Claim.objects.get(encounter_id=desk["encounter_id"])
    assert claim.status == "incomplete"
    for status in Claim.Status.values:
        assert _count_on_page(page, status) == Claim.objects.filter(facility="79001", status=status).count()

    page.get_by_role("link", name=claim.ma_lk).click()
    problems = page.locator("[data-problems]")
    expect(problems).to_contain_text("Thiếu: kết quả điều trị (KET_QUA_DTRI)")
    expect(problems).to_contain_text("MA_DOITUONG_KCB")
    page.select_option("#result", "1")
    page.fill("#category", "1.1")
    page.get_by_role("button", name="Ghi và lập lại hồ sơ").click()
    expect(page.locator("dd[data-status]")).to_have_attribute("data-status", "ready")
    expect(page.locator("[data-problems-none]")).to_be_visible()

    page.get_by_role("link", name="Hồ sơ tháng").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải tệp XML đã ký").click()
    signed = tmp_path / "batch.xml"
    download.value.save_as(signed)
    clerk_cert = load_pem_chain(active_credential(desk["doctor"]).certificate_pem)[0]
    opened = envelope.open_envelope(signed.read_bytes(), trusted=[clerk_cert])
    assert [d.tables["XML1"][0]["MA_LK"] for d in opened.dossiers] == [claim.ma_lk]

    settings.BHXH_PORTAL_USERNAMES = {"79001": "79001_bhyt"}
    monkeypatch.setenv("BENHAN_BHXH_PASSWORD", "mat-khau-cu")
    with PortalStandIn(PortalState("79001_bhyt", "mat-khau-moi", [clerk_cert])) as portal:
        settings.BHXH_PORTAL_URL = portal.url
        page.reload()
        page.get_by_role("button", name="Ký và gửi cổng giám định BHXH").click()
        expect(page.locator(".messages")).to_contain_text("Cổng BHXH không nhận hồ sơ")
        expect(page.locator(f'tr[data-claim="{claim.ma_lk}"]')).to_have_attribute("data-status", "rejected")
        assert _count_on_page(page, "rejected") == Claim.objects.filter(status="rejected").count() == 1

        monkeypatch.setenv("BENHAN_BHXH_PASSWORD", "mat-khau-moi")
        page.get_by_role("link", name=claim.ma_lk).click()
        page.get_by_role("button", name="Ký và gửi lại hồ sơ này").click()
        expect(page.locator("dd[data-status]")).to_have_attribute("data-status", "accepted")
        assert len(portal.state.received) == 1
    claim.refresh_from_db()
    assert claim.status == "accepted" and claim.attempts == 2
    expect(page.locator("[data-transaction]")).to_have_text(claim.transaction_id)
    expect(page.locator("[data-attempts]")).to_have_text("2")
    expect(page.get_by_role("button", name="Lập lại từ bệnh án")).to_have_count(0)  # accepted claims are not regenerated
