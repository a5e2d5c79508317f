"""Booking functions: free slots, book, cancel, reschedule, check in, and the online-booking share.

Every seat change is a conditional UPDATE of the slot row (`booked < capacity` to take, `booked > 0`
to free) and every status change a conditional UPDATE of the booking row, so concurrent callers can
neither overbook a slot nor cancel/check in one booking twice. The FHIR Appointment is written through
the caller's Repository in the same transaction.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from benhan.accounts.models import Facility
from benhan.clinical.fhirutil import BENHAN, LOCATION_SYSTEM, ref
from benhan.clinical.models import QueueTicket
from benhan.clinical.workflows.common import modify
from benhan.clinical.workflows.visits import start_outpatient_visit
from benhan.facilities.models import Department
from benhan.fhir.repository import Repository
from benhan.jobs.queue import enqueue

from .errors import BookingError, SlotFull
from .models import Booking, Slot
from .slots import open_days, open_slots

CHANNEL_SYSTEM = f"{BENHAN}/CodeSystem/kenh-dat-lich"
BOOKING_SYSTEM = f"{BENHAN}/sid/dat-lich"
REMINDER_JOB = "booking.reminder"


def reminder_hours() -> float:
    """Hours before the appointment at which its reminder falls due (setting BOOKING_REMINDER_HOURS, default 24)."""
    return float(getattr(settings, "BOOKING_REMINDER_HOURS", 24))


def free_slots(facility: Facility, department: Department, first: date, last: date,
               doctor_id: int | None = None) -> list[Slot]:
    """Bookable slots of a department (optionally one doctor's) from first to last day, inclusive."""
    if department.facility_id != facility.pk:
        raise BookingError(_("Khoa không thuộc cơ sở này."))
    if last < first:
        raise BookingError(_("Ngày kết thúc phải sau ngày bắt đầu."))
    return open_slots(facility, department, first, last, doctor_id)


def free_days(facility: Facility, department: Department, first: date, last: date,
              doctor_id: int | None = None) -> list[date]:
    """The days from first to last with a bookable slot of the department (optionally one doctor's)."""
    if department.facility_id != facility.pk:
        raise BookingError(_("Khoa không thuộc cơ sở này."))
    return open_days(facility, department, first, last, doctor_id)


def _take_seat(slot_id: int) -> None:
    if not Slot.objects.filter(pk=slot_id, booked__lt=F("capacity")).update(booked=F("booked") + 1):
        raise SlotFull(_("Khung giờ này đã hết chỗ, vui lòng chọn khung giờ khác."))


def _free_seat(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _appointment_times(appointment: dict[str, Any], slot: Slot) -> None:
    appointment["start"] = _iso(slot.start)
    appointment["end"] = _iso(slot.end)
    appointment["minutesDuration"] = int((slot.end - slot.start).total_seconds() // 60)
    appointment["serviceType"] = [{"text": slot.department.name}]
    participants = [p for p in appointment.get("participant", [])
                    if p.get("actor", {}).get("reference", "").startswith("Patient/")]
    participants.append({"actor": {"identifier": {"system": LOCATION_SYSTEM, "value": slot.room.code},
                                   "display": slot.room.name}, "status": "accepted"})
    if slot.doctor is not None:
        doctor = slot.doctor
        name = f"{doctor.last_name} {doctor.first_name}".strip() or doctor.username
        actor = ref("Practitioner", doctor.practitioner_id, name) if doctor.practitioner_id else {"display": name}
        participants.append({"actor": actor, "status": "accepted"})
    appointment["participant"] = participants


def _check_facility(repo: Repository, facility_code: str) -> None:
    if repo.facility != facility_code:
        raise BookingError(_("Lịch hẹn thuộc cơ sở khác."))


def _schedule_reminder(booking: Booking) -> None:
    due = booking.slot.start - timedelta(hours=reminder_hours())
    enqueue(REMINDER_JOB, {"booking": booking.pk, "start": booking.slot.start.isoformat()},
            run_after=max(due, timezone.now()))


def book(repo: Repository, patient_id: str, slot: Slot, channel: str = "online", *,
         now: datetime | None = None) -> Booking:
    """Take a seat in the slot for the patient; also a FHIR Appointment (booked) and a reminder job."""
    channel = str(channel)
    if channel not in Booking.Channel.values:
        raise BookingError(_("Kênh đặt lịch không hợp lệ."))
    _check_facility(repo, slot.facility)
    if slot.start <= (now or timezone.now()):
        raise BookingError(_("Khung giờ này đã qua."))
    with repo.atomic():
        _take_seat(slot.pk)
        if Booking.objects.filter(slot=slot, patient_id=patient_id, status=Booking.Status.BOOKED).exists():
            raise BookingError(_("Người bệnh đã có lịch hẹn trong khung giờ này."))
        booking = Booking.objects.create(slot=slot, facility=slot.facility, patient_id=patient_id, channel=channel)
        appointment: dict[str, Any] = {
            "resourceType": "Appointment",
            "status": "booked",
            "identifier": [{"system": BOOKING_SYSTEM, "value": f"{slot.facility}-{booking.pk}"}],
            "meta": {"tag": [{"system": CHANNEL_SYSTEM, "code": channel}]},
            "created": timezone.localdate().isoformat(),
            "participant": [{"actor": ref("Patient", patient_id), "status": "accepted"}],
        }
        _appointment_times(appointment, slot)
        stored = repo.create(appointment)
        booking.appointment_id = stored.id
        booking.save(update_fields=["appointment_id"])
        _schedule_reminder(booking)
    return booking


def _set_appointment_status(repo: Repository, appointment_id: str, status: str, reason: str = "") -> None:
    def change(appointment: dict[str, Any]) -> None:
        appointment["status"] = status
        if reason:
            appointment["cancelationReason"] = {"text": reason}
    modify(repo, "Appointment", appointment_id, change)


def cancel(repo: Repository, booking: Booking, reason: str = "") -> Booking:
    """Cancel a live booking: its seat is freed and its Appointment becomes cancelled."""
    _check_facility(repo, booking.facility)
    with repo.atomic():
        if not Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(
                status=Booking.Status.CANCELLED, cancelled_at=timezone.now()):
            raise BookingError(_("Lịch hẹn này không còn hiệu lực."))
        _free_seat(booking.slot_id)
        _set_appointment_status(repo, booking.appointment_id, "cancelled", reason)
    booking.refresh_from_db()
    return booking


def reschedule(repo: Repository, booking: Booking, new_slot: Slot, *, now: datetime | None = None) -> Booking:
    """Move a live booking to another slot; the old seat is freed only once the new one is taken."""
    _check_facility(repo, booking.facility)
    _check_facility(repo, new_slot.facility)
    if new_slot.pk == booking.slot_id:
        return booking
    if new_slot.start <= (now or timezone.now()):
        raise BookingError(_("Khung giờ này đã qua."))
    old_slot_id = booking.slot_id
    with repo.atomic():
        _take_seat(new_slot.pk)  # raises SlotFull: the transaction rolls back, the old seat stays taken
        if not Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(slot=new_slot):
            raise BookingError(_("Lịch hẹn này không còn hiệu lực."))
        _free_seat(old_slot_id)
        booking.refresh_from_db()
        modify(repo, "Appointment", booking.appointment_id, lambda a: _appointment_times(a, booking.slot))
        _schedule_reminder(booking)
    return booking


def check_in(repo: Repository, booking: Booking, *, reason: str = "") -> Booking:
    """The patient arrived: an outpatient visit in the booked room (queue number), Appointment arrived."""
    _check_facility(repo, booking.facility)
    slot = Slot.objects.select_related("room").get(pk=booking.slot_id)
    if timezone.localtime(slot.start).date() != timezone.localdate():
        raise BookingError(_("Lịch hẹn không phải hôm nay."))
    with repo.atomic():
        if not Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(
                status=Booking.Status.CHECKED_IN, checked_in_at=timezone.now()):
            raise BookingError(_("Lịch hẹn này không còn chờ tiếp đón."))
        visit = start_outpatient_visit(repo, booking.patient_id, slot.room.code, slot.room.name, reason)
        encounter_id = visit.encounter["id"]

        def link(encounter: dict[str, Any]) -> None:
            encounter["appointment"] = [ref("Appointment", booking.appointment_id)]
        modify(repo, "Encounter", encounter_id, link)
        _set_appointment_status(repo, booking.appointment_id, "arrived")
        Booking.objects.filter(pk=booking.pk).update(
            encounter_id=encounter_id, queue_number=visit.ticket.number if visit.ticket else None)
    booking.refresh_from_db()
    return booking


@dataclass(frozen=True)
class BookingShare:
    online: int  # online bookings checked in during the month
    visits: int  # every outpatient check-in (booked or walk-in) during the month

    @property
    def share(self) -> float | None:
        return self.online / self.visits if self.visits else None


def online_booking_share(facility_code: str, year: int, month: int) -> BookingShare:
    """The month's online-booking share: online bookings checked in / all outpatient check-ins (queue tickets)."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    tz = timezone.get_current_timezone()
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    online = Booking.objects.filter(facility=facility_code, channel=Booking.Channel.ONLINE,
                                    status=Booking.Status.CHECKED_IN, checked_in_at__gte=since,
                                    checked_in_at__lt=until).count()
    visits = QueueTicket.objects.filter(facility=facility_code, day__range=(first, last)).count()
    return BookingShare(online, visits)


def day_bookings(facility_code: str, day: date) -> list[Booking]:
    tz = timezone.get_current_timezone()
    since = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return list(Booking.objects.filter(facility=facility_code, slot__start__gte=since,
                                       slot__start__lt=since + timedelta(days=1))
                .select_related("slot", "slot__room", "slot__department", "slot__doctor")
                .order_by("slot__start", "pk"))
