"""Ask the doctor: a question with photos stored as Communication + Binary through the repository, the staff
queue with its response-time target, the answer in the patient's thread and record, video links, and nobody
reaching another person's question or photo by changing an id."""

from __future__ import annotations

import base64
import io
import os
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import OctKey
from PIL import Image

from benhan.accounts.actors import actor_for_user
from benhan.core.events import patient_event
from benhan.fhir.models import AuditRow, ResourceRow
from benhan.fhir.repository import Repository
from benhan.questions import services
from benhan.questions.errors import QuestionError
from benhan.questions.models import Question, VideoVisit
from benhan.questions.photos import check_photo
from tests.booking.app_support import AN_PHONE, BICH_PHONE, AppWorld

pytestmark = pytest.mark.django_db


def png(width: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, 30), "red").save(out, "PNG")
    return out.getvalue()


def noisy_png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30000)).save(out, "PNG")
    return out.getvalue()


def _ask(client: Any, world: AppWorld, *, photos: list[tuple[str, bytes, str]] = (), **extra: str) -> Any:  # type: ignore[assignment]
    files = [SimpleUploadedFile(name, data, content_type=ctype) for name, data, ctype in photos]
    return client.post(f"/app/ho-so/{world.an_opened.profile.pk}/hoi-bac-si/", {
        "facility": world.facility.code, "subject": "Đau đầu sau khi uống thuốc", "text": "Tôi bị đau đầu mỗi sáng.",
        "photos": files, **extra})


def _question(world: AppWorld) -> Question:
    return Question.objects.get(patient_id=world.an)


def test_a_question_with_a_photo_is_stored_as_a_communication_and_a_binary_through_the_repository(app_world, phone) -> None:
    client = phone(AN_PHONE)
    response = _ask(client, app_world, photos=[("da.png", png(), "image/png")], doctor=str(app_world.doctor.pk))
    question = _question(app_world)
    assert response.status_code == 302 and response["Location"].endswith(f"/hoi-bac-si/{question.pk}/")
    assert question.doctor == app_world.doctor and question.status == "open"
    assert question.due == question.created + timedelta(hours=24)
    staff = Repository(actor_for_user(app_world.nurse), app_world.facility.code)
    communication = staff.read("Communication", question.messages.get().communication_id).json()
    assert communication["subject"]["reference"] == f"Patient/{app_world.an}"
    assert communication["topic"]["text"] == "Đau đầu sau khi uống thuốc"
    attachment = communication["payload"][1]["contentAttachment"]
    assert attachment["contentType"] == "image/png" and attachment["url"].startswith("Binary/")
    binary = staff.read("Binary", attachment["url"].split("/")[1]).json()
    assert base64.b64decode(binary["data"]) == png() and binary["securityContext"]["reference"] == f"Patient/{app_world.an}"
    assert AuditRow.objects.filter(actor_kind="patient", resource_type="Communication", interaction="create").exists()
    thread = client.get(response["Location"]).content.decode()
    assert "Tôi bị đau đầu mỗi sáng." in thread and "Xem ảnh 1" in thread
    photo = client.get(f"{response['Location']}anh/{binary['id']}/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png" and photo.content == png()
    assert photo["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name,data,ctype", [
    ("tho.png", b"MZ\x90\x00 not an image at all", "image/png"),  # a claimed type the bytes are not
    ("anh.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
])
def test_a_file_that_is_not_an_accepted_image_is_refused_and_nothing_is_stored(app_world, phone, name, data, ctype) -> None:
    response = _ask(phone(AN_PHONE), app_world, photos=[("ok.png", png(), "image/png"), (name, data, ctype)])
    assert response.status_code == 400 and "không phải ảnh" in response.content.decode()
    assert not Question.objects.exists()
    assert not ResourceRow.objects.filter(resource_type__in=["Binary", "Communication"]).exists()


def test_a_photo_larger_than_the_limit_is_refused(settings) -> None:
    settings.QUESTIONS_PHOTO_MAX_BYTES = 10 * 1024
    assert check_photo("nho.png", png()).content_type == "image/png"
    with pytest.raises(QuestionError, match="lớn quá 10 KB"):
        check_photo("to.png", noisy_png())


def test_the_staff_queue_marks_a_question_past_its_response_target_as_overdue(app_world, phone, staff_client, settings) -> None:
    settings.QUESTIONS_RESPONSE_HOURS = 2
    _ask(phone(AN_PHONE), app_world)
    question = _question(app_world)
    page = staff_client(app_world.nurse).get("/ui/hoi-dap/").content.decode()
    assert "Đau đầu sau khi uống thuốc" in page and "Mục tiêu trả lời trong 2 giờ" in page
    assert 'data-testid="overdue"' not in page
    Question.objects.filter(pk=question.pk).update(due=timezone.now() - timedelta(minutes=1))
    assert 'data-testid="overdue"' in staff_client(app_world.nurse).get("/ui/hoi-dap/").content.decode()
    # Another facility's staff do not see it, nor open it by its id.
    other = staff_client(app_world.other_nurse)
    assert "Đau đầu" not in other.get("/ui/hoi-dap/").content.decode()
    assert other.get(f"/ui/hoi-dap/{question.pk}/").status_code == 404


def test_the_answer_reaches_the_patients_thread_and_record_and_emits_question_answered(app_world, phone, staff_client) -> None:
    client = phone(AN_PHONE)
    _ask(client, app_world)
    question = _question(app_world)
    received: list[dict[str, Any]] = []

    def listen(sender: str, **kwargs: Any) -> None:
        received.append(kwargs)
    patient_event.connect(listen)
    try:
        response = staff_client(app_world.nurse).post(f"/ui/hoi-dap/{question.pk}/", {"text": "Anh hãy đo huyết áp buổi sáng."})
    finally:
        patient_event.disconnect(listen)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == "answered" and question.first_answer_at is not None
    assert [(r["kind"], r["patient"], r["link"]) for r in received] == [
        ("question_answered", f"Patient/{app_world.an}", f"/app/hoi-bac-si/{question.pk}/")]
    thread = client.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/hoi-bac-si/{question.pk}/").content.decode()
    assert "Anh hãy đo huyết áp buổi sáng." in thread and 'data-testid="answer"' in thread
    # In the chart: a Communication in the patient's record, in reply to the question.
    from benhan.fhir.search import search

    found = search(Repository(actor_for_user(app_world.doctor), "01001"), "Communication",
                   [("subject", f"Patient/{app_world.an}")], base_url="http://x/fhir")
    answers = [e.stored().json() for e in found.entries if e.stored().json().get("inResponseTo")]
    assert len(answers) == 1 and answers[0]["payload"][0]["contentString"] == "Anh hãy đo huyết áp buổi sáng."
    # The patient writes again: the thread waits for staff again.
    client.post(f"/app/ho-so/{app_world.an_opened.profile.pk}/hoi-bac-si/{question.pk}/", {"text": "Cảm ơn bác sĩ."})
    question.refresh_from_db()
    assert question.status == "open"


def test_another_persons_question_and_photo_cannot_be_opened_by_changing_ids(app_world, phone) -> None:
    an = phone(AN_PHONE)
    _ask(an, app_world, photos=[("da.png", png(), "image/png")])
    question = _question(app_world)
    binary = services.thread(Repository(actor_for_user(app_world.nurse), "01001"), question)[0].photos[0]["id"]
    bich = phone(BICH_PHONE)
    mine = f"/app/ho-so/{app_world.bich_opened.profile.pk}/hoi-bac-si/"
    assert bich.get(f"{mine}{question.pk}/").status_code == 404
    assert bich.get(f"{mine}{question.pk}/anh/{binary}/").status_code == 404
    assert bich.post(f"{mine}{question.pk}/", {"text": "xen vào"}).status_code == 404
    assert bich.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/hoi-bac-si/{question.pk}/").status_code == 404
    assert bich.get(f"/app/hoi-bac-si/{question.pk}/").status_code == 404
    # Bích's own thread cannot serve An's photo either: a Binary is served only when the thread points to it.
    bich.post(mine, {"facility": "01001", "subject": "Hỏi", "text": "Câu hỏi của Bích"})
    own = Question.objects.get(patient_id=app_world.bich)
    assert bich.get(f"{mine}{own.pk}/anh/{binary}/").status_code == 404


def test_a_video_consultation_gives_each_side_a_signed_join_link_in_its_time_window(app_world, phone, staff_client, settings) -> None:
    settings.QUESTIONS_VIDEO_URL = "https://video.benhan.test"
    settings.QUESTIONS_VIDEO_APP_ID = "benhan"
    settings.QUESTIONS_VIDEO_SECRET = "bi-mat-cua-may-chu-video-0123456789"
    client = phone(AN_PHONE)
    _ask(client, app_world)
    question = _question(app_world)
    start = timezone.localtime() + timedelta(minutes=10)
    response = staff_client(app_world.nurse).post(f"/ui/hoi-dap/{question.pk}/video/",
                                                  {"start": start.strftime("%H:%M %d/%m/%Y")})
    assert response.status_code == 302
    visit = VideoVisit.objects.get(question=question)
    appointment = app_world.repo.read("Appointment", visit.appointment_id).json()
    assert appointment["status"] == "booked" and appointment["participant"][0]["actor"]["reference"] == f"Patient/{app_world.an}"
    join = client.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/hoi-bac-si/{question.pk}/video/{visit.pk}/")
    assert join.status_code == 302 and join["Location"].startswith(f"https://video.benhan.test/{visit.room}?jwt=")
    token = jwt.decode(join["Location"].split("jwt=")[1], OctKey.import_key(settings.QUESTIONS_VIDEO_SECRET))
    assert token.claims["room"] == visit.room and token.claims["moderator"] is False
    assert token.claims["context"]["user"]["name"] == "Nguyễn Văn An" and token.claims["aud"] == "jitsi"
    staff_join = staff_client(app_world.nurse).get(f"/ui/hoi-dap/{question.pk}/video/{visit.pk}/")
    staff_token = jwt.decode(staff_join["Location"].split("jwt=")[1], OctKey.import_key(settings.QUESTIONS_VIDEO_SECRET))
    assert staff_token.claims["moderator"] is True
    with pytest.raises(BadSignatureError):  # a token signed with another secret is refused by the provider
        jwt.decode(join["Location"].split("jwt=")[1], OctKey.import_key("mot-bi-mat-khac-hoan-toan-0123456789"))
    VideoVisit.objects.filter(pk=visit.pk).update(start=timezone.now() + timedelta(hours=2),
                                                  end=timezone.now() + timedelta(hours=3))
    late = client.get(f"/app/ho-so/{app_world.an_opened.profile.pk}/hoi-bac-si/{question.pk}/video/{visit.pk}/")
    assert late.status_code == 409


def test_a_video_consultation_is_reminded_once_like_a_booked_visit(app_world, phone, settings) -> None:
    from benhan.jobs.models import Job
    from benhan.jobs.worker import Worker

    settings.BOOKING_REMINDER_HOURS = 24
    _ask(phone(AN_PHONE), app_world)
    question = _question(app_world)
    visit = services.schedule_video(Repository(actor_for_user(app_world.nurse), "01001"), question, app_world.nurse,
                                    timezone.now() + timedelta(hours=3))
    job = Job.objects.get(kind="questions.video_reminder")
    received: list[dict[str, Any]] = []

    def listen(sender: str, **kwargs: Any) -> None:
        received.append(kwargs)
    patient_event.connect(listen)
    try:
        Worker("t").run_one()
        Job.objects.create(kind=job.kind, payload=job.payload, run_after=timezone.now(), max_attempts=1)
        Worker("t").run_one()
    finally:
        patient_event.disconnect(listen)
    assert [(r["kind"], r["link"], r["appointment"]) for r in received] == [
        ("appointment_reminder", f"/app/hoi-bac-si/{question.pk}/", visit.appointment_id)]
