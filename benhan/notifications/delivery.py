"""Sending the notification outbox: lease what is due, send each on its channel, record the answer.

Sent → done. A permanent refusal (unknown number, a push subscription the browser dropped) → dead at
once. Anything else → retried with exponential backoff (NOTIFICATIONS_BACKOFF_BASE × 2^n, capped at
NOTIFICATIONS_MAX_BACKOFF) until NOTIFICATIONS_MAX_ATTEMPTS, then dead-lettered for an operator.
A notice older than NOTIFICATIONS_MAX_AGE is dead too: a week-old "your result is ready" helps nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from benhan.jobs.rounds import lease_due

from .channels import DeliveryError, sender_for
from .models import Notification

LEASE = timedelta(seconds=120)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def _lease(now: datetime, limit: int) -> list[Notification]:
    return lease_due(Notification, now, limit, LEASE, ("next_attempt_at", "id"), related=("account",))


def backoff(attempts: int) -> float:
    return min(_setting("NOTIFICATIONS_MAX_BACKOFF", 3600.0), _setting("NOTIFICATIONS_BACKOFF_BASE", 30.0) * 2 ** (attempts - 1))


def _dead(n: Notification, attempts: int, error: str) -> None:
    Notification.objects.filter(pk=n.pk).update(status=Notification.Status.DEAD, attempts=attempts, lease_until=None,
                                                last_error=error[:2000])


def deliver_due(*, limit: int = 200, now: datetime | None = None) -> DeliveryReport:
    now = now or timezone.now()
    report = DeliveryReport()
    max_attempts = int(_setting("NOTIFICATIONS_MAX_ATTEMPTS", 8))
    max_age = timedelta(seconds=_setting("NOTIFICATIONS_MAX_AGE", 7 * 86400))
    for n in _lease(now, limit):
        attempts = n.attempts + 1
        if now - n.created > max_age:
            _dead(n, attempts - 1, "too old to be useful")
            report.dead += 1
            continue
        try:
            sender_for(n.channel).send(n)
        except DeliveryError as exc:
            report.errors.append(f"{n.channel} #{n.pk}: {exc}")
            if exc.permanent or attempts >= max_attempts:
                _dead(n, attempts, str(exc))
                report.dead += 1
            else:
                Notification.objects.filter(pk=n.pk).update(attempts=attempts, lease_until=None, last_error=str(exc)[:2000],
                                                            next_attempt_at=now + timedelta(seconds=backoff(attempts)))
                report.retried += 1
            continue
        Notification.objects.filter(pk=n.pk).update(status=Notification.Status.SENT, attempts=attempts, sent_at=now,
                                                    lease_until=None, last_error="")
        report.sent += 1
    return report


def retry_dead(ids: list[int]) -> int:
    """An operator sends dead-lettered notices again (after fixing a gateway's key, say); those past
    NOTIFICATIONS_MAX_AGE stay dead (they would only be stale news)."""
    from .tasks import book_delivery

    fresh = timezone.now() - timedelta(seconds=_setting("NOTIFICATIONS_MAX_AGE", 7 * 86400))
    queued = Notification.objects.filter(id__in=ids, status=Notification.Status.DEAD, created__gte=fresh).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="")
    if queued:
        book_delivery()
    return queued
