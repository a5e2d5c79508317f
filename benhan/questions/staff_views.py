"""Staff pages under /ui/hoi-dap/: the triage queue (overdue first), a thread with the answer form, closing,
photos, and booking a video consultation. Another facility's question is 404."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benhan.accounts.actors import current_facility, repository_for_request
from benhan.accounts.decorators import role_required
from benhan.accounts.models import User

from . import services
from .errors import QuestionError
from .models import Question, VideoVisit
from .responses import photo_response

TRIAGE = ("doctor", "nurse")


def _question(request: HttpRequest, question_id: int) -> Question:
    return get_object_or_404(Question, pk=question_id, facility=current_facility(request))


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@role_required(*TRIAGE)
@require_GET
def queue_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("trang-thai", "open")
    if status not in Question.Status.values:
        status = "open"
    rows = services.queue(current_facility(request), status)
    subjects = services.subjects(repository_for_request(request), rows)
    return render(request, "questions/queue.html", {
        "rows": [{"question": q, "subject": subjects.get(q.pk, "")} for q in rows], "status": status,
        "statuses": Question.Status.choices, "target_hours": services.response_hours()})


@role_required(*TRIAGE)
@require_http_methods(["GET", "POST"])
def thread_view(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    repo = repository_for_request(request)
    if request.method == "POST":
        try:
            services.answer(repo, question, _staff(request), request.POST.get("text", ""))
        except QuestionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã gửi câu trả lời."))
        return HttpResponseRedirect(reverse("questions:thread", args=[question.pk]))
    return render(request, "questions/thread.html", {
        "question": question, "entries": services.thread(repo, question),
        "subject": services.subjects(repo, [question]).get(question.pk, ""), "videos": list(question.videos.all())})


@role_required(*TRIAGE)
@require_POST
def close_view(request: HttpRequest, question_id: int) -> HttpResponse:
    services.close(_question(request, question_id))
    messages.success(request, _("Đã đóng câu hỏi."))
    return HttpResponseRedirect(reverse("questions:queue"))


@role_required(*TRIAGE)
@require_GET
def photo_view(request: HttpRequest, question_id: int, binary_id: str) -> HttpResponse:
    found = services.photo(repository_for_request(request), _question(request, question_id), binary_id)
    if found is None:
        raise Http404
    return photo_response(*found)


@role_required(*TRIAGE)
@require_POST
def video_view(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    try:
        start = timezone.make_aware(datetime.strptime(request.POST.get("start", "").strip(), "%H:%M %d/%m/%Y"))
    except ValueError:
        messages.error(request, _("Nhập thời gian dạng giờ:phút ngày/tháng/năm, ví dụ 14:30 25/12/2026."))
        return HttpResponseRedirect(reverse("questions:thread", args=[question.pk]))
    try:
        services.schedule_video(repository_for_request(request), question, _staff(request), start)
    except QuestionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã hẹn tư vấn video."))
    return HttpResponseRedirect(reverse("questions:thread", args=[question.pk]))


@role_required(*TRIAGE)
@require_GET
def join_view(request: HttpRequest, question_id: int, video_id: int) -> HttpResponse:
    visit = get_object_or_404(VideoVisit, pk=video_id, question=_question(request, question_id))
    user = _staff(request)
    url = services.join_url(visit, display_name=f"{user.last_name} {user.first_name}".strip() or user.username,
                            moderator=True)
    if url is None:
        messages.error(request, _("Chưa đến giờ hẹn hoặc cuộc hẹn đã kết thúc."))
        return HttpResponseRedirect(reverse("questions:thread", args=[question_id]))
    return HttpResponseRedirect(url)
