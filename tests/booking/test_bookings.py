"""Book, cancel, reschedule, the FHIR Appointment behind each booking, and the reminder job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from benhan.accounts.actors import actor_for_user
from benhan.booking.errors import BookingError, SlotFull
from benhan.booking.models import Booking, Reminder, Slot
from benhan.booking.services import REMINDER_JOB, book, cancel, free_slots, reschedule
from benhan.fhir.repository import Repository
from benhan.jobs.models import Job
from benhan.jobs.worker import Worker

from .conftest import OTHER, make_user, next_weekday, template


@pytest.fixture
def slots(facility, department, room) -> list[Slot]:
    template(facility, room, weekday=0, capacity=1)
    monday = next_weekday(0)
    return free_slots(facility, department, monday, monday)


def _appointment(repo: Repository, booking: Booking) -> dict:
    return repo.read("Appointment", booking.appointment_id).json()


def test_booking_takes_a_seat_and_writes_a_booked_appointment(repo, slots, patient_factory) -> None:
    patient = patient_factory()
    booking = book(repo, patient, slots[0], "online")
    slots[0].refresh_from_db()
    assert slots[0].booked == 1 and booking.status == "booked" and booking.channel == "online"
    appointment = _appointment(repo, booking)
    assert appointment["status"] == "booked"
    assert appointment["participant"][0]["actor"]["reference"] == f"Patient/{patient}"
    assert appointment["participant"][1]["actor"]["display"] == "Phòng khám Nội 1"
    assert appointment["start"].endswith("07:30:00+07:00") and appointment["minutesDuration"] == 30
    assert appointment["meta"]["tag"][0]["code"] == "online"


def test_a_full_slot_refuses_another_booking(repo, slots, patient_factory) -> None:
    book(repo, patient_factory(), slots[0])
    with pytest.raises(SlotFull):
        book(repo, patient_factory(), slots[0], "phone")
    slots[0].refresh_from_db()
    assert slots[0].booked == 1 and Booking.objects.count() == 1


def test_the_same_patient_cannot_book_one_slot_twice(repo, facility, department, room, patient_factory) -> None:
    template(facility, room, weekday=1, capacity=3)
    tuesday = next_weekday(1)
    slot = free_slots(facility, department, tuesday, tuesday)[0]
    patient = patient_factory()
    book(repo, patient, slot)
    with pytest.raises(BookingError):
        book(repo, patient, slot)
    slot.refresh_from_db()
    assert slot.booked == 1


def test_an_unknown_channel_is_refused(repo, slots, patient_factory) -> None:
    with pytest.raises(BookingError):
        book(repo, patient_factory(), slots[0], "fax")


def test_cancel_frees_the_seat_and_cancels_the_appointment(repo, slots, patient_factory) -> None:
    booking = book(repo, patient_factory(), slots[0])
    cancel(repo, booking, "Bận việc gia đình")
    slots[0].refresh_from_db()
    assert slots[0].booked == 0 and booking.status == "cancelled"
    appointment = _appointment(repo, booking)
    assert appointment["status"] == "cancelled" and appointment["cancelationReason"]["text"] == "Bận việc gia đình"
    with pytest.raises(BookingError):
        cancel(repo, booking)
    slots[0].refresh_from_db()
    assert slots[0].booked == 0
    assert book(repo, patient_factory(), slots[0]).status == "booked"


def test_reschedule_moves_the_seat_and_the_appointment_time(repo, slots, patient_factory) -> None:
    booking = book(repo, patient_factory(), slots[0])
    moved = reschedule(repo, booking, slots[2])
    for s in slots:
        s.refresh_from_db()
    assert [s.booked for s in slots] == [0, 0, 1]
    assert moved.slot_id == slots[2].pk and moved.appointment_id == booking.appointment_id
    appointment = _appointment(repo, moved)
    assert appointment["status"] == "booked" and appointment["start"].endswith("08:30:00+07:00")


def test_reschedule_to_a_full_slot_keeps_the_old_seat(repo, slots, patient_factory) -> None:
    booking = book(repo, patient_factory(), slots[0])
    book(repo, patient_factory(), slots[1])
    with pytest.raises(SlotFull):
        reschedule(repo, booking, slots[1])
    for s in slots:
        s.refresh_from_db()
    assert [s.booked for s in slots] == [1, 1, 0]
    booking.refresh_from_db()
    assert booking.slot_id == slots[0].pk and _appointment(repo, booking)["start"].endswith("07:30:00+07:00")


def test_booking_for_another_facility_is_refused(slots, other_facility, patient_factory) -> None:
    patient = patient_factory()
    outsider = Repository(actor_for_user(make_user(other_facility, "td.khac", "receptionist")), OTHER)
    with pytest.raises(BookingError):
        book(outsider, patient, slots[0])
    assert Booking.objects.count() == 0


@override_settings(BOOKING_REMINDER_HOURS=48)
def test_the_reminder_job_records_a_due_reminder_before_the_appointment(repo, slots, patient_factory) -> None:
    booking = book(repo, patient_factory(), slots[0])
    job = Job.objects.get(kind=REMINDER_JOB)
    assert job.run_after == slots[0].start - timedelta(hours=48)
    Job.objects.filter(pk=job.pk).update(run_after=job.created_at)  # let it fall due now
    Worker("t", kinds=[REMINDER_JOB]).run_one()
    reminder = Reminder.objects.get()
    assert reminder.booking == booking and reminder.status == "due" and "Phòng khám Nội 1" in reminder.message
    assert reminder.message.startswith("Nhắc lịch khám: 07:30 ngày ")


def test_a_cancelled_or_moved_booking_gets_no_reminder_from_its_old_job(repo, slots, patient_factory) -> None:
    cancelled = book(repo, patient_factory(), slots[0])
    cancel(repo, cancelled)
    moved = book(repo, patient_factory(), slots[1])
    reschedule(repo, moved, slots[2])
    Job.objects.update(run_after=Job.objects.order_by("created_at").first().created_at)  # type: ignore[union-attr]
    worker = Worker("t", kinds=[REMINDER_JOB])
    while worker.run_one() is not None:
        pass
    assert list(Reminder.objects.values_list("booking_id", "appointment_start")) == [(moved.pk, slots[2].start)]
    assert set(Job.objects.values_list("status", flat=True)) == {"succeeded"}
