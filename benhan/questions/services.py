"""Questions as plain functions over the caller's Repository: ask, follow up, answer, close, read a thread,
read a photo, book a video consultation. Each write is one transaction: Binaries, the Communication and the
bookkeeping rows are stored together or not at all."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from benhan.accounts.models import Facility, User
from benhan.booking.services import reminder_hours
from benhan.clinical.fhirutil import BENHAN, ref
from benhan.core import events
from benhan.fhir.access import Actor
from benhan.fhir.repository import Repository
from benhan.jobs.queue import enqueue
from benhan.portal.models import Account

from .errors import QuestionError
from .models import Message, Question, VideoVisit
from .photos import Photo
from .video import configured_provider, new_room

CATEGORY = {"coding": [{"system": f"{BENHAN}/CodeSystem/loai-trao-doi", "code": "hoi-bac-si",
                        "display": "Hỏi bác sĩ"}]}
MAX_TEXT = 4000
VIDEO_REMINDER_JOB = "questions.video_reminder"


def response_hours() -> float:
    """The response-time target (setting QUESTIONS_RESPONSE_HOURS, default 24)."""
    return float(getattr(settings, "QUESTIONS_RESPONSE_HOURS", 24))


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise QuestionError(_("Hãy nhập nội dung."))
    if len(text) > MAX_TEXT:
        raise QuestionError(_("Nội dung dài quá %(n)s ký tự.") % {"n": MAX_TEXT})
    return text


def _doctor_name(user: User) -> str:
    return f"{user.last_name} {user.first_name}".strip() or user.username


def _staff_ref(user: User) -> dict[str, Any]:
    return ref("Practitioner", user.practitioner_id, _doctor_name(user)) if user.practitioner_id else {
        "display": _doctor_name(user)}


def _store_photos(facility: str, patient_id: str, photos: list[Photo], acting: Repository) -> list[dict[str, Any]]:
    """Binary is outside the R4 Patient compartment, so a patient actor cannot write it: a system repository
    does, with the patient as securityContext, and the patient's repository records that it happened."""
    system = Repository(Actor.system("questions-photo"), facility)
    attachments = []
    for photo in photos:
        stored = system.create({"resourceType": "Binary", "contentType": photo.content_type,
                                "securityContext": ref("Patient", patient_id),
                                "data": base64.b64encode(photo.data).decode()})
        acting.audit_event("create", resource_type="Binary", resource_id=stored.id, patient_id=patient_id)
        attachments.append({"contentAttachment": {"contentType": photo.content_type, "url": f"Binary/{stored.id}",
                                                  "size": len(photo.data), "title": photo.name}})
    return attachments


def _communication(patient_id: str, text: str, *, sender: dict[str, Any], recipient: dict[str, Any],
                   reply_to: str = "", status: str = "completed") -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Communication", "status": status, "category": [CATEGORY],
        "subject": ref("Patient", patient_id),
        "sent": timezone.localtime().isoformat(timespec="seconds"),
        "sender": sender, "recipient": [recipient], "payload": [{"contentString": text}],
    }
    if reply_to:
        resource["inResponseTo"] = [ref("Communication", reply_to)]
    return resource


def ask(repo: Repository, account: Account, facility: Facility, patient_id: str, subject: str, text: str,
        photos: list[Photo], doctor: User | None = None, *, author: str = "") -> Question:
    """A new thread. `repo` is the patient's (facility = the facility asked), allowed to write Communication."""
    if repo.facility != facility.code:
        raise QuestionError(_("Câu hỏi thuộc cơ sở khác."))
    if doctor is not None and (doctor.facility_id != facility.pk or doctor.role != User.Role.DOCTOR):
        raise QuestionError(_("Bác sĩ không thuộc cơ sở này."))
    subject, text = _clean(subject)[:200], _clean(text)
    recipient = _staff_ref(doctor) if doctor else {"display": facility.name}
    now = timezone.now()
    with repo.atomic():
        payload = _store_photos(facility.code, patient_id, photos, repo)
        communication = _communication(patient_id, text, sender=ref("Patient", patient_id), recipient=recipient,
                                       status="in-progress")
        communication["topic"] = {"text": subject}
        communication["payload"] += payload
        stored = repo.create(communication)
        question = Question.objects.create(facility=facility.code, patient_id=patient_id, asked_by=account,
                                           doctor=doctor, created=now, waiting_since=now,
                                           due=now + timedelta(hours=response_hours()))
        Message.objects.create(question=question, communication_id=stored.id, from_patient=True,
                               author=author or account.phone, created=now)
    return question


def follow_up(repo: Repository, question: Question, text: str, photos: list[Photo], *, author: str) -> Message:
    """The patient writes again in the thread: it waits for staff again (a closed thread stays closed)."""
    if question.status == Question.Status.CLOSED:
        raise QuestionError(_("Câu hỏi đã đóng; hãy gửi câu hỏi mới."))
    text = _clean(text)
    first = question.messages.first()
    now = timezone.now()
    with repo.atomic():
        payload = _store_photos(question.facility, question.patient_id, photos, repo)
        communication = _communication(question.patient_id, text, sender=ref("Patient", question.patient_id),
                                       recipient={"display": _("Cơ sở")},
                                       reply_to=first.communication_id if first else "", status="in-progress")
        communication["payload"] += payload
        stored = repo.create(communication)
        message = Message.objects.create(question=question, communication_id=stored.id, from_patient=True,
                                         author=author, created=now)
        if Question.objects.filter(pk=question.pk, status=Question.Status.ANSWERED).update(
                status=Question.Status.OPEN, waiting_since=now, due=now + timedelta(hours=response_hours())):
            question.refresh_from_db()
    return message


def answer(repo: Repository, question: Question, staff: User, text: str) -> Message:
    """Staff answer: a Communication to the patient in the patient's record (so the chart holds it too), the
    thread marked answered, and the `question_answered` event (in the same transaction)."""
    if repo.facility != question.facility:
        raise QuestionError(_("Câu hỏi thuộc cơ sở khác."))
    if question.status == Question.Status.CLOSED:
        raise QuestionError(_("Câu hỏi đã đóng."))
    text = _clean(text)
    first = question.messages.first()
    now = timezone.now()
    with repo.atomic():
        stored = repo.create(_communication(question.patient_id, text, sender=_staff_ref(staff),
                                            recipient=ref("Patient", question.patient_id),
                                            reply_to=first.communication_id if first else ""))
        message = Message.objects.create(question=question, communication_id=stored.id, from_patient=False,
                                         author=_doctor_name(staff), created=now)
        Question.objects.filter(pk=question.pk, first_answer_at__isnull=True).update(first_answer_at=now)
        Question.objects.filter(pk=question.pk).exclude(status=Question.Status.CLOSED).update(
            status=Question.Status.ANSWERED)
        events.emit("question_answered", patient=f"Patient/{question.patient_id}", facility=question.facility,
                    link=f"/app/hoi-bac-si/{question.pk}/", question=question.pk)
    question.refresh_from_db()
    return message


def close(question: Question) -> Question:
    Question.objects.filter(pk=question.pk).exclude(status=Question.Status.CLOSED).update(
        status=Question.Status.CLOSED, closed_at=timezone.now())
    question.refresh_from_db()
    return question


@dataclass
class Entry:
    message: Message
    text: str
    photos: list[dict[str, Any]] = field(default_factory=list)  # {id, contentType, title}


def thread(repo: Repository, question: Question) -> list[Entry]:
    """The messages, read through the caller's repository (audited; another person's thread is refused)."""
    messages = list(question.messages.all())
    found = {s.id: s.json() for s in repo.read_many("Communication", [m.communication_id for m in messages])}
    out = []
    for m in messages:
        resource = found.get(m.communication_id)
        if resource is None:
            continue
        texts = [p["contentString"] for p in resource.get("payload", []) if "contentString" in p]
        photos = [{"id": a["url"].split("/", 1)[1], "contentType": a.get("contentType", ""), "title": a.get("title", "")}
                  for p in resource.get("payload", []) if (a := p.get("contentAttachment"))
                  and str(a.get("url", "")).startswith("Binary/")]
        out.append(Entry(m, "\n".join(texts), photos))
    return out


def photo(repo: Repository, question: Question, binary_id: str) -> tuple[str, bytes] | None:
    """A photo of the thread: only a Binary that one of the thread's Communications (read through `repo`)
    points to; read by a system repository (Binary is outside the Patient compartment), the read audited for
    the caller."""
    if not any(p["id"] == binary_id for e in thread(repo, question) for p in e.photos):
        return None
    stored = Repository(Actor.system("questions-photo"), question.facility).read("Binary", binary_id)
    repo.audit_event("read", resource_type="Binary", resource_id=binary_id, patient_id=question.patient_id)
    binary = stored.json()
    return str(binary.get("contentType", "application/octet-stream")), base64.b64decode(binary.get("data", ""))


def schedule_video(repo: Repository, question: Question, staff: User, start: datetime, minutes: int = 15) -> VideoVisit:
    """A video consultation on the thread: a FHIR Appointment (booked) for the patient and the staff member."""
    if repo.facility != question.facility:
        raise QuestionError(_("Câu hỏi thuộc cơ sở khác."))
    if start <= timezone.now():
        raise QuestionError(_("Thời gian hẹn phải ở tương lai."))
    if not 5 <= minutes <= 120:
        raise QuestionError(_("Thời lượng từ 5 đến 120 phút."))
    end = start + timedelta(minutes=minutes)
    with repo.atomic():
        stored = repo.create({
            "resourceType": "Appointment", "status": "booked",
            "serviceType": [{"text": "Tư vấn trực tuyến qua video"}],
            "appointmentType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                                            "code": "ROUTINE"}]},
            "description": "Tư vấn trực tuyến",
            "start": timezone.localtime(start).isoformat(timespec="seconds"),
            "end": timezone.localtime(end).isoformat(timespec="seconds"), "minutesDuration": minutes,
            "participant": [{"actor": ref("Patient", question.patient_id), "status": "accepted"},
                            {"actor": _staff_ref(staff), "status": "accepted"}],
        })
        visit = VideoVisit.objects.create(question=question, appointment_id=stored.id, room=new_room(), start=start,
                                          end=end, created_by=staff)
        enqueue(VIDEO_REMINDER_JOB, {"video": visit.pk},
                run_after=max(start - timedelta(hours=reminder_hours()), timezone.now()))
    return visit


def join_url(visit: VideoVisit, *, display_name: str, moderator: bool) -> str | None:
    """The signed join link, made at click time (never stored); None outside the appointment's window."""
    now = timezone.now()
    if not (visit.start - timedelta(minutes=15) <= now <= visit.end):
        return None
    return configured_provider().join_url(visit.room, display_name=display_name, moderator=moderator,
                                          starts=visit.start, ends=visit.end)


def queue(facility_code: str, status: str = "open") -> list[Question]:
    """Staff triage list: the waiting threads, the most overdue first."""
    qs = Question.objects.filter(facility=facility_code).select_related("doctor")
    if status == "open":
        return list(qs.filter(status=Question.Status.OPEN).order_by("due", "pk"))
    return list(qs.filter(status=status).order_by("-created")[:200])


def questions_of(patient_ids: frozenset[str]) -> list[Question]:
    return list(Question.objects.filter(patient_id__in=patient_ids).order_by("-created")[:100])


def subjects(repo: Repository, questions: list[Question]) -> dict[int, str]:
    """Each thread's subject, from its first Communication read through `repo` (one query, audited)."""
    firsts: dict[int, str] = {}
    for m in Message.objects.filter(question__in=questions).order_by("created", "pk"):
        firsts.setdefault(m.question_id, m.communication_id)
    found = {s.id: s.json() for s in repo.read_many("Communication", list(firsts.values()))}
    return {pk: str((found.get(cid) or {}).get("topic", {}).get("text", "")) for pk, cid in firsts.items()
            if cid in found}
