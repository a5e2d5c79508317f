"""The video consultation's reminder: at start − BOOKING_REMINDER_HOURS (the same lead time as booked visits)
the `appointment_reminder` patient event, once per video visit (a conditional UPDATE marks it)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from benhan.core import events
from benhan.jobs.registry import job_handler
from benhan.jobs.worker import JobContext

from .models import Question, VideoVisit


@job_handler("questions.video_reminder", max_attempts=3)
def remind_video(ctx: JobContext) -> dict[str, Any]:
    visit = VideoVisit.objects.select_related("question").filter(pk=int(ctx.payload.get("video") or 0)).first()
    if visit is None or visit.question.status == Question.Status.CLOSED or visit.end <= timezone.now():
        return {"reminded": False}
    with transaction.atomic():
        if not VideoVisit.objects.filter(pk=visit.pk, reminded_at__isnull=True).update(reminded_at=timezone.now()):
            return {"reminded": False}  # a retried or duplicated job: already sent once
        events.emit("appointment_reminder", patient=f"Patient/{visit.question.patient_id}",
                    facility=visit.question.facility, link=f"/app/hoi-bac-si/{visit.question_id}/",
                    appointment=visit.appointment_id, video=visit.pk)
    return {"reminded": True}
