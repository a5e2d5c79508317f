"""Cross-facility record view on one server hosting the hub and two facilities (a provincial cloud):
consent, the emergency override with its reason, the audit the patient sees, and revocation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import Facility, User
from benhan.exchange import consent, directory, outbox, record_view
from benhan.exchange.calls import CallRefused, ask
from benhan.exchange.record_view import EMERGENCY, RecordViewError
from benhan.fhir.access import Actor
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository
from benhan.portal.access import actor_for, open_profile
from benhan.portal.linking import join
from benhan.portal.models import Account
from benhan.portal.records import who_opened
from tests.clinical.helpers import new_patient
from tests.portal.helpers import log_in
from tests.portal.sms_standin import API_KEY, Gateway, running

HUB, CENTER, HOSPITAL = "01000", "01002", "01001"
CCCD = "001068012345"


@pytest.fixture
def province(db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    settings.BENHAN_EXCHANGE_HUB = HUB
    users = {}
    for code, name in ((HUB, "Sở Y tế (hub)"), (CENTER, "TTYT khu vực Sóc Sơn"), (HOSPITAL, "Bệnh viện Đa khoa tỉnh")):
        facility = Facility.objects.create(code=code, name=name)
        directory.register_hosted(code, name)
        users[code] = User.objects.create(username=f"bs.{code}", facility=facility, role=User.Role.DOCTOR,
                                          first_name="An", last_name="Trần Văn", licence_number=f"{code}/CCHN")
    center = Repository(actor_for_user(users[CENTER]), CENTER)
    hospital = Repository(actor_for_user(users[HOSPITAL]), HOSPITAL)
    at_center = new_patient(center, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    at_hospital = new_patient(hospital, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    with hospital.atomic():
        hospital.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{at_hospital['id']}"},
                         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I21.9"}],
                                  "text": "Nhồi máu cơ tim cấp"},
                         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                        "code": "active"}]}})
    while outbox.deliver_due().delivered:  # the patient index at the hub learns both records
        pass
    return {"users": users, "center": center, "center_patient": at_center["id"], "hospital_patient": at_hospital["id"]}


def _as(province: dict[str, Any], *, purpose: str = "TREAT", reason: str = "") -> Repository:
    return Repository(actor_for_user(province["users"][CENTER]), CENTER, purpose=purpose, reason=reason)


def _open(province: dict[str, Any], **how: str) -> record_view.SharedView:
    return record_view.open_other_records(_as(province, **how), province["center_patient"])


def _hospital_audit(province: dict[str, Any], **filters: Any) -> Any:
    return AuditRow.objects.filter(facility=HOSPITAL, actor_kind="node", patient_id=province["hospital_patient"], **filters)


def test_without_consent_the_holding_facility_refuses_and_audits_the_refusal(province: dict[str, Any]) -> None:
    (source,) = _open(province).sources
    assert (source.facility, source.status, source.resources) == (HOSPITAL, "refused", [])
    assert "chưa đồng ý" in source.detail
    assert _hospital_audit(province, outcome="4", interaction="open-shared").count() == 1
    assert not _hospital_audit(province, outcome="0").exists()


def test_with_consent_given_at_registration_the_records_are_shown_with_their_source(province: dict[str, Any]) -> None:
    consent.record(province["center"], province["center_patient"], permit=True, performer="Đỗ Văn Hải")
    view = _open(province)
    (source,) = view.sources
    assert (source.status, source.name, source.patient_id) == ("shown", "Bệnh viện Đa khoa tỉnh", province["hospital_patient"])
    kinds = {r["resourceType"] for _s, r in view.items}
    assert {"Patient", "Condition"} <= kinds
    assert {r["meta"]["source"] for _s, r in view.items} == {f"https://benhan.vn/fhir/facility/{HOSPITAL}"}
    # The hospital audited each read as the center's doctor, under the hospital's own record of the patient.
    reads = _hospital_audit(province, outcome="0")
    assert reads.filter(resource_type="Patient", interaction="read").count() == 1
    assert all("Trần Văn An" in r.actor_display and "Sóc Sơn" in r.actor_display for r in reads)


def test_an_emergency_override_without_a_reason_is_refused_before_anything_is_asked(province: dict[str, Any]) -> None:
    with pytest.raises(RecordViewError, match="lý do"):
        _open(province, purpose=EMERGENCY, reason="  ")
    assert AuditRow.objects.filter(facility=CENTER, interaction="open-shared", outcome="4").count() == 1
    assert not _hospital_audit(province).exists()


def test_the_holding_facility_itself_refuses_an_override_without_a_reason(province: dict[str, Any]) -> None:
    _where, proof = record_view.locate(CENTER, province["center_patient"])
    with pytest.raises(CallRefused, match="lý do"):
        ask(CENTER, HOSPITAL, "records.fetch", {"patient_id": province["hospital_patient"], "purpose": EMERGENCY,
                                                "reason": "", "asker_patient_id": province["center_patient"],
                                                "index_answer": proof})


def test_the_holding_facility_answers_only_for_a_record_the_hubs_index_links_to_the_askers(
        province: dict[str, Any]) -> None:
    consent.record(province["center"], province["center_patient"], permit=True)
    stranger = new_patient(Repository(Actor.system("test"), HOSPITAL), name="Lê Văn Mận", cccd="001070099999",
                           birth="01/01/1970")
    while outbox.deliver_due().delivered:
        pass
    _where, proof = record_view.locate(CENTER, province["center_patient"])
    question = {"purpose": "TREAT", "reason": "", "asker_patient_id": province["center_patient"],
                "consent": consent.sharing_consents(province["center"], province["center_patient"])[0]}
    with pytest.raises(CallRefused, match="không liên kết"):  # the center's consent, someone else's record
        ask(CENTER, HOSPITAL, "records.fetch", {**question, "patient_id": stranger["id"], "index_answer": proof})
    with pytest.raises(CallRefused, match="does not verify"):  # no proof from the hub at all
        ask(CENTER, HOSPITAL, "records.fetch", {**question, "patient_id": province["hospital_patient"],
                                                "index_answer": "forged.token.here"})
    assert ask(CENTER, HOSPITAL, "records.fetch", {**question, "patient_id": province["hospital_patient"],
                                                   "index_answer": proof})["resources"]
    assert AuditRow.objects.filter(facility=HOSPITAL, patient_id=stranger["id"], outcome="4").count() == 1


def test_an_emergency_override_with_a_reason_is_shown_audited_and_visible_to_the_patient(
        province: dict[str, Any]) -> None:
    reason = "Người bệnh hôn mê, cần biết tiền sử tim mạch"
    view = _open(province, purpose=EMERGENCY, reason=reason)
    assert view.emergency and view.sources[0].status == "shown" and view.sources[0].resources
    rows = _hospital_audit(province, outcome="0")
    assert rows.exists() and set(rows.values_list("purpose", "reason")) == {(EMERGENCY, reason)}

    # The patient's app, with both records linked, shows who opened them, the override and its reason.
    account = Account.objects.create(phone="0912345678")
    profile = join(account, "self", "Đỗ Văn Hải", date(1968, 5, 2),
                   [(province["center_patient"], CENTER), (province["hospital_patient"], HOSPITAL)], "activation")
    opened = open_profile(account, profile.pk)
    assert opened is not None
    seen = who_opened(opened.patient_ids, actor_for(account, opened).id)
    emergencies = [a for a in seen if a.emergency_reason]
    assert emergencies and {a.emergency_reason for a in emergencies} == {reason}
    assert any(a.facility == "Bệnh viện Đa khoa tỉnh" and "Trần Văn An" in a.who for a in emergencies)


def test_consent_revoked_closes_the_records_again(province: dict[str, Any]) -> None:
    consent.record(province["center"], province["center_patient"], permit=True)
    assert _open(province).sources[0].status == "shown"
    consent.record(province["center"], province["center_patient"], permit=False)
    assert _open(province).sources[0].status == "refused"
    history = province["center"].history("Consent", consent.sharing_consents(province["center"], province["center_patient"])[0]["id"])
    assert [e.json()["status"] for e in history[0]] == ["inactive", "active"]


def test_the_patient_gives_and_revokes_consent_in_the_app_and_a_revocation_anywhere_wins(
        province: dict[str, Any]) -> None:
    account = Account.objects.create(phone="0912345678")
    profile = join(account, "self", "Đỗ Văn Hải", date(1968, 5, 2),
                   [(province["center_patient"], CENTER), (province["hospital_patient"], HOSPITAL)], "activation")
    opened = open_profile(account, profile.pk)
    assert opened is not None
    records = [(province["center_patient"], CENTER), (province["hospital_patient"], HOSPITAL)]
    consent.record_for_person(actor_for(account, opened), records, permit=True)
    assert consent.person_consents(actor_for(account, opened), records)
    assert _open(province).sources[0].status == "shown"
    # Revoked at the hospital's desk only: the hospital's newer decision outweighs the center's older consent.
    hospital_desk = Repository(Actor.system("reception"), HOSPITAL)
    consent.record(hospital_desk, province["hospital_patient"], permit=False)
    assert _open(province).sources[0].status == "refused"
    consent.record_for_person(actor_for(account, opened), records, permit=False)
    assert not consent.person_consents(actor_for(account, opened), records)
    assert _open(province).sources[0].status == "refused"


def test_the_app_refuses_a_consent_for_a_record_the_patient_does_not_hold(province: dict[str, Any]) -> None:
    from benhan.fhir.errors import FhirError

    account = Account.objects.create(phone="0912345678")
    profile = join(account, "self", "Đỗ Văn Hải", date(1968, 5, 2), [(province["center_patient"], CENTER)], "activation")
    opened = open_profile(account, profile.pk)
    assert opened is not None
    with pytest.raises(FhirError):
        consent.record_for_person(actor_for(account, opened), [(province["hospital_patient"], HOSPITAL)], permit=True)


def test_the_clinician_pages_record_consent_and_open_the_records(province: dict[str, Any]) -> None:
    client = Client()
    client.force_login(province["users"][CENTER])
    page = f"/exchange/ho-so-lien-thong/{province['center_patient']}/"
    assert "chưa đồng ý" in client.get(page).content.decode()
    refused = client.post(page, {"how": "emergency", "reason": ""})
    assert refused.status_code == 400 and "cần ghi lý do" in refused.content.decode()
    assert client.post(f"/exchange/dong-y/{province['center_patient']}/", {"action": "give"}).status_code == 302
    shown = client.post(page, {"how": "consent"}).content.decode()
    assert "Nhồi máu cơ tim cấp" in shown and "Bệnh viện Đa khoa tỉnh" in shown
    chart = client.get(f"/ui/nguoi-benh/{province['center_patient']}/").content.decode()
    assert page in chart


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[Gateway]:
    with running() as gateway:
        settings.PORTAL_SMS_URL, settings.PORTAL_SMS_API_KEY = gateway.url, API_KEY
        yield gateway


def test_the_patient_consents_in_the_app_and_sees_the_emergency_opening_in_who_opened_my_record(
        province: dict[str, Any], sms_gateway: Gateway) -> None:
    phone = "0912345678"
    account = Account.objects.create(phone=phone)
    profile = join(account, "self", "Đỗ Văn Hải", date(1968, 5, 2),
                   [(province["center_patient"], CENTER), (province["hospital_patient"], HOSPITAL)], "activation")
    app = Client()
    log_in(app, sms_gateway, phone)
    sharing = f"/app/ho-so/{profile.pk}/chia-se/"
    assert "Đồng ý cho cơ sở khác xem hồ sơ" in app.get(sharing).content.decode()
    assert app.post(f"/app/ho-so/{profile.pk}/dong-y-lien-thong/", {"action": "give"}).status_code == 302
    assert "Rút lại đồng ý" in app.get(sharing).content.decode()
    assert _open(province).sources[0].status == "shown"
    assert app.post(f"/app/ho-so/{profile.pk}/dong-y-lien-thong/", {"action": "revoke"}).status_code == 302
    assert _open(province).sources[0].status == "refused"

    _open(province, purpose=EMERGENCY, reason="Cấp cứu ngừng tuần hoàn")
    log = app.get(f"/app/ho-so/{profile.pk}/ai-da-xem/").content.decode()
    assert "Mở khẩn cấp, lý do: Cấp cứu ngừng tuần hoàn" in log and "Bệnh viện Đa khoa tỉnh" in log


def test_reception_records_consent_at_registration_and_cannot_open_other_facilities_records(
        province: dict[str, Any]) -> None:
    desk = User.objects.create(username="td.center", facility=Facility.objects.get(code=CENTER),
                               role=User.Role.RECEPTIONIST)
    client = Client()
    client.force_login(desk)
    answer = client.post("/ui/nguoi-benh/dang-ky/", {"name": "Phan Văn Tâm", "birth_date": "03/03/1980", "gender": "male",
                                                      "cccd": "001080012345", "share_consent": "1"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    patient_id = answer["Location"].rstrip("/").rsplit("/", 1)[1]
    (given,) = consent.sharing_consents(province["center"], patient_id)
    assert given["status"] == "active" and given["performer"][0]["display"] == "Phan Văn Tâm"
    page = f"/exchange/ho-so-lien-thong/{patient_id}/"
    shown = client.get(page).content.decode()
    assert "đã đồng ý" in shown and "Mở khẩn cấp" not in shown
    assert client.post(page, {"how": "emergency", "reason": "thử"}).status_code == 403
