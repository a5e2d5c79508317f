"""Patient-facing events: a result is ready, an appointment nears, a question is answered, a referral
arrived. Capabilities emit them; the notifications capability subscribes. Receivers run synchronously
inside the sender's database transaction, so a notification can be written to the outbox atomically
with the change that caused it. An event carries no health data: only its kind and a link."""

from __future__ import annotations

from typing import Any, Literal

from django.dispatch import Signal

EventKind = Literal["result_ready", "appointment_reminder", "question_answered", "referral_arrived"]

patient_event = Signal()


def emit(kind: EventKind, *, patient: str, facility: str, link: str, **extra: Any) -> None:
    """`patient` is a FHIR reference ("Patient/123") at `facility` (BHYT facility code); `link` is the
    app path the notification points to (e.g. "/app/ket-qua/..."). `extra` is for routing only
    (e.g. an appointment id), never clinical content."""
    patient_event.send(sender=kind, kind=kind, patient=patient, facility=facility, link=link, **extra)
