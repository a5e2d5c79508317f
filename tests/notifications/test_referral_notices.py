"""The exchange tells the patient when a referral reaches the receiving facility and when the
back-referral comes home, through the notification outbox, in the transaction that files it."""

from __future__ import annotations

from typing import Any

import pytest

from benhan.clinical.workflows.inpatient import admit, discharge
from benhan.clinical.workflows.visits import set_diagnoses, start_outpatient_visit
from benhan.exchange import referral
from benhan.notifications.models import Notification
from tests.clinical.helpers import new_patient
from tests.exchange.test_referral import CCCD, CENTER, HOSPITAL, _deliver, _referral_input
from tests.portal.helpers import linked_account

pytestmark = pytest.mark.django_db
PHONE = "0913000111"


def test_an_arrived_referral_and_the_back_referral_each_notify_the_linked_patient(province: dict[str, Any]) -> None:
    (center_doctor, center), (hospital_doctor, hospital) = province[CENTER], province[HOSPITAL]
    known = new_patient(hospital, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    patient = new_patient(center, name="Đỗ Văn Hải", cccd=CCCD, birth="02/05/1968")
    _account, opened = linked_account(PHONE, known["id"], patient["id"], name="Đỗ Văn Hải", birth="1968-05-02")
    visit = start_outpatient_visit(center, patient["id"], "PK1")
    set_diagnoses(center, visit.encounter["id"], "I21.9", [])
    referral.refer(center, center_doctor, visit.encounter["id"], _referral_input())
    assert not Notification.objects.exists()  # sent, not yet arrived
    _deliver()
    (arrived,) = Notification.objects.all()
    assert (arrived.kind, arrived.address, arrived.link) == ("referral_arrived", PHONE, f"/app/ho-so/{opened.profile.pk}/")
    assert "Hải" not in arrived.text and "Tim" not in arrived.text

    (task,) = referral.worklist(hospital)
    referral.accept(hospital, task["id"])
    stay = admit(hospital, known["id"], "TM", "", "I21.9", "Chuyển từ TTYT Sóc Sơn")
    referral.arrived(hospital, task["id"], stay["id"])
    done = discharge(hospital, hospital_doctor, stay["id"], "I21.9", [], "Đặt stent", "Ổn định", "Tái khám sau 1 tháng")
    referral.send_back(hospital, task["id"], summary_id=done.summary["id"], follow_up="Theo dõi huyết áp")
    _deliver()
    assert Notification.objects.filter(kind="referral_arrived").count() == 2
