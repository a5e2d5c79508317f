"""Slots from weekday templates, made on demand, skipping the facility's closed days."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from benhan.booking.models import Holiday, Slot
from benhan.booking.services import free_slots
from benhan.booking.slots import ensure_slots

from .conftest import make_user, next_weekday, template


def _local(slot: Slot) -> str:
    return timezone.localtime(slot.start).strftime("%d/%m %H:%M")


def test_slots_follow_the_weekday_templates_and_skip_holidays(facility, department, room) -> None:
    template(facility, room, weekday=0)  # Monday 07:30–09:00, 30 minutes: 3 slots
    template(facility, room, weekday=2, start=time(13, 0), end=time(14, 0), minutes=20)  # Wednesday: 3 slots
    monday = next_weekday(0)
    Holiday.objects.create(facility=facility, day=monday + timedelta(days=7), name="Nghỉ bù")
    slots = free_slots(facility, department, monday, monday + timedelta(days=13))
    wednesday = monday + timedelta(days=2)
    expected = [f"{d:%d/%m} {t}" for d, t in
                [(monday, "07:30"), (monday, "08:00"), (monday, "08:30"),
                 (wednesday, "13:00"), (wednesday, "13:20"), (wednesday, "13:40"),
                 (wednesday + timedelta(days=7), "13:00"), (wednesday + timedelta(days=7), "13:20"),
                 (wednesday + timedelta(days=7), "13:40")]]
    assert [_local(s) for s in slots] == expected
    assert all(s.capacity == 2 and s.booked == 0 and s.room == room for s in slots)


def test_a_short_remainder_at_the_end_of_a_session_is_not_a_slot(facility, department, room) -> None:
    template(facility, room, weekday=1, start=time(7, 0), end=time(7, 50), minutes=20)
    tuesday = next_weekday(1)
    assert [_local(s)[-5:] for s in free_slots(facility, department, tuesday, tuesday)] == ["07:00", "07:20"]


def test_making_slots_twice_creates_no_duplicates(facility, department, room) -> None:
    template(facility, room, weekday=3)
    thursday = next_weekday(3)
    assert ensure_slots(facility, thursday, thursday) == 3
    assert ensure_slots(facility, thursday, thursday) == 0
    assert Slot.objects.count() == 3


def test_a_holiday_declared_after_slots_were_made_hides_them(facility, department, room) -> None:
    template(facility, room, weekday=4)
    friday = next_weekday(4)
    assert len(free_slots(facility, department, friday, friday)) == 3
    Holiday.objects.create(facility=facility, day=friday, name="Quốc khánh")
    assert free_slots(facility, department, friday, friday) == []


def test_free_slots_leave_out_full_slots_inactive_templates_and_other_doctors(facility, department, room, room2) -> None:
    doctor = make_user(facility, "bs.nam", "doctor")
    template(facility, room, weekday=0, doctor=doctor)
    stopped = template(facility, room2, weekday=0, start=time(14, 0), end=time(15, 0))
    monday = next_weekday(0)
    slots = free_slots(facility, department, monday, monday)
    assert len(slots) == 5
    stopped.active = False
    stopped.save()
    first = free_slots(facility, department, monday, monday)[0]
    Slot.objects.filter(pk=first.pk).update(booked=2)
    mine = free_slots(facility, department, monday, monday, doctor_id=doctor.pk)
    assert [_local(s)[-5:] for s in mine] == ["08:00", "08:30"]
    other = make_user(facility, "bs.vy", "doctor")
    assert free_slots(facility, department, monday, monday, doctor_id=other.pk) == []


def test_past_slots_of_today_are_not_offered(facility, department, room) -> None:
    today = timezone.localdate()
    template(facility, room, weekday=today.weekday(), start=time(0, 0), end=time(23, 59), minutes=60)
    now = timezone.now()
    assert all(s.start >= now for s in free_slots(facility, department, today, today))
