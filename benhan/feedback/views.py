"""Feedback pages: the patient's at /app/gop-y/, the staff's triage at /ui/gop-y/ (own facility only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benhan.accounts.actors import current_facility
from benhan.accounts.decorators import role_required
from benhan.accounts.models import Facility, User
from benhan.portal.models import LinkedRecord
from benhan.portal.session import account_of, patient_required

from . import figures, services
from .models import Feedback

STAFF = ("facility_admin", "quality", "receptionist", "nurse")
LIST_SIZE = 100  # the oldest open ones first: those are the ones to act on


@require_http_methods(["GET", "POST"])
@patient_required
def send_view(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    facilities = list(Facility.objects.order_by("name"))
    context: dict[str, object] = {"facilities": facilities, "categories": Feedback.Category.choices,
                                  "sent": services.sent_by(account), "form": request.POST, "ratings": range(5, 0, -1)}
    if request.method == "GET":
        return render(request, "portal/feedback/send.html", context)
    facility = next((f for f in facilities if f.code == request.POST.get("facility")), None)
    anonymous = request.POST.get("anonymous") == "1"
    try:
        if facility is None:
            raise services.FeedbackError(_("Hãy chọn cơ sở."))
        rating = int(request.POST.get("rating", "0") or 0)
        own = (LinkedRecord.objects.filter(profile__account=account, profile__relation="self", facility=facility.code)
               .values_list("patient_id", flat=True).first())
        services.send(facility, request.POST.get("category", ""), rating, request.POST.get("text", ""),
                      account=account, patient_id=own or "", anonymous=anonymous)
    except ValueError:
        return render(request, "portal/feedback/send.html", {**context, "error": _("Hãy chọn mức đánh giá từ 1 đến 5 sao.")}, status=400)
    except services.FeedbackError as exc:
        return render(request, "portal/feedback/send.html", {**context, "error": str(exc)}, status=400)
    return render(request, "portal/feedback/thanks.html", {"anonymous": anonymous})


def _feedback(request: HttpRequest, feedback_id: int) -> Feedback:
    return get_object_or_404(Feedback, pk=feedback_id, facility=current_facility(request))


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@role_required(*STAFF)
@require_GET
def queue_view(request: HttpRequest) -> HttpResponse:
    facility = current_facility(request)
    status = request.GET.get("trang-thai", "")
    rows = Feedback.objects.filter(facility=facility)
    if status in Feedback.Status.values:
        rows = rows.filter(status=status)
    else:
        rows = rows.exclude(status=Feedback.Status.CLOSED)
    return render(request, "feedback/queue.html", {
        "rows": rows.order_by("created")[:LIST_SIZE], "status": status, "statuses": Feedback.Status.choices,
        "counts": figures.counts_by_status(facility), "months": figures.response_times_by_month(facility, 3)})


@role_required(*STAFF)
@require_GET
def detail_view(request: HttpRequest, feedback_id: int) -> HttpResponse:
    return render(request, "feedback/detail.html", {"feedback": _feedback(request, feedback_id)})


@role_required(*STAFF)
@require_POST
def act_view(request: HttpRequest, feedback_id: int) -> HttpResponse:
    feedback = _feedback(request, feedback_id)
    action = request.POST.get("action")
    try:
        if action == "triage":
            services.triage(feedback, request.POST.get("assigned_to", ""))
        elif action == "respond":
            services.respond(feedback, _staff(request), request.POST.get("response", ""))
        elif action == "close":
            services.close(feedback)
            messages.success(request, _("Đã đóng góp ý."))
            return HttpResponseRedirect(reverse("feedback:queue"))
    except services.FeedbackError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("feedback:detail", args=[feedback.pk]))
