"""The online-booking figure, on bookings made and checked in through benhan.booking."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from benhan.booking.models import Booking
from benhan.booking.services import book, check_in
from benhan.clinical.models import QueueTicket
from benhan.clinical.workflows.visits import start_outpatient_visit
from benhan.reports.figures import last_months, month_of, online_booking
from tests.booking.conftest import (  # noqa: F401
    FACILITY,
    department,
    facility,
    patient_factory,
    receptionist,
    repo,
    room,
)
from tests.booking.test_check_in import _yesterday, today_slot  # noqa: F401


def test_the_booking_share_is_online_arrivals_over_every_outpatient_check_in(
        repo: Any, today_slot: Any, room: Any, patient_factory: Any) -> None:  # noqa: F811
    for _i in range(2):
        check_in(repo, book(repo, patient_factory(), today_slot, "online", now=_yesterday(today_slot)))
    book(repo, patient_factory(), today_slot, "online", now=_yesterday(today_slot))  # not come
    start_outpatient_visit(repo, patient_factory(), room.code, room.name)  # a walk-in
    row = next(r for r in online_booking(FACILITY, last_months()).rows
               if r["month"] == month_of(timezone.now()).label)
    arrived = Booking.objects.filter(channel=Booking.Channel.ONLINE, status=Booking.Status.CHECKED_IN).count()
    visits = QueueTicket.objects.filter(facility=FACILITY).count()
    assert (row["online"], row["visits"]) == (arrived, visits) == (2, 3)
    assert row["share"] == round(100 * arrived / visits, 1)
