"""Check-in of a booking: the room's queue number, the linked encounter; the monthly online-booking share."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from benhan.booking.errors import BookingError
from benhan.booking.models import Slot
from benhan.booking.services import book, check_in, online_booking_share
from benhan.booking.slots import ensure_slots
from benhan.clinical.models import QueueTicket
from benhan.clinical.workflows.visits import start_outpatient_visit

from .conftest import next_weekday, template


@pytest.fixture
def today_slot(facility, room) -> Slot:
    """The first slot of today (00:00–00:30), booked as if the patient had booked it yesterday."""
    today = timezone.localdate()
    template(facility, room, weekday=today.weekday(), start=time(0, 0), end=time(1, 0), capacity=5)
    ensure_slots(facility, today, today)
    return Slot.objects.order_by("start").first()  # type: ignore[return-value]


def _yesterday(slot: Slot):
    return slot.start - timedelta(days=1)


def test_check_in_gives_the_queue_number_of_the_booked_room_and_links_the_encounter(repo, today_slot, room, patient_factory) -> None:
    walk_in = patient_factory()
    start_outpatient_visit(repo, walk_in, room.code, room.name)  # number 1 went to a walk-in
    patient = patient_factory()
    booking = book(repo, patient, today_slot, "online", now=_yesterday(today_slot))
    booking = check_in(repo, booking)
    assert booking.status == "checked-in" and booking.queue_number == 2 and booking.checked_in_at is not None
    ticket = QueueTicket.objects.get(number=2)
    assert ticket.room == "P101" and ticket.patient_id == patient and ticket.encounter_id == booking.encounter_id
    encounter = repo.read("Encounter", booking.encounter_id).json()
    assert encounter["appointment"] == [{"reference": f"Appointment/{booking.appointment_id}"}]
    assert encounter["subject"]["reference"] == f"Patient/{patient}" and encounter["class"]["code"] == "AMB"
    assert repo.read("Appointment", booking.appointment_id).json()["status"] == "arrived"


def test_a_booking_cannot_be_checked_in_twice_or_after_cancelling(repo, today_slot, patient_factory) -> None:
    booking = check_in(repo, book(repo, patient_factory(), today_slot, now=_yesterday(today_slot)))
    with pytest.raises(BookingError):
        check_in(repo, booking)
    assert QueueTicket.objects.count() == 1


def test_a_booking_of_another_day_cannot_be_checked_in(repo, facility, department, room, patient_factory) -> None:
    from benhan.booking.services import free_slots

    template(facility, room, weekday=2)
    wednesday = next_weekday(2)
    booking = book(repo, patient_factory(), free_slots(facility, department, wednesday, wednesday)[0])
    with pytest.raises(BookingError):
        check_in(repo, booking)
    assert QueueTicket.objects.count() == 0 and repo.read("Appointment", booking.appointment_id).json()["status"] == "booked"


def test_online_share_counts_online_check_ins_over_all_outpatient_check_ins(repo, facility, today_slot, room, patient_factory) -> None:
    earlier = _yesterday(today_slot)
    for _i in range(2):  # two online bookings that arrived
        check_in(repo, book(repo, patient_factory(), today_slot, "online", now=earlier))
    check_in(repo, book(repo, patient_factory(), today_slot, "phone", now=earlier))  # a phone booking arrived
    book(repo, patient_factory(), today_slot, "online", now=earlier)  # booked online, not come (yet)
    for _i in range(3):  # walk-ins at the reception desk
        start_outpatient_visit(repo, patient_factory(), room.code, room.name)
    today = timezone.localdate()
    share = online_booking_share(facility.code, today.year, today.month)
    assert (share.online, share.visits) == (2, 6)
    assert share.share == pytest.approx(2 / 6)
    last_month = today.replace(day=1) - timedelta(days=1)
    empty = online_booking_share(facility.code, last_month.year, last_month.month)
    assert (empty.online, empty.visits, empty.share) == (0, 0, None)
    assert online_booking_share("99999", today.year, today.month).visits == 0
