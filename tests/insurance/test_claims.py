"""A claim built from a real visit made with the clinical workflows, checked, signed, sent and tracked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from benhan.accounts.models import Facility
from benhan.documents.pki.trust import trust_roots
from benhan.insurance import claims, envelope
from benhan.insurance.models import Claim
from benhan.insurance.portal import BhxhPortalClient, PortalError
from benhan.insurance.spec import tables
from benhan.insurance.standin import PortalStandIn, PortalState
from tests.insurance.conftest import CARD
from tests.insurance.conftest import leaf_certificate as _leaf


def test_a_finished_visit_lacking_insurance_facts_is_incomplete_with_the_list_of_what_is_missing(claim_ready) -> None:
    repo, encounter_id = claim_ready
    claim = claims.generate(repo, encounter_id)
    assert claim.status == Claim.Status.INCOMPLETE
    assert "Thiếu: kết quả điều trị (KET_QUA_DTRI)" in claim.problems
    assert any("MA_DOITUONG_KCB" in p for p in claim.problems)
    assert claim.tables["XML1"][0]["KET_QUA_DTRI"] == ""  # never invented


def test_a_complete_visit_gives_tables_that_follow_the_field_lists_and_add_up(claim_ready) -> None:
    repo, encounter_id = claim_ready
    claims.record_claim_facts(repo, encounter_id, result="2", category="1.1")
    claim = claims.generate(repo, encounter_id)
    assert claim.status == Claim.Status.READY, claim.problems
    specs = tables()
    for name, rows in claim.tables.items():
        for row in rows:
            assert set(row) <= set(specs[name].fields)
            assert all(isinstance(v, str) for v in row.values())
    xml1 = claim.tables["XML1"][0]
    assert xml1["MA_THE_BHYT"] == CARD and xml1["MA_BENH_CHINH"] == "I10" and xml1["MA_BENH_KT"] == "E11"
    assert xml1["MA_LOAI_KCB"] == "01" and xml1["MA_KHOA"] == "K01" and len(xml1["NGAY_VAO"]) == 12
    drug = claim.tables["XML2"][0]
    assert (drug["MA_THUOC"], drug["SO_LUONG"], drug["THANH_TIEN_BV"], drug["T_BHTT"]) == ("AMLO5", "30", "37500", "30000")
    services = {r["MA_DICH_VU"]: r for r in claim.tables["XML3"]}
    assert services["02.1896"]["MA_NHOM"] == "13"
    lab = services["XN-SHM"]  # hospital price 120,000; insured price 100,000 at 80 %: fund 80,000
    assert (lab["THANH_TIEN_BV"], lab["THANH_TIEN_BH"], lab["T_BHTT"], lab["T_BNTT"]) == ("120000", "100000", "80000", "20000")
    assert {r["MA_CHI_SO"] for r in claim.tables["XML4"]} == {"GLU", "CRE"}
    total = Decimal(37500) + Decimal(38700) + Decimal(120000)
    assert Decimal(xml1["T_TONGCHI_BV"]) == total == claim.total_cost
    assert xml1["MA_BAC_SI" if "MA_BAC_SI" in xml1 else "MA_TTDV"] == "000001/HCM-CCHN"
    assert drug["MA_BAC_SI"] == "000123/HCM-CCHN"


def test_ready_claims_are_signed_sent_and_tracked_and_a_refusal_can_be_resent(claim_ready, signing_doctor) -> None:
    repo, encounter_id = claim_ready
    claims.record_claim_facts(repo, encounter_id, result="1", category="1.1")
    claim = claims.generate(repo, encounter_id)
    site = Facility.objects.get(code="79001")
    today = dt.date.today()
    batch = claims.export_batch(site, today - dt.timedelta(days=1), today + dt.timedelta(days=1), signing_doctor)
    opened = envelope.open_envelope(batch.envelope, trusted=[c for c in trust_roots()] + [
        _leaf(signing_doctor)])
    assert opened.dossiers[0].tables["XML1"][0]["MA_LK"] == claim.ma_lk
    with PortalStandIn(PortalState("79001_bhyt", "pw", [_leaf(signing_doctor)], fail_next=0)) as portal:
        wrong = BhxhPortalClient(portal.url, "79001_bhyt", "sai", backoff_seconds=0.01)
        with pytest.raises(PortalError, match="đăng nhập"):
            claims.submit(batch, site, wrong)
        claim.refresh_from_db()
        assert claim.status == Claim.Status.REJECTED and claim.attempts == 1
        batch = claims.export_batch(site, today - dt.timedelta(days=1), today + dt.timedelta(days=1), signing_doctor)
        claims.submit(batch, site, BhxhPortalClient(portal.url, "79001_bhyt", "pw"))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.ACCEPTED and claim.transaction_id == "GD00000001" and claim.attempts == 2
    with pytest.raises(claims.ClaimError):
        claims.generate(repo, encounter_id)  # an accepted claim is not regenerated


def test_the_bhyt_command_generates_exports_and_submits_a_month(claim_ready, signing_doctor, tmp_path, monkeypatch) -> None:
    from io import StringIO

    from django.core.management import call_command

    repo, encounter_id = claim_ready
    claims.record_claim_facts(repo, encounter_id, result="1", category="1.1")
    out = StringIO()
    call_command("bhyt", "generate", "--facility", "79001", stdout=out)
    assert "Sẵn sàng gửi: 1" in out.getvalue()
    file = tmp_path / "hoso.xml"
    month = dt.date.today().strftime("%m/%Y")
    call_command("bhyt", "export", "--facility", "79001", "--month", month, "--signer", signing_doctor.username,
                 "--out", str(file), stdout=out)
    with PortalStandIn(PortalState("u", "pw", [_leaf(signing_doctor)])) as portal:
        monkeypatch.setenv("BENHAN_BHXH_PASSWORD", "pw")
        call_command("bhyt", "submit", str(file), "--facility", "79001", "--portal-url", portal.url,
                     "--username", "u", stdout=out)
    assert "mã giao dịch GD00000001" in out.getvalue()
    assert Claim.objects.get().status == Claim.Status.ACCEPTED
