"""Slots from schedule templates, made on demand for a date range, skipping the facility's closed days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import F, QuerySet
from django.utils import timezone

from benhan.accounts.models import Facility
from benhan.facilities.models import Department

from .models import Holiday, ScheduleTemplate, Slot


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def template_times(template: ScheduleTemplate, day: date) -> list[tuple[datetime, datetime]]:
    """The (start, end) of each whole slot the template gives on a day (a short remainder is no slot)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, template.start, tzinfo=tz)
    close = datetime.combine(day, template.end, tzinfo=tz)
    step = timedelta(minutes=template.slot_minutes)
    times = []
    while start + step <= close:
        times.append((start, start + step))
        start += step
    return times


def ensure_slots(facility: Facility, first: date, last: date, *, department: Department | None = None) -> int:
    """Create the missing slot rows of the facility's active templates for first..last; returns how many were new."""
    closed = set(Holiday.objects.filter(facility=facility, day__range=(first, last)).values_list("day", flat=True))
    templates = ScheduleTemplate.objects.filter(facility=facility, active=True)
    if department is not None:
        templates = templates.filter(department=department)
    by_weekday: dict[int, list[ScheduleTemplate]] = {}
    for t in templates:
        by_weekday.setdefault(t.weekday, []).append(t)
    wanted = [(t, start, end) for day in days(first, last) if day not in closed
              for t in by_weekday.get(day.weekday(), []) for start, end in template_times(t, day)]
    if not wanted:
        return 0
    tz = timezone.get_current_timezone()
    existing = set(Slot.objects.filter(
        template__in={t.pk for t, _s, _e in wanted},
        start__gte=datetime.combine(first, datetime.min.time(), tzinfo=tz),
        start__lt=datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz),
    ).values_list("template_id", "start"))
    missing = [Slot(template=t, facility=facility.code, department_id=t.department_id, room_id=t.room_id,
                    doctor_id=t.doctor_id, start=start, end=end, capacity=t.capacity)
               for t, start, end in wanted if (t.pk, start) not in existing]
    if not missing:
        return 0  # the usual case once a range has been asked for: one SELECT, no write
    before = Slot.objects.filter(facility=facility.code).count()
    # Two callers materialising the same range is harmless: the (template, start) key keeps one row.
    Slot.objects.bulk_create(missing, ignore_conflicts=True)
    return Slot.objects.filter(facility=facility.code).count() - before


def _open(facility: Facility, department: Department, first: date, last: date,
          doctor_id: int | None) -> tuple[QuerySet[Slot], set[date]]:
    ensure_slots(facility, first, last, department=department)
    tz = timezone.get_current_timezone()
    closed = set(Holiday.objects.filter(facility=facility, day__range=(first, last)).values_list("day", flat=True))
    qs = Slot.objects.filter(facility=facility.code, department=department, template__active=True,
                             start__gte=max(timezone.now(), datetime.combine(first, datetime.min.time(), tzinfo=tz)),
                             start__lt=datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz),
                             booked__lt=F("capacity"))
    if doctor_id is not None:
        qs = qs.filter(doctor_id=doctor_id)
    return qs, closed


def open_slots(facility: Facility, department: Department, first: date, last: date,
               doctor_id: int | None = None) -> list[Slot]:
    """Slots with a free seat, not yet begun, not on a closed day, of active templates."""
    qs, closed = _open(facility, department, first, last, doctor_id)
    found = qs.select_related("room", "department", "doctor").order_by("start", "room__code")
    # A closed day declared after its slots were made: the slots stay (bookings keep them) but are not offered.
    return [s for s in found if timezone.localtime(s.start).date() not in closed]


def open_days(facility: Facility, department: Department, first: date, last: date,
              doctor_id: int | None = None) -> list[date]:
    """The days from first to last that have a bookable slot (for a day picker: no slot rows loaded)."""
    qs, closed = _open(facility, department, first, last, doctor_id)
    found = {timezone.localtime(start).date() for start in qs.values_list("start", flat=True).distinct()}
    return sorted(found - closed)
