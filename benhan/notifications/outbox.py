"""Writing notices: in the transaction of the event that causes them (a result that rolled back never
announces itself), one row per recipient, channel and address; a delivery job sends them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Channel, Contact, Notification, PushSubscription
from .recipients import recipients
from .texts import notice

PROFILE_PLACEHOLDER = "{profile}"


def personal_link(link: str, profile_id: int) -> str:
    """Profile ids differ per phone: an emitter that cannot know it writes `{profile}` in the link."""
    return link.replace(PROFILE_PLACEHOLDER, str(profile_id))


def _addresses(channel: str, account_id: int, phone: str) -> list[str]:
    if channel in (Channel.SMS, Channel.ZNS):
        return [phone]
    if channel == Channel.EMAIL:
        email = Contact.objects.filter(account_id=account_id).values_list("email", flat=True).first()
        return [email] if email else []
    if channel == Channel.WEBPUSH:
        return [str(pk) for pk in PushSubscription.objects.filter(account_id=account_id).values_list("pk", flat=True)]
    return []


def enqueue_for_patient(kind: str, patient: str, link: str) -> list[Notification]:
    patient_id = patient.removeprefix("Patient/")
    now = timezone.now()
    rows = []
    with transaction.atomic():
        for r in recipients(patient_id, kind):
            for channel in r.channels:
                for address in _addresses(channel, r.account.pk, r.account.phone):
                    rows.append(Notification(account=r.account, profile=r.profile, kind=kind, channel=channel,
                                             address=address, text=notice(kind),
                                             link=personal_link(link, r.profile.pk), next_attempt_at=now))
        if rows:
            Notification.objects.bulk_create(rows)
            from .tasks import book_delivery

            book_delivery()
    return rows


def on_patient_event(sender: Any, *, kind: str, patient: str, facility: str = "", link: str = "/app/",
                     **extra: Any) -> None:
    enqueue_for_patient(kind, patient, link)
