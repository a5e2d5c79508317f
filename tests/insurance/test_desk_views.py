"""The insurance desk's pages over a real visit: what is missing, facts, signed download, sending, resending."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from benhan.accounts.models import Facility, User
from benhan.documents.pki.authority import issue_user_certificate
from benhan.fhir.repository import Repository
from benhan.insurance import desk, envelope
from benhan.insurance.models import Claim
from benhan.insurance.standin import PortalStandIn, PortalState
from tests.insurance.conftest import leaf_certificate


@pytest.fixture
def desk_user(claim_ready: tuple[Repository, str], facility: Facility) -> User:
    user = User.objects.create(username="bh.thu", facility=facility, role=User.Role.INSURANCE,
                               first_name="Thu", last_name="Lê Thị")
    issue_user_certificate(user)
    return user


@pytest.fixture
def web(desk_user: User) -> Client:
    client = Client()
    client.force_login(desk_user)
    return client


def _month() -> str:
    return dt.date.today().strftime("%m/%Y")


def test_the_month_lists_the_finished_visit_as_pending_until_a_claim_is_generated(web: Client, claim_ready: Any) -> None:
    _repo, encounter_id = claim_ready
    page = web.get("/ui/bhyt/")
    assert page.status_code == 200
    assert f'data-encounter="{encounter_id}"' in page.content.decode()
    response = web.post("/ui/bhyt/lap/", {"thang": _month(), "encounter": [encounter_id]}, follow=True)
    claim = Claim.objects.get(encounter_id=encounter_id)
    assert claim.status == Claim.Status.INCOMPLETE
    html = response.content.decode()
    assert f'data-encounter="{encounter_id}"' not in html and f'data-claim="{claim.ma_lk}"' in html


def test_a_claim_page_names_what_is_missing_and_the_recorded_facts_make_it_ready(web: Client, claim_ready: Any) -> None:
    repo, encounter_id = claim_ready
    web.post("/ui/bhyt/lap/", {"thang": _month()})
    claim = Claim.objects.get(encounter_id=encounter_id)
    html = web.get(f"/ui/bhyt/{claim.ma_lk}/").content.decode()
    assert "Thiếu: kết quả điều trị (KET_QUA_DTRI)" in html
    bad = web.post(f"/ui/bhyt/{claim.ma_lk}/thong-tin/", {"result": "1", "category": "một"}, follow=True)
    assert "mã đối tượng khám chữa bệnh không hợp lệ" in bad.content.decode()
    web.post(f"/ui/bhyt/{claim.ma_lk}/thong-tin/", {"result": "1", "category": "1.1"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY, claim.problems
    assert 'data-xml="XML1"' in web.get(f"/ui/bhyt/{claim.ma_lk}/").content.decode()


def test_the_signed_batch_downloads_and_its_signature_verifies(web: Client, claim_ready: Any, desk_user: User) -> None:
    repo, encounter_id = claim_ready
    from benhan.insurance import claims

    claims.record_claim_facts(repo, encounter_id, result="1", category="1.1")
    web.post("/ui/bhyt/lap/", {"thang": _month()})
    response = web.post("/ui/bhyt/xuat/", {"thang": _month()})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    opened = envelope.open_envelope(response.content, trusted=[leaf_certificate(desk_user)])
    assert opened.dossiers[0].tables["XML1"][0]["MA_LK"] == Claim.objects.get().ma_lk


def test_an_empty_month_is_refused_with_a_vietnamese_message_not_an_empty_file(web: Client) -> None:
    response = web.post("/ui/bhyt/xuat/", {"thang": "01/2020"}, follow=True)
    assert "không có hồ sơ nào sẵn sàng" in response.content.decode()


def test_sending_refused_by_the_portal_is_tracked_and_the_claim_can_be_resent(
        web: Client, claim_ready: Any, desk_user: User, settings: Any, monkeypatch: Any) -> None:
    repo, encounter_id = claim_ready
    from benhan.insurance import claims

    claims.record_claim_facts(repo, encounter_id, result="1", category="1.1")
    web.post("/ui/bhyt/lap/", {"thang": _month()})
    claim = Claim.objects.get()
    settings.BHXH_PORTAL_USERNAMES = {"79001": "79001_bhyt"}
    monkeypatch.setenv("BENHAN_BHXH_PASSWORD", "sai-mat-khau")
    with PortalStandIn(PortalState("79001_bhyt", "dung-mat-khau", [leaf_certificate(desk_user)])) as portal:
        settings.BHXH_PORTAL_URL = portal.url
        refused = web.post("/ui/bhyt/gui/", {"thang": _month()}, follow=True)
        assert "Cổng BHXH không nhận hồ sơ" in refused.content.decode()
        claim.refresh_from_db()
        assert claim.status == Claim.Status.REJECTED and claim.attempts == 1
        monkeypatch.setenv("BENHAN_BHXH_PASSWORD", "dung-mat-khau")
        page = web.post(f"/ui/bhyt/{claim.ma_lk}/gui-lai/", follow=True).content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ACCEPTED and claim.attempts == 2 and claim.transaction_id
    assert f"mã giao dịch {claim.transaction_id}" in page


def test_other_roles_and_other_facilities_claims_are_refused(claim_ready: Any, desk_user: User, doctor: User) -> None:
    repo, encounter_id = claim_ready
    from benhan.insurance import claims

    claim = claims.generate(repo, encounter_id)
    doctor_web = Client()
    doctor_web.force_login(doctor)
    assert doctor_web.get("/ui/bhyt/").status_code == 403
    other = Facility.objects.create(code="79002", name="Bệnh viện khác")
    stranger = User.objects.create(username="bh.khac", facility=other, role=User.Role.INSURANCE)
    stranger_web = Client()
    stranger_web.force_login(stranger)
    assert stranger_web.get(f"/ui/bhyt/{claim.ma_lk}/").status_code == 404
    assert desk.claims_in("79002", dt.date(2000, 1, 1), dt.date(2100, 1, 1)) == []
