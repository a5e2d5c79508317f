"""Concurrent bookings against a real database: a slot's capacity is never exceeded."""

from __future__ import annotations

import threading

from django.db import connection

from benhan.accounts.actors import actor_for_user
from benhan.booking.errors import SlotFull
from benhan.booking.models import Booking, Slot
from benhan.booking.services import book, free_slots, reschedule
from benhan.fhir.repository import Repository

from .conftest import FACILITY, next_weekday, template


def _race(work, count: int) -> tuple[int, int, list[BaseException]]:
    """Run work(i) in `count` threads released together; returns (successes, full refusals, other errors)."""
    barrier = threading.Barrier(count)
    lock = threading.Lock()
    outcome = {"ok": 0, "full": 0}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(30)
            work(i)
            with lock:
                outcome["ok"] += 1
        except SlotFull:
            with lock:
                outcome["full"] += 1
        except BaseException as exc:  # surfaced to the test: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcome["ok"], outcome["full"], errors


def test_concurrent_bookings_never_exceed_the_slot_capacity(committed_audit, facility, department, room, receptionist,
                                                             patient_factory) -> None:
    template(facility, room, weekday=0, capacity=3)
    monday = next_weekday(0)
    slot = free_slots(facility, department, monday, monday)[0]
    patients = [patient_factory() for _ in range(10)]

    def work(i: int) -> None:
        book(Repository(actor_for_user(receptionist), FACILITY), patients[i], slot, "online")

    ok, full, errors = _race(work, 10)
    assert not errors
    assert (ok, full) == (3, 7)
    slot.refresh_from_db()
    assert slot.booked == 3 and Booking.objects.filter(slot=slot, status="booked").count() == 3


def test_concurrent_reschedules_into_one_seat_move_only_one_booking(committed_audit, facility, department, room,
                                                                     receptionist, patient_factory) -> None:
    template(facility, room, weekday=0, capacity=6)
    monday = next_weekday(0)
    source, target = free_slots(facility, department, monday, monday)[:2]
    Slot.objects.filter(pk=target.pk).update(capacity=1)
    repo = Repository(actor_for_user(receptionist), FACILITY)
    bookings = [book(repo, patient_factory(), source) for _ in range(6)]

    def work(i: int) -> None:
        reschedule(Repository(actor_for_user(receptionist), FACILITY), bookings[i], target)

    ok, full, errors = _race(work, 6)
    assert not errors
    assert (ok, full) == (1, 5)
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.booked, target.booked) == (5, 1)
    assert Booking.objects.filter(slot=target).count() == 1 and Booking.objects.filter(slot=source).count() == 5
