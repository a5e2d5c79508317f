"""Delivery runs as a job of the database queue, so `benhan serve` (whose worker thread runs the queue)
sends the outbox with no extra process. One delivery job drains what is due and books the next round
while messages wait; enqueuing a message books a round if none is booked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Min
from django.utils import timezone

from benhan.jobs import queue
from benhan.jobs.models import Job
from benhan.jobs.registry import job_handler

from .models import OutboxMessage
from .outbox import deliver_due

KIND = "exchange.deliver"


def book_delivery(delay_seconds: float = 0.0) -> None:
    """Make sure a delivery round is queued (a spare one is harmless: leases keep messages single-sent)."""
    if not Job.objects.filter(kind=KIND, status=Job.Status.QUEUED).exists():
        queue.enqueue(KIND, {}, run_after=timezone.now() + timedelta(seconds=delay_seconds), max_attempts=1000)


@job_handler(KIND, max_attempts=1000, lease_seconds=120.0)
def run_delivery(ctx: Any) -> dict[str, int]:
    totals = {"delivered": 0, "retried": 0, "dead": 0}
    while True:
        report = deliver_due()
        ctx.heartbeat()
        for key in totals:
            totals[key] += getattr(report, key)
        if not report.delivered:
            break
    waiting = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).aggregate(due=Min("next_attempt_at"))["due"]
    if waiting is not None:
        book_delivery(max(0.0, (waiting - timezone.now()).total_seconds()))
    return totals
