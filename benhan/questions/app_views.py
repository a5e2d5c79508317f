"""Patient-app pages of "Hỏi bác sĩ" under /app/ho-so/<profile>/hoi-bac-si/: ask (with photos), read the thread
and write again, see a photo, join a video consultation. A question of another person is not found."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from benhan.accounts.models import User
from benhan.booking.patient import bookable_facilities
from benhan.portal.access import Opened
from benhan.portal.pages import acting_repository, opened_or_404, page, redirect_to_holder
from benhan.portal.session import account_of, patient_required

from . import services
from .errors import QuestionError
from .models import Question, VideoVisit
from .photos import photos_from
from .responses import photo_response

WRITES = ("Communication",)


def _question(opened: Opened, question_id: int) -> Question:
    question = Question.objects.filter(pk=question_id, patient_id__in=opened.patient_ids).first()
    if question is None:
        raise Http404(_("Không có câu hỏi này."))
    return question


def _author(request: HttpRequest, opened: Opened) -> str:
    return opened.profile.display_name if opened.via != "grant" else f"{opened.profile.display_name} ({account_of(request).phone})"


@require_http_methods(["GET", "POST"])
@patient_required
def questions(request: HttpRequest, profile_id: int) -> HttpResponse:
    opened = opened_or_404(request, profile_id)
    reader = acting_repository(request, opened, "", WRITES)
    places = bookable_facilities(reader, opened.patient_ids)
    doctors = list(User.objects.filter(facility__code__in=[p.facility.code for p in places], role=User.Role.DOCTOR,
                                       is_active=True).select_related("facility").order_by("facility__name", "last_name"))
    mine = services.questions_of(opened.patient_ids)
    subjects = services.subjects(reader, mine)
    context: dict[str, object] = {"places": places, "doctors": doctors, "form": request.POST,
                                  "rows": [{"question": q, "subject": subjects.get(q.pk, "")} for q in mine]}
    if request.method == "GET":
        return page(request, "questions/list.html", opened, context)
    place = next((p for p in places if p.facility.code == request.POST.get("facility")), None)
    doctor = next((d for d in doctors if str(d.pk) == request.POST.get("doctor")), None)
    try:
        if place is None:
            raise QuestionError(_("Hãy chọn cơ sở."))
        photos = photos_from(request.FILES.getlist("photos"))
        question = services.ask(acting_repository(request, opened, place.facility.code, WRITES), account_of(request),
                                place.facility, place.patient_id, request.POST.get("subject", ""),
                                request.POST.get("text", ""), photos, doctor, author=_author(request, opened))
    except QuestionError as exc:
        return page(request, "questions/list.html", opened, {**context, "error": str(exc)}, 400)
    return HttpResponseRedirect(reverse("questions_app:thread", args=[profile_id, question.pk]))


@require_http_methods(["GET", "POST"])
@patient_required
def thread(request: HttpRequest, profile_id: int, question_id: int) -> HttpResponse:
    opened = opened_or_404(request, profile_id)
    question = _question(opened, question_id)
    repo = acting_repository(request, opened, question.facility, WRITES)
    error = ""
    if request.method == "POST":
        try:
            services.follow_up(repo, question, request.POST.get("text", ""), photos_from(request.FILES.getlist("photos")),
                               author=_author(request, opened))
            return HttpResponseRedirect(reverse("questions_app:thread", args=[profile_id, question.pk]))
        except QuestionError as exc:
            error = str(exc)
    context = {"question": question, "entries": services.thread(repo, question),
               "subject": services.subjects(repo, [question]).get(question.pk, ""),
               "videos": list(question.videos.all()), "error": error}
    return page(request, "questions/thread.html", opened, context, 400 if error else 200)


@require_GET
@patient_required
def photo(request: HttpRequest, profile_id: int, question_id: int, binary_id: str) -> HttpResponse:
    opened = opened_or_404(request, profile_id)
    question = _question(opened, question_id)
    found = services.photo(acting_repository(request, opened, question.facility, WRITES), question, binary_id)
    if found is None:
        raise Http404(_("Không có ảnh này."))
    return photo_response(*found)


@require_GET
@patient_required
def join_video(request: HttpRequest, profile_id: int, question_id: int, video_id: int) -> HttpResponse:
    opened = opened_or_404(request, profile_id)
    visit = VideoVisit.objects.filter(pk=video_id, question=_question(opened, question_id)).first()
    if visit is None:
        raise Http404
    url = services.join_url(visit, display_name=opened.profile.display_name, moderator=False)
    if url is None:
        return page(request, "questions/video_closed.html", opened, {"visit": visit}, 409)
    return HttpResponseRedirect(url)


@require_GET
@patient_required
def open_question(request: HttpRequest, question_id: int) -> HttpResponse:
    """A notification's link carries no profile: open the thread in whichever profile of this phone holds it."""
    patient_id = Question.objects.filter(pk=question_id).values_list("patient_id", flat=True).first()
    return redirect_to_holder(request, patient_id, "questions_app:thread", question_id)
