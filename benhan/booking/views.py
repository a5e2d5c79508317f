"""Staff pages: the day's bookings with check-in, schedule templates, closed days, the room queue display."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from benhan.accounts.actors import current_facility, repository_for_request
from benhan.accounts.decorators import role_required
from benhan.accounts.models import Facility
from benhan.clinical.models import QueueTicket
from benhan.clinical.views.present import patient_summary
from benhan.facilities.models import Room

from .errors import BookingError
from .forms import HolidayForm, TemplateForm
from .models import Booking, Holiday, ScheduleTemplate
from .services import cancel, check_in, day_bookings, online_booking_share

FRONT_DESK = ("receptionist", "nurse", "doctor")
ADMIN = ("facility_admin",)
DISPLAY_REFRESH_SECONDS = 10


def _facility(request: HttpRequest) -> Facility:
    facility = Facility.objects.filter(code=current_facility(request)).first()
    if facility is None:
        raise PermissionDenied
    return facility


def _day(raw: str) -> date:
    try:
        return datetime.strptime(raw, "%d/%m/%Y").date()
    except ValueError:
        return timezone.localdate()


@role_required(*FRONT_DESK)
def day(request: HttpRequest) -> HttpResponse:
    facility = _facility(request)
    repo = repository_for_request(request)
    shown = _day(request.GET.get("ngay", ""))
    bookings = day_bookings(facility.code, shown)
    patients = {s.id: patient_summary(s.json())
                for s in repo.read_many("Patient", sorted({b.patient_id for b in bookings}))}
    today = timezone.localdate()
    share = online_booking_share(facility.code, today.year, today.month)
    return render(request, "booking/day.html", {
        "facility": facility, "day": shown, "is_today": shown == today, "share": share,
        "rows": [{"booking": b, "patient": patients.get(b.patient_id)} for b in bookings],
    })


def _booking(request: HttpRequest, booking_id: int) -> Booking:
    # Another facility's booking is not found: its existence is not disclosed.
    return get_object_or_404(Booking, pk=booking_id, facility=_facility(request).code)


def _back(booking: Booking) -> HttpResponse:
    shown = timezone.localtime(booking.slot.start).strftime("%d/%m/%Y")
    return redirect(f"/ui/lich-hen/?ngay={shown}")


@role_required(*FRONT_DESK)
@require_POST
def check_in_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    try:
        booking = check_in(repository_for_request(request), booking)
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã tiếp đón: số thứ tự %(number)s tại %(room)s.") % {
            "number": booking.queue_number, "room": booking.slot.room.name})
    return _back(booking)


@role_required(*FRONT_DESK)
@require_POST
def cancel_view(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking(request, booking_id)
    try:
        cancel(repository_for_request(request), booking, request.POST.get("reason", ""))
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã huỷ lịch hẹn."))
    return _back(booking)


@role_required(*ADMIN)
@require_http_methods(["GET", "POST"])
def templates_view(request: HttpRequest) -> HttpResponse:
    facility = _facility(request)
    form = TemplateForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã thêm mẫu lịch khám."))
        return redirect("booking:templates")
    templates = (ScheduleTemplate.objects.filter(facility=facility, active=True)
                 .select_related("department", "room", "doctor").order_by("weekday", "start", "room__code"))
    return render(request, "booking/templates.html", {"facility": facility, "form": form, "templates": templates})


@role_required(*ADMIN)
@require_POST
def deactivate_template(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(ScheduleTemplate, pk=template_id, facility=_facility(request))
    template.active = False
    template.save(update_fields=["active"])
    messages.success(request, _("Đã ngừng áp dụng mẫu lịch; các lịch hẹn đã đặt vẫn giữ nguyên."))
    return redirect("booking:templates")


@role_required(*ADMIN)
@require_http_methods(["GET", "POST"])
def holidays_view(request: HttpRequest) -> HttpResponse:
    facility = _facility(request)
    form = HolidayForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã thêm ngày nghỉ."))
        return redirect("booking:holidays")
    holidays = Holiday.objects.filter(facility=facility, day__gte=timezone.localdate()).order_by("day")
    return render(request, "booking/holidays.html", {"facility": facility, "form": form, "holidays": holidays})


def _boards(facility: Facility) -> list[dict[str, object]]:
    """Per exam room today: the number being seen (last called) and the numbers still waiting."""
    rooms = list(Room.objects.filter(department__facility=facility, kind=Room.Kind.EXAM, active=True)
                 .select_related("department").order_by("department__code", "code"))
    tickets: dict[str, list[QueueTicket]] = {}
    for t in QueueTicket.objects.filter(facility=facility.code, day=timezone.localdate()).order_by("number"):
        tickets.setdefault(t.room, []).append(t)
    boards: list[dict[str, object]] = []
    for room in rooms:
        mine = tickets.get(room.code, [])
        called = [t.number for t in mine if t.status != QueueTicket.Status.WAITING]
        boards.append({"room": room, "current": called[-1] if called else None,
                       "waiting": [t.number for t in mine if t.status == QueueTicket.Status.WAITING]})
    return boards


@role_required()
def queue_view(request: HttpRequest) -> HttpResponse:
    facility = _facility(request)
    return render(request, "booking/queue.html", {"facility": facility, "day": timezone.localdate(),
                                                  "boards": _boards(facility)})


@role_required()
def display_view(request: HttpRequest) -> HttpResponse:
    """The waiting-room screen: big numbers per room, reloaded by the browser every few seconds (no script)."""
    facility = _facility(request)
    return render(request, "booking/display.html", {"facility": facility, "day": timezone.localdate(),
                                                    "boards": _boards(facility), "refresh": DISPLAY_REFRESH_SECONDS})
