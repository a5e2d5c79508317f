"""Patient-app booking pages under /app/ho-so/<profile>/lich-hen/: choose facility → service → doctor → slot,
see, cancel and move one's bookings, and the queue number once reception has checked the patient in."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benhan.portal.access import Opened
from benhan.portal.pages import acting_repository, opened_or_404, page, redirect_to_holder
from benhan.portal.session import patient_required

from . import patient
from .errors import BookingError
from .models import Booking
from .services import book, cancel, free_days, free_slots, reschedule

WRITES = ("Appointment",)


def _int(raw: str | None) -> int | None:
    try:
        return int(raw or "")
    except ValueError:
        return None


def _owned(request: HttpRequest, opened: Opened, booking_id: int) -> Booking:
    found = patient.booking_of(acting_repository(request, opened, "", WRITES), opened.patient_ids, booking_id)
    if found is None:
        raise Http404(_("Không có lịch hẹn này."))
    return found


@require_GET
@patient_required
def bookings(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = opened_or_404(request, profile_id)
    repo = acting_repository(request, opened, "", WRITES)
    return page(request, "booking/list.html", opened, {"bookings": patient.bookings_of(repo, opened.patient_ids)})


@require_http_methods(["GET", "POST"])
@patient_required
def choose(request: HttpRequest, profile_id: int) -> HttpResponse:
    """One page, one step at a time (plain links, no script): facility, service, doctor, then the free slots.
    With `doi=<booking>` the chosen slot moves that booking instead of making a new one."""
    opened = opened_or_404(request, profile_id)
    repo = acting_repository(request, opened, "", WRITES)
    params = request.POST if request.method == "POST" else request.GET
    moving = _owned(request, opened, _int(params.get("doi")) or 0) if params.get("doi") else None
    places = patient.bookable_facilities(repo, opened.patient_ids)
    code = moving.facility if moving else params.get("co-so", "")
    chosen = next((p for p in places if p.facility.code == code), None)
    context: dict[str, object] = {"places": places, "chosen": chosen, "moving": moving}
    if chosen is None:
        return page(request, "booking/choose.html", opened, context)
    services = patient.departments(chosen.facility)
    dept_id = moving.slot.department_id if moving else _int(params.get("khoa"))
    department = next((d for d in services if d.pk == dept_id), None)
    context.update(services=services, department=department)
    if department is None:
        return page(request, "booking/choose.html", opened, context)
    doctor_id = _int(params.get("bac-si"))
    first, last = patient.slot_window()
    days = free_days(chosen.facility, department, first, last, doctor_id)
    day = next((d for d in days if d.isoformat() == params.get("ngay")), days[0] if days else None)
    slots = free_slots(chosen.facility, department, day, day, doctor_id) if day else []
    context.update(doctors=patient.doctors(chosen.facility, department), doctor_id=doctor_id, days=days, day=day,
                   slots=slots)
    if request.method == "GET":
        return page(request, "booking/choose.html", opened, context)
    slot = next((s for s in slots if s.pk == _int(params.get("slot"))), None)
    if slot is None:
        return page(request, "booking/choose.html", opened, {**context, "error": _("Hãy chọn một khung giờ còn chỗ.")}, 400)
    writer = acting_repository(request, opened, chosen.facility.code, WRITES)
    try:
        done = reschedule(writer, moving, slot) if moving else book(writer, chosen.patient_id, slot, "online")
    except BookingError as exc:
        fresh = free_slots(chosen.facility, department, day, day, doctor_id) if day else []
        return page(request, "booking/choose.html", opened, {**context, "slots": fresh, "error": str(exc)}, 409)
    return HttpResponseRedirect(reverse("booking_app:detail", args=[profile_id, done.pk]))


@require_GET
@patient_required
def detail(request: HttpRequest, profile_id: int, booking_id: int) -> HttpResponse:
    opened = opened_or_404(request, profile_id)
    return page(request, "booking/detail.html", opened, {"booking": _owned(request, opened, booking_id)})


@require_POST
@patient_required
def cancel_view(request: HttpRequest, profile_id: int, booking_id: int) -> HttpResponse:
    opened = opened_or_404(request, profile_id)
    booking = _owned(request, opened, booking_id)
    try:
        cancel(acting_repository(request, opened, booking.facility, WRITES), booking, _("Người bệnh huỷ trên ứng dụng"))
    except BookingError as exc:
        return page(request, "booking/detail.html", opened, {"booking": booking, "error": str(exc)}, 409)
    return HttpResponseRedirect(reverse("booking_app:detail", args=[profile_id, booking.pk]))



@require_GET
@patient_required
def open_booking(request: HttpRequest, booking_id: int) -> HttpResponse:
    """A notification's link carries no profile: open the booking in whichever profile of this phone holds it."""
    patient_id = Booking.objects.filter(pk=booking_id).values_list("patient_id", flat=True).first()
    return redirect_to_holder(request, patient_id, "booking_app:detail", booking_id)
