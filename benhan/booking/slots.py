"""Slots from schedule templates, made on demand for a date range, skipping the facility's closed days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import F
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
    rows = [
        Slot(template=t, facility=facility.code, department_id=t.department_id, room_id=t.room_id,
             doctor_id=t.doctor_id, start=start, end=end, capacity=t.capacity)
        for day in days(first, last) if day not in closed
        for t in by_weekday.get(day.weekday(), [])
        for start, end in template_times(t, day)
    ]
    if not rows:
        return 0
    tz = timezone.get_current_timezone()
    existing = set(Slot.objects.filter(
        template__in={r.template_id for r in rows},
        start__gte=datetime.combine(first, datetime.min.time(), tzinfo=tz),
        start__lt=datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz),
    ).values_list("template_id", "start"))
    missing = [r for r in rows if (r.template_id, r.start) not in existing]
    if not missing:
        return 0  # the usual case once a range has been asked for: one SELECT, no write
    before = Slot.objects.filter(facility=facility.code).count()
    # Two callers materialising the same range is harmless: the (template, start) key keeps one row.
    Slot.objects.bulk_create(missing, ignore_conflicts=True)
    return Slot.objects.filter(facility=facility.code).count() - before


def open_slots(facility: Facility, department: Department, first: date, last: date,
               doctor_id: int | None = None) -> list[Slot]:
    """Slots with a free seat, not yet begun, not on a closed day, of active templates."""
    ensure_slots(facility, first, last, department=department)
    tz = timezone.get_current_timezone()
    closed = Holiday.objects.filter(facility=facility, day__range=(first, last)).values_list("day", flat=True)
    qs = (Slot.objects.filter(facility=facility.code, department=department, template__active=True,
                              start__gte=max(timezone.now(), datetime.combine(first, datetime.min.time(), tzinfo=tz)),
                              start__lt=datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz),
                              booked__lt=F("capacity"))
          .select_related("room", "department", "doctor").order_by("start", "room__code"))
    if doctor_id is not None:
        qs = qs.filter(doctor_id=doctor_id)
    closed_days = set(closed)
    # A closed day declared after its slots were made: the slots stay (bookings keep them) but are not offered.
    return [s for s in qs if timezone.localtime(s.start).date() not in closed_days]
