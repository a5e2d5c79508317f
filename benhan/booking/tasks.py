"""The reminder job: at (appointment − BOOKING_REMINDER_HOURS) it records a due Reminder for a live booking and
emits the `appointment_reminder` patient event (once per booking and start time; notifications send it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from benhan.core import events
from benhan.jobs.registry import job_handler
from benhan.jobs.worker import JobContext

from .models import Booking, Reminder


@job_handler("booking.reminder", max_attempts=3)
def record_reminder(ctx: JobContext) -> dict[str, Any]:
    """A reminder for a booking that is still booked at the same time; a cancelled or moved one is skipped."""
    booking = Booking.objects.select_related("slot", "slot__room").filter(pk=int(ctx.payload.get("booking") or 0)).first()
    start = parse_datetime(str(ctx.payload.get("start", "")))
    if booking is None or booking.status != Booking.Status.BOOKED or start is None or booking.slot.start != start:
        return {"reminder": None}
    local = timezone.localtime(booking.slot.start)
    # A job has no request: the reminder is worded in the site language (Vietnamese), whatever a previous
    # task on this worker thread left active.
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Nhắc lịch khám: %(time)s ngày %(day)s tại %(room)s.") % {
            "time": local.strftime("%H:%M"), "day": date_format(local.date(), "d/m/Y"), "room": booking.slot.room.name}
    with transaction.atomic():
        reminder, created = Reminder.objects.get_or_create(booking=booking, appointment_start=booking.slot.start,
                                                           defaults={"message": message})
        if created:  # once per appointment time: a retried or duplicated job finds the row and stays quiet
            events.emit("appointment_reminder", patient=f"Patient/{booking.patient_id}", facility=booking.facility,
                        link=f"/app/lich-hen/{booking.pk}/", appointment=booking.appointment_id, booking=booking.pk)
    return {"reminder": reminder.pk, "emitted": created}
