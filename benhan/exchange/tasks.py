"""Delivery runs as a job of the database queue, so `benhan serve` (whose worker thread runs the queue)
sends the outbox with no extra process. One delivery job drains what is due and books the next round
while messages wait; enqueuing a message books a round if none is booked."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.utils import timezone

from benhan.jobs.registry import job_handler
from benhan.jobs.rounds import book_round

from .models import OutboxMessage
from .outbox import deliver_due

KIND = "exchange.deliver"


def book_delivery(delay_seconds: float = 0.0) -> None:
    book_round(KIND, delay_seconds)


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
