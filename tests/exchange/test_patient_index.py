"""The provincial patient index: records reported by the facilities, linked, reviewed, unlinked, queried."""

from __future__ import annotations

from typing import Any

import pytest

from benhan.accounts.models import Facility
from benhan.exchange import directory, outbox, patient_index
from benhan.exchange.models import IndexedRecord, LinkEvent, MatchReview
from benhan.fhir.access import Actor
from benhan.fhir.repository import Repository

HUB, CENTER, HOSPITAL = "01000", "01002", "01001"
CCCD = "http://fhir.hl7.org.vn/core/sid/cccd"


@pytest.fixture
def province(db: None, settings: Any, tmp_path: Any) -> dict[str, Repository]:
    settings.EXCHANGE_KEY_DIR = str(tmp_path / "keys")
    settings.BENHAN_EXCHANGE_HUB = HUB
    for code, name in ((HUB, "Sở Y tế (hub)"), (CENTER, "TTYT khu vực"), (HOSPITAL, "Bệnh viện tỉnh")):
        Facility.objects.create(code=code, name=name)
        directory.register_hosted(code, name)
    return {code: Repository(Actor.system("test"), code) for code in (CENTER, HOSPITAL)}


def _patient(repo: Repository, name: str, birth: str, **extra: Any) -> str:
    resource: dict[str, Any] = {"resourceType": "Patient", "name": [{"text": name}], "birthDate": birth,
                                "gender": extra.pop("gender", "male")}
    if "cccd" in extra:
        resource["identifier"] = [{"system": CCCD, "value": extra.pop("cccd")}]
    if "phone" in extra:
        resource["telecom"] = [{"system": "phone", "value": extra.pop("phone")}]
    with repo.atomic():
        return repo.create(resource).id


def _deliver() -> None:
    while outbox.deliver_due().delivered:
        pass


def test_records_of_the_same_person_at_two_facilities_are_linked_by_cccd(province: dict[str, Repository]) -> None:
    a = _patient(province[CENTER], "Đỗ Văn Hải", "1968-05-02", cccd="001068012345")
    b = _patient(province[HOSPITAL], "Do Van Hai", "1968-05-02", cccd="001068012345")
    _deliver()
    assert IndexedRecord.objects.count() == 2
    assert [r.patient_id for r in patient_index.cross_references(CENTER, a)] == [b]
    assert LinkEvent.objects.filter(action="link", by="auto").count() == 1


def test_a_doubtful_pair_waits_for_review_and_the_decision_is_logged(province: dict[str, Repository]) -> None:
    a = _patient(province[CENTER], "Nguyễn Văn Hùng", "1975-03-04", phone="0912000111")
    _patient(province[HOSPITAL], "Nguyễn Văn Hùng", "1975-04-03")  # day and month swapped, nothing else to go on
    _deliver()
    assert patient_index.cross_references(CENTER, a) == []
    (review,) = MatchReview.objects.filter(status="pending")
    patient_index.decide(review.pk, link=True, by="qt.minh")
    assert len(patient_index.cross_references(CENTER, a)) == 1
    patient_index.unlink(CENTER, a, by="qt.minh", reason="Hai người khác nhau, trùng tên")
    assert patient_index.cross_references(CENTER, a) == []
    assert list(LinkEvent.objects.values_list("action", "by")) == [("link", "qt.minh"), ("unlink", "qt.minh")]


def test_twins_stay_two_people(province: dict[str, Repository]) -> None:
    a = _patient(province[CENTER], "Trần Minh Khôi", "2015-06-01", phone="0912345678")
    _patient(province[HOSPITAL], "Trần Minh Khoa", "2015-06-01", phone="0912345678")
    _deliver()
    assert patient_index.cross_references(CENTER, a) == []
    assert not MatchReview.objects.exists()


def test_pixm_answers_the_other_facilities_record_ids(province: dict[str, Repository], fhir_client: Any) -> None:
    a = _patient(province[CENTER], "Đỗ Văn Hải", "1968-05-02", cccd="001068012345")
    b = _patient(province[HOSPITAL], "Đỗ Văn Hải", "1968-05-02", cccd="001068012345")
    _deliver()
    api = fhir_client("system/Patient.read", facilities={HUB})
    answer = api.get(f"/fhir/Patient/$ihe-pix?sourceIdentifier=https://benhan.vn/fhir/sid/patient/{CENTER}|{a}")
    assert answer.status_code == 200, answer.content
    targets = [p["valueIdentifier"] for p in answer.json()["parameter"]]
    assert targets == [{"system": f"https://benhan.vn/fhir/sid/patient/{HOSPITAL}", "value": b}]
    by_cccd = api.get(f"/fhir/Patient/$ihe-pix?sourceIdentifier={CCCD}|001068012345").json()
    assert len(by_cccd["parameter"]) == 2
    assert api.get(f"/fhir/Patient/$ihe-pix?sourceIdentifier={CCCD}|000000000000").status_code == 404
    assert fhir_client("system/Observation.read").get(
        f"/fhir/Patient/$ihe-pix?sourceIdentifier={CCCD}|001068012345").status_code == 403
