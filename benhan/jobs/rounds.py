"""Delivery rounds shared by every outbox (exchange messages, patient notifications): one queued job
per kind runs a round, and rows are leased so two workers never send the same one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from . import queue
from .models import Job

M = TypeVar("M", bound=models.Model)


def book_round(kind: str, delay_seconds: float = 0.0) -> None:
    """Make sure a round of `kind` is queued (a spare one is harmless: leases keep each row single-sent)."""
    if not Job.objects.filter(kind=kind, status=Job.Status.QUEUED).exists():
        queue.enqueue(kind, {}, run_after=timezone.now() + timedelta(seconds=delay_seconds), max_attempts=1000)


def lease_due(model: type[M], now: datetime, limit: int, lease: timedelta, order: Sequence[str],
              related: Sequence[str] = ()) -> list[M]:
    """Up to `limit` pending rows due at `now` and not leased by another worker, leased until now + lease.
    The model has `status` (with PENDING), `next_attempt_at` and `lease_until`."""
    manager: Any = model._default_manager
    due = Q(status="pending", next_attempt_at__lte=now) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    with transaction.atomic():
        candidates = manager.filter(due)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.order_by(*order).values_list("pk", flat=True)[:limit])
        # The conditional update re-checks the lease: two workers never hold the same row.
        manager.filter(due, pk__in=ids).update(lease_until=now + lease)
        leased = manager.filter(pk__in=ids, lease_until=now + lease).order_by(*order)
        return list(leased.select_related(*related) if related else leased)
