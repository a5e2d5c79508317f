"""Bookkeeping of question threads: who asked whom, status, the response-time target. No patient text is kept
here: the subject and the messages are FHIR Communications (their ids here), read through the caller's
Repository."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Chờ trả lời")
        ANSWERED = "answered", _("Đã trả lời")
        CLOSED = "closed", _("Đã đóng")

    facility = models.CharField(max_length=16)  # BHYT facility code
    patient_id = models.CharField(max_length=64)  # the person's Patient at that facility
    asked_by = models.ForeignKey("portal.Account", null=True, on_delete=models.SET_NULL, related_name="+")
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(default=timezone.now)
    due = models.DateTimeField()  # created + the response-time target
    waiting_since = models.DateTimeField(default=timezone.now)  # the patient's latest unanswered message
    first_answer_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["facility", "status", "due"], name="questions_queue"),
                   models.Index(fields=["patient_id"], name="questions_patient")]

    @property
    def overdue(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() > self.due


class Message(models.Model):
    """One message of a thread: the Communication holding it, and who wrote it (for ordering and listing)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="messages")
    communication_id = models.CharField(max_length=64)
    from_patient = models.BooleanField()
    author = models.CharField(max_length=255)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "pk"]


class VideoVisit(models.Model):
    """A video consultation booked on a thread: its FHIR Appointment and the provider's room name (unguessable)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="videos")
    appointment_id = models.CharField(max_length=64)
    room = models.CharField(max_length=64, unique=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)  # set once, by the reminder job

    class Meta:
        ordering = ["start"]
