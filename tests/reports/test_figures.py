"""Each dashboard figure, on data made through the clinical workflows, the exchange or the repository."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from benhan.accounts.models import Facility, User
from benhan.clinical.fhirutil import instant
from benhan.clinical.workflows import orders
from benhan.clinical.workflows.orders import enter_lab_results, place_orders, sign_report
from benhan.clinical.workflows.visits import conclude_visit, set_diagnoses, start_outpatient_visit
from benhan.documents.models import SignedDocument
from benhan.exchange import outbox, referral
from benhan.exchange.models import OutboxMessage
from benhan.fhir.repository import Repository
from benhan.insurance.models import Claim
from benhan.reports.figures import (
    claims,
    last_months,
    missing_figures,
    month_of,
    percentile,
    province_overview,
    referrals,
    result_turnaround,
    signed_documents,
    signed_encounter_share,
)
from tests.clinical.helpers import new_patient
from tests.exchange.test_referral import CENTER, HOSPITAL, _referral_input, province  # noqa: F401

FACILITY = "79001"


def _row(figure: Any, moment: datetime) -> dict[str, Any]:
    label = month_of(moment).label
    return next(r for r in figure.rows if r["month"] == label)


def _count(value: object) -> int:
    assert isinstance(value, int), value  # a COUNT column holds whole numbers
    return value


def _visit(repo: Repository) -> dict[str, Any]:
    patient = new_patient(repo)
    encounter = start_outpatient_visit(repo, patient["id"], "P101").encounter
    set_diagnoses(repo, encounter["id"], "I10", [])
    return encounter


def test_the_months_are_the_twelve_calendar_months_ending_with_this_one() -> None:
    months = last_months(today=datetime(2026, 3, 5).date())
    assert [m.label for m in months][:2] == ["04/2025", "05/2025"]
    assert months[-1].label == "03/2026" and len(months) == 12


def test_percentiles_interpolate_between_the_closest_ranks() -> None:
    assert percentile([2.0, 6.0], 50) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 90) == pytest.approx(4.6)
    assert percentile([], 50) is None


def test_turnaround_is_the_time_from_the_order_to_the_signed_report(
        doctor_repo: Repository, technician_repo: Repository, signing_doctor: User,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"now": timezone.now().replace(microsecond=0) - timedelta(days=2)}
    monkeypatch.setattr(orders, "now_iso", lambda: instant(clock["now"]))
    encounter = _visit(doctor_repo)
    ordered_at = clock["now"]
    first, second, unsigned = place_orders(doctor_repo, encounter["id"], ["XN-SHM", "XN-SHM", "XN-SHM"])
    waits = [timedelta(hours=2), timedelta(hours=6, minutes=30)]
    for order, wait in zip((first, second), waits, strict=True):
        clock["now"] = ordered_at + wait / 2
        report = enter_lab_results(technician_repo, order["id"], {"GLU": "5,5"})
        clock["now"] = ordered_at + wait
        sign_report(doctor_repo, signing_doctor, report["id"])
    enter_lab_results(technician_repo, unsigned["id"], {"GLU": "7"})  # preliminary: not yet returned

    figure = result_turnaround(FACILITY, last_months())
    hours = [w.total_seconds() / 3600 for w in waits]
    row = _row(figure, clock["now"])
    assert row["reports"] == 2
    assert row["median_hours"] == round(sum(hours) / 2, 1)
    assert row["p90_hours"] == round(hours[0] + (hours[1] - hours[0]) * 0.9, 1)
    assert sum(_count(r["reports"]) for r in figure.rows) == 2
    assert result_turnaround("79002", last_months()).rows[-1]["reports"] == 0


def test_the_completeness_share_counts_finished_encounters_with_a_signed_visit_record(
        doctor_repo: Repository, signing_doctor: User) -> None:
    signed = _visit(doctor_repo)
    conclude_visit(doctor_repo, signing_doctor, signed["id"], "home", "Ổn định")
    _visit(doctor_repo)  # still in progress: not counted
    patient = new_patient(doctor_repo, name="Lê Thị Hoa", birth="01/01/1970", gender="female")
    now = timezone.now()
    doctor_repo.create({  # a finished encounter recorded without its signed paper (e.g. imported)
        "resourceType": "Encounter", "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": f"Patient/{patient['id']}"},
        "period": {"start": instant(now - timedelta(hours=1)), "end": instant(now)},
    })
    row = _row(signed_encounter_share(FACILITY, last_months()), now)
    assert (row["finished"], row["signed"], row["share"]) == (2, 1, 50.0)


def test_signed_documents_are_counted_by_kind_as_pages_not_printed(doctor_repo: Repository,
                                                                   signing_doctor: User) -> None:
    for _ in range(2):
        encounter = _visit(doctor_repo)
        conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    figure = signed_documents(FACILITY, last_months())
    in_db = SignedDocument.objects.filter(facility_code=FACILITY)
    row = _row(figure, in_db.first().signed_at)  # type: ignore[union-attr]
    assert row["documents"] == row["pages_saved"] == in_db.count()
    assert row["visit_record"] == in_db.filter(kind="visit_record").count() == 2
    assert all(r["documents"] == 0 for r in signed_documents("79002", last_months()).rows)


def _deliver() -> None:
    while outbox.deliver_due().delivered:
        pass


def test_referrals_sent_and_received_with_the_delivery_latency(province: dict[str, Any]) -> None:  # noqa: F811
    center_doctor, center = province[CENTER]
    patient = new_patient(center, name="Đỗ Văn Hải", cccd="001068012345", birth="02/05/1968")
    visit = start_outpatient_visit(center, patient["id"], "PK1")
    set_diagnoses(center, visit.encounter["id"], "I21.9", ["I10"])
    referral.refer(center, center_doctor, visit.encounter["id"], _referral_input())
    pending = _row(referrals(CENTER, last_months()), timezone.now())
    assert (pending["sent"], pending["delivered"], pending["p50_minutes"]) == (1, 0, None)

    _deliver()
    message = OutboxMessage.objects.get(kind="referral.request")
    assert message.delivered_at is not None
    minutes = round((message.delivered_at - message.created).total_seconds() / 60, 2)
    sent = _row(referrals(CENTER, last_months()), message.created)
    assert (sent["sent"], sent["delivered"], sent["p50_minutes"], sent["p95_minutes"]) == (1, 1, minutes, minutes)
    assert sent["received"] == 0
    received = _row(referrals(HOSPITAL, last_months()), message.delivered_at)
    assert (received["received"], received["sent"]) == (1, 0)


def test_claims_are_counted_by_status_with_their_totals_in_dong(facility: Facility) -> None:
    now = timezone.now()
    for n, (status, cost, pays) in enumerate([("accepted", 350_000, 280_000), ("accepted", 120_000, 96_000),
                                              ("rejected", 90_000, 72_000)]):
        Claim.objects.create(ma_lk=f"LK{n}", facility=FACILITY, encounter_id=f"e{n}", patient_id="p", period_end=now,
                             status=status, version="130", total_cost=Decimal(cost), insurance_pays=Decimal(pays))
    Claim.objects.create(ma_lk="OTHER", facility="79002", encounter_id="x", patient_id="p", period_end=now,
                         status="accepted", version="130", total_cost=Decimal(1_000_000))
    Claim.objects.create(ma_lk="OLD", facility=FACILITY, encounter_id="y", patient_id="p",
                         period_end=now - timedelta(days=400), status="accepted", version="130", total_cost=Decimal(5))
    figure = claims(FACILITY, last_months())
    row = _row(figure, now)
    assert (row["claims"], row["accepted"], row["rejected"], row["ready"]) == (3, 2, 1, 0)
    assert (row["total_cost"], row["insurance_pays"]) == (Decimal(560_000), Decimal(448_000))
    assert sum(_count(r["claims"]) for r in figure.rows) == 3


def test_questions_and_feedback_count_by_month_sent_with_hours_to_the_first_answer(db: None) -> None:
    from benhan.feedback.models import Feedback
    from benhan.questions.models import Question
    from benhan.reports.figures import feedback, questions

    now = timezone.now()
    sent = now - timedelta(hours=10)
    for answered in (sent + timedelta(hours=2), sent + timedelta(hours=6), None):
        Question.objects.create(facility=FACILITY, patient_id="p", created=sent, due=sent + timedelta(hours=24),
                                first_answer_at=answered)
    Question.objects.create(facility="79002", patient_id="p", created=sent, due=sent)  # another facility
    Feedback.objects.create(facility=FACILITY, category=Feedback.Category.values[0], rating=4, text="Tốt",
                            created=sent, responded_at=sent + timedelta(hours=3))
    asked = _row(questions(FACILITY, last_months()), sent)
    assert (asked["received"], asked["answered"], asked["median_hours"]) == (3, 2, 4.0)
    told = _row(feedback(FACILITY, last_months()), sent)
    assert (told["received"], told["answered"], told["median_hours"]) == (1, 1, 3.0)
    assert missing_figures() == []


def test_the_province_overview_puts_each_facility_side_by_side(doctor_repo: Repository,
                                                               signing_doctor: User) -> None:
    Facility.objects.create(code="79002", name="Trạm Y tế xã An Phú")
    encounter = _visit(doctor_repo)
    conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    live, idle = province_overview([(FACILITY, "TTYT"), ("79002", "TYT")], last_months())
    in_db = SignedDocument.objects.filter(facility_code=FACILITY)
    assert (live.signed_documents, live.last_signed) == (in_db.count(), in_db.order_by("signed_at").last().signed_at)  # type: ignore[union-attr]
    assert (live.finished_encounters, live.signed_encounters, live.share, live.emr_live) == (1, 1, 100.0, True)
    assert (idle.signed_documents, idle.finished_encounters, idle.share, idle.emr_live) == (0, 0, None, False)
