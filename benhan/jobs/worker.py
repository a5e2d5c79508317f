"""The worker: claims jobs and runs their handlers, in its own process (`benhan worker`) or as a
thread inside `benhan serve` (`start_worker_thread`).

Handlers are cooperative: they call `ctx.heartbeat()` between chunks of work. A heartbeat renews
the lease (at most every lease/4 seconds, so it costs little) and raises `JobCancelled` or
`LeaseLost` when the job was cancelled or taken over, so the handler stops at a safe point.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from . import queue
from .models import Job
from .registry import JobKind, get

log = logging.getLogger("benhan.jobs")
T = TypeVar("T")


class JobCancelled(Exception):
    """The job was cancelled while running; the handler should stop."""


class LeaseLost(Exception):
    """Another worker owns the job now (our lease expired); stop without touching it."""


class JobContext:
    """What a handler sees: its job, and the heartbeat that keeps the lease."""

    def __init__(self, job: Job, worker_id: str, lease_seconds: float) -> None:
        self.job = job
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        # The claim used a default lease; the first heartbeat renews at once with this kind's lease.
        self._last_renewal = time.monotonic() - lease_seconds

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def first_attempt(self) -> bool:
        return self.job.attempts <= 1

    def heartbeat(self, progress: dict[str, Any] | None = None, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._last_renewal < self.lease_seconds / 4:
            return
        outcome = queue.renew(self.job, self.worker_id, self.lease_seconds, progress)
        self._last_renewal = time.monotonic()
        if outcome == "cancel":
            raise JobCancelled(f"job {self.job.pk} was cancelled")
        if outcome == "lost":
            raise LeaseLost(f"job {self.job.pk} is no longer leased to {self.worker_id}")

    def commit_step(self, step: Callable[[], T], progress: dict[str, Any] | None = None) -> T:
        """Run `step` (e.g. saving a checkpoint) in one transaction with a lease renewal.

        The renewal's UPDATE locks the job row until commit, so a worker whose lease has already
        expired cannot record a step: it gets LeaseLost (or JobCancelled) and nothing is saved.
        """
        with transaction.atomic():
            self.heartbeat(progress, force=True)
            return step()


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _finalise(hook: Any, job: Job, reason: str) -> None:
    if hook is None:
        return
    try:
        hook(job, reason)
    except Exception:  # a broken cleanup hook must not kill the worker loop
        log.exception("finaliser of %s failed", job)


class Worker:
    def __init__(self, worker_id: str | None = None, *, kinds: list[str] | None = None,
                 poll_seconds: float = 1.0, lease_seconds: float | None = None) -> None:
        self.worker_id = worker_id or default_worker_id()
        self.kinds = kinds
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds  # None: each kind's own lease
        self._last_purge = time.monotonic() - 3600  # the first idle moment purges

    def run_one(self) -> Job | None:
        """Claim one due job and run it to an end state. Returns the job, or None if none was due."""
        # Claim with the longest lease any kind asks for; the kind's own lease applies from the first heartbeat.
        job = queue.claim(self.worker_id, lease_seconds=self.lease_seconds or 60.0, kinds=self.kinds)
        if job is None:
            return None
        kind = get(job.kind)
        if kind is None:
            queue.fail_for_good(job, self.worker_id, f"no handler is registered for job kind '{job.kind}'")
            return job
        lease = self.lease_seconds or kind.lease_seconds
        if job.cancel_requested:
            # Cancelled while its (now dead) worker ran it: finish the cancellation.
            if queue.mark_cancelled(job, self.worker_id):
                _finalise(kind.on_cancelled, job, "cancelled")
            return job
        if job.attempts > job.max_attempts:
            reason = (f"gave up after {job.max_attempts} attempts; the last worker stopped responding "
                      f"(lease expired). Earlier errors: {'; '.join(job.errors[-3:]) or 'none'}")
            if queue.fail_for_good(job, self.worker_id, reason):
                _finalise(kind.on_failed, job, reason)
            return job
        self._run(job, kind, lease)
        return job

    def _run(self, job: Job, kind: JobKind, lease: float) -> None:
        ctx = JobContext(job, self.worker_id, lease)
        try:
            result = kind.run(ctx)
        except JobCancelled:
            if queue.mark_cancelled(job, self.worker_id):
                _finalise(kind.on_cancelled, job, "cancelled")
        except LeaseLost:
            log.warning("%s: lease lost to another worker; stopped", job)
        except Exception as exc:
            if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
                # Cancelled under its feet (e.g. its files removed): an end, not a failure to retry.
                if queue.mark_cancelled(job, self.worker_id):
                    _finalise(kind.on_cancelled, job, "cancelled")
                return
            log.warning("%s attempt %s failed", job, job.attempts, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
            if queue.fail_attempt(job, self.worker_id, error) == queue.FAILED:
                _finalise(kind.on_failed, job, error)
        else:
            queue.succeed(job, self.worker_id, result)

    def run(self, stop: threading.Event | None = None, *, burst: bool = False) -> int:
        """Loop until `stop` is set (or, with burst, until no job is due). Returns the number run."""
        stop = stop or threading.Event()
        done = 0
        while not stop.is_set():
            if not connection.in_atomic_block:  # (tests run the loop inside a transaction)
                close_old_connections()  # drop a connection the database closed, or past CONN_MAX_AGE
            try:
                job = self.run_one()
            except Exception:  # database restarting, disk full...: wait and try again, never die
                log.exception("worker %s: claiming failed", self.worker_id)
                connection.close()
                job = None
                if burst:
                    raise
            if job is not None:
                done += 1
                continue
            if burst:
                break
            self._housekeeping()
            stop.wait(self.poll_seconds)
        return done

    def _housekeeping(self) -> None:
        """When idle, at most hourly: forget jobs that ended more than JOBS_KEEP_FINISHED_DAYS ago."""
        if time.monotonic() - self._last_purge < 3600:
            return
        self._last_purge = time.monotonic()
        try:
            queue.purge_finished(timedelta(days=float(getattr(settings, "JOBS_KEEP_FINISHED_DAYS", 30))))
        except Exception:  # housekeeping must never stop the worker
            log.exception("purging finished jobs failed")


class WorkerThread:
    """A worker running in a daemon thread of the current process (for `benhan serve`)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._main, name=f"benhan-worker-{worker.worker_id}", daemon=True)

    def _main(self) -> None:
        try:
            self.worker.run(self.stop_event)
        finally:
            connection.close()  # this thread's own connection

    def start(self) -> WorkerThread:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the loop to stop after its current job and wait for it. A job still running when the
        process exits is re-claimed by another worker once its lease expires."""
        self.stop_event.set()
        self.thread.join(timeout)


def start_worker_thread(*, kinds: list[str] | None = None, poll_seconds: float = 1.0,
                        worker_id: str | None = None) -> WorkerThread:
    """Start a job worker in a background thread of this process; call `.stop()` on shutdown.

    For `benhan serve` (embedded install): `handle = start_worker_thread()` after Django is set up,
    `handle.stop()` when the server stops. Run it in one process only if the server forks workers:
    any number of workers is safe, but one per machine is enough for a facility.
    """
    return WorkerThread(Worker(worker_id, kinds=kinds, poll_seconds=poll_seconds)).start()
