"""The patient app's side of booking: which facilities, services and doctors a profile can book, and the
profile's own bookings. Every Appointment is read through the patient's Repository (compartment-checked,
audited); a booking id outside the profile's records is simply not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from benhan.accounts.models import Facility, User
from benhan.facilities.models import Department
from benhan.fhir.repository import Repository

from .models import Booking, ScheduleTemplate

DAYS_AHEAD = 14  # how far ahead the app offers slots
LIST_SIZE = 50


@dataclass(frozen=True)
class BookableFacility:
    facility: Facility
    patient_id: str  # the person's record at that facility: bookings are made for it


def bookable_facilities(repo: Repository, patient_ids: frozenset[str]) -> list[BookableFacility]:
    """The facilities where the profile has a record (read through the repository: the tenant is the facility)."""
    tenants = {s.tenant: s.id for s in repo.read_many("Patient", sorted(patient_ids)) if s.tenant}
    facilities = Facility.objects.filter(code__in=tenants).order_by("name")
    return [BookableFacility(f, tenants[f.code]) for f in facilities]


def facility_for(repo: Repository, patient_ids: frozenset[str], code: str) -> BookableFacility | None:
    return next((b for b in bookable_facilities(repo, patient_ids) if b.facility.code == code), None)


def departments(facility: Facility) -> list[Department]:
    """Departments (the bookable services) with an active schedule."""
    ids = ScheduleTemplate.objects.filter(facility=facility, active=True).values("department_id")
    return list(Department.objects.filter(facility=facility, active=True, pk__in=ids).order_by("name"))


def doctors(facility: Facility, department: Department) -> list[User]:
    ids = (ScheduleTemplate.objects.filter(facility=facility, department=department, active=True, doctor__isnull=False)
           .values("doctor_id"))
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name"))


def slot_window(today: date | None = None) -> tuple[date, date]:
    first = today or timezone.localdate()
    return first, first + timedelta(days=DAYS_AHEAD - 1)


def _readable(repo: Repository, bookings: list[Booking]) -> list[Booking]:
    """Keep the bookings whose Appointment the repository lets this actor read (and audit that read)."""
    readable = {s.id for s in repo.read_many("Appointment", [b.appointment_id for b in bookings if b.appointment_id])}
    return [b for b in bookings if b.appointment_id in readable]


def bookings_of(repo: Repository, patient_ids: frozenset[str]) -> list[Booking]:
    """The profile's bookings, upcoming first then the recent past."""
    rows = list(Booking.objects.filter(patient_id__in=patient_ids)
                .select_related("slot", "slot__room", "slot__department", "slot__doctor")
                .order_by("-slot__start")[:LIST_SIZE])
    now = timezone.now()
    upcoming = sorted((b for b in rows if b.slot.end >= now), key=lambda b: b.slot.start)
    return _readable(repo, upcoming + [b for b in rows if b.slot.end < now])


def booking_of(repo: Repository, patient_ids: frozenset[str], booking_id: int) -> Booking | None:
    """One of the profile's bookings, or None: another person's booking id is not found (not even refused)."""
    booking = (Booking.objects.filter(pk=booking_id, patient_id__in=patient_ids)
               .select_related("slot", "slot__room", "slot__department", "slot__doctor").first())
    if booking is None:
        return None
    return next(iter(_readable(repo, [booking])), None)
