"""Queue operations: enqueue, claim, renew a lease, finish, retry with backoff, cancel.

Every state change is one conditional UPDATE (`WHERE status=… AND lease_owner=…`), so two workers
can never both own a job and a worker that lost its lease cannot overwrite the new owner's work.
A job whose worker died (crash, SIGKILL, power cut) keeps status 'running' with a lease in the past;
`claim` takes such jobs again, so nothing stays stuck after a restart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job

QUEUED, RUNNING = Job.Status.QUEUED, Job.Status.RUNNING
SUCCEEDED, FAILED, CANCELLED = Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELLED


def backoff_seconds(attempts: int) -> float:
    """Delay before retry number `attempts`: base × 2^(attempts-1), capped (default 2 s … 1 h)."""
    base = float(getattr(settings, "JOBS_BACKOFF_BASE_SECONDS", 2.0))
    cap = float(getattr(settings, "JOBS_BACKOFF_MAX_SECONDS", 3600.0))
    return min(cap, base * 2 ** max(0, attempts - 1))


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_after: datetime | None = None,
    priority: int = 0,
    max_attempts: int | None = None,
) -> Job:
    from .registry import get

    registered = get(kind)
    if max_attempts is None:
        max_attempts = registered.max_attempts if registered else 5
    return Job.objects.create(
        kind=kind,
        payload=payload or {},
        run_after=run_after or timezone.now(),
        priority=priority,
        max_attempts=max_attempts,
    )


def _claimable(now: datetime) -> Q:
    return Q(status=QUEUED, run_after__lte=now) | Q(status=RUNNING, lease_expires_at__lt=now)


def claim(
    worker_id: str, *, lease_seconds: float = 60.0, kinds: list[str] | None = None, now: datetime | None = None
) -> Job | None:
    """Take the next due job (queued, or running with an expired lease) and lease it to `worker_id`.

    PostgreSQL locks the candidate with FOR UPDATE SKIP LOCKED so concurrent workers pick different
    rows without waiting; SQLite serialises writers (IMMEDIATE transactions), and the conditional
    UPDATE re-checks the claim condition, so exactly one claimant wins either way.
    """
    now = now or timezone.now()
    for _ in range(3):
        with transaction.atomic():
            candidates = Job.objects.filter(_claimable(now))
            if kinds:
                candidates = candidates.filter(kind__in=kinds)
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            candidate = candidates.order_by("priority", "run_after", "id").values_list("id", flat=True).first()
            if candidate is None:
                return None
            won = Job.objects.filter(_claimable(now), pk=candidate).update(
                status=RUNNING,
                lease_owner=worker_id,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                attempts=F("attempts") + 1,
                started_at=now,
            )
            if won:
                return Job.objects.get(pk=candidate)
    return None


def _owned(job: Job, worker_id: str) -> Any:
    """Rows still leased to this worker for this attempt (a re-claim bumps `attempts`)."""
    return Job.objects.filter(pk=job.pk, status=RUNNING, lease_owner=worker_id, attempts=job.attempts)


def renew(job: Job, worker_id: str, lease_seconds: float, progress: dict[str, Any] | None = None) -> str:
    """Extend the lease. Returns 'ok', 'cancel' (cancellation requested) or 'lost' (lease taken)."""
    fields: dict[str, Any] = {"lease_expires_at": timezone.now() + timedelta(seconds=lease_seconds)}
    if progress is not None:
        fields["progress"] = progress
    if _owned(job, worker_id).filter(cancel_requested=False).update(**fields):
        return "ok"
    return "cancel" if _owned(job, worker_id).filter(cancel_requested=True).exists() else "lost"


def succeed(job: Job, worker_id: str, result: Any = None) -> bool:
    return bool(
        _owned(job, worker_id).update(
            status=SUCCEEDED, result=result, finished_at=timezone.now(), lease_expires_at=None
        )
    )


def fail_attempt(job: Job, worker_id: str, error: str) -> str | None:
    """Record a failed attempt: back to the queue after a backoff, or 'failed' once attempts are spent.

    Returns the new status, or None when the lease was already lost (someone else owns the job now).
    """
    now = timezone.now()
    errors = [*job.errors, f"{now.isoformat()} attempt {job.attempts}: {error}"][-20:]
    if job.attempts >= job.max_attempts:
        status, fields = FAILED, {"finished_at": now}
    else:
        status, fields = QUEUED, {"run_after": now + timedelta(seconds=backoff_seconds(job.attempts))}
    updated = _owned(job, worker_id).update(
        status=status, last_error=error, errors=errors, lease_owner="", lease_expires_at=None, **fields
    )
    if not updated:
        return None
    job.status, job.last_error, job.errors = status, error, errors
    return status


def fail_for_good(job: Job, worker_id: str, error: str) -> bool:
    """End a claimed job as failed without another try (attempts spent by dead workers)."""
    errors = [*job.errors, f"{timezone.now().isoformat()}: {error}"][-20:]
    updated = _owned(job, worker_id).update(
        status=FAILED, last_error=error, errors=errors, finished_at=timezone.now(), lease_expires_at=None
    )
    job.status, job.last_error, job.errors = FAILED, error, errors
    return bool(updated)


def mark_cancelled(job: Job, worker_id: str) -> bool:
    return bool(
        _owned(job, worker_id).update(status=CANCELLED, finished_at=timezone.now(), lease_expires_at=None)
    )


def cancel(job_id: int) -> str:
    """Cancel a job: at once when queued; a running job stops at its worker's next heartbeat.

    Returns the job's status afterwards ('cancelled', or 'running' while the worker winds down).
    """
    now = timezone.now()
    if Job.objects.filter(pk=job_id, status=QUEUED).update(status=CANCELLED, cancel_requested=True, finished_at=now):
        return CANCELLED
    Job.objects.filter(pk=job_id, status=RUNNING).update(cancel_requested=True)
    status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
    return status or CANCELLED


def purge_finished(older_than: timedelta) -> int:
    """Delete jobs that ended (succeeded, failed, cancelled) longer ago than `older_than`."""
    cutoff = timezone.now() - older_than
    deleted, _ = Job.objects.filter(status__in=[SUCCEEDED, FAILED, CANCELLED], finished_at__lt=cutoff).delete()
    return deleted
