"""Delivery runs as a job of the database queue (the worker thread of `benhan serve`, or `benhan worker`):
one round sends what is due and books the next round while notices wait."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.utils import timezone

from benhan.jobs.registry import job_handler
from benhan.jobs.rounds import book_round

from .delivery import deliver_due
from .models import Notification

KIND = "notifications.deliver"


def book_delivery(delay_seconds: float = 0.0) -> None:
    book_round(KIND, delay_seconds)


@job_handler(KIND, max_attempts=1000, lease_seconds=300.0)
def run_delivery(ctx: Any) -> dict[str, int]:
    totals = {"sent": 0, "retried": 0, "dead": 0}
    while True:
        report = deliver_due()
        ctx.heartbeat()
        for key in totals:
            totals[key] += getattr(report, key)
        if not report.sent and not report.dead:
            break
    waiting = Notification.objects.filter(status=Notification.Status.PENDING).aggregate(due=Min("next_attempt_at"))["due"]
    if waiting is not None:
        book_delivery(max(0.0, (waiting - timezone.now()).total_seconds()))
    return totals
