from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from benhan.jobs import queue
from benhan.jobs.models import Job
from benhan.jobs.registry import job_handler
from benhan.jobs.worker import JobContext, Worker

pytestmark = pytest.mark.django_db

runs: list[int] = []
finalised: list[tuple[int, str]] = []


@job_handler("tests.ok")
def _ok(ctx: JobContext) -> dict[str, Any]:
    runs.append(ctx.job.pk)
    return {"echo": ctx.payload.get("n")}


@job_handler("tests.boom", max_attempts=3, on_failed=lambda job, why: finalised.append((job.pk, why)))
def _boom(ctx: JobContext) -> None:
    raise RuntimeError("disk full")


@job_handler("tests.cancel_me", on_cancelled=lambda job, why: finalised.append((job.pk, why)))
def _cancel_me(ctx: JobContext) -> None:
    queue.cancel(ctx.job.pk)  # as if a DELETE arrived while the job ran
    ctx.heartbeat(force=True)


@job_handler("tests.cancelled_then_crash", on_cancelled=lambda job, why: finalised.append((job.pk, why)))
def _cancelled_then_crash(ctx: JobContext) -> None:
    queue.cancel(ctx.job.pk)
    raise FileNotFoundError("the cancelled job's files were removed under it")


@pytest.fixture(autouse=True)
def _reset() -> None:
    runs.clear()
    finalised.clear()


def _expire_lease(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_a_queued_job_is_claimed_once_and_leased_to_its_worker() -> None:
    job = queue.enqueue("tests.ok", {"n": 1})
    claimed = queue.claim("w1", lease_seconds=30)
    assert claimed is not None and claimed.pk == job.pk
    assert claimed.status == "running" and claimed.lease_owner == "w1" and claimed.attempts == 1
    assert queue.claim("w2") is None


def test_jobs_are_claimed_by_priority_then_due_time() -> None:
    later = queue.enqueue("tests.ok", run_after=timezone.now() - timedelta(seconds=5))
    urgent = queue.enqueue("tests.ok", priority=-1)
    first = queue.claim("w")
    second = queue.claim("w")
    assert first is not None and second is not None
    assert (first.pk, second.pk) == (urgent.pk, later.pk)


def test_a_delayed_job_is_not_claimed_before_it_is_due() -> None:
    queue.enqueue("tests.ok", run_after=timezone.now() + timedelta(hours=1))
    assert queue.claim("w") is None


def test_a_job_whose_worker_died_is_claimed_again_once_its_lease_expires() -> None:
    queue.enqueue("tests.ok")
    dead = queue.claim("dead-worker", lease_seconds=30)
    assert dead is not None
    assert queue.claim("w2") is None  # lease still valid
    _expire_lease(dead)
    again = queue.claim("w2")
    assert again is not None and again.pk == dead.pk and again.lease_owner == "w2" and again.attempts == 2


def test_a_worker_that_lost_its_lease_can_neither_renew_nor_finish_the_job() -> None:
    queue.enqueue("tests.ok")
    old = queue.claim("old")
    assert old is not None
    _expire_lease(old)
    new = queue.claim("new")
    assert new is not None
    assert queue.renew(old, "old", 30) == "lost"
    assert not queue.succeed(old, "old", {"stale": True})
    assert queue.succeed(new, "new", {"ok": True})
    assert Job.objects.get(pk=old.pk).result == {"ok": True}


def test_a_failing_job_is_retried_with_exponential_backoff_then_failed_with_its_errors(settings) -> None:
    settings.JOBS_BACKOFF_BASE_SECONDS = 10
    job = queue.enqueue("tests.boom")
    assert job.max_attempts == 3
    worker = Worker("w")
    delays = []
    for _ in range(3):
        before = timezone.now()
        Job.objects.filter(pk=job.pk).update(run_after=before)  # skip the wait
        assert worker.run_one() is not None
        job.refresh_from_db()
        if job.status == "queued":
            delays.append(round((job.run_after - before).total_seconds()))
    assert delays == [10, 20]
    assert job.status == "failed" and job.attempts == 3 and job.last_error == "RuntimeError: disk full"
    assert len(job.errors) == 3
    assert finalised == [(job.pk, "RuntimeError: disk full")]


def test_a_job_killed_on_its_last_attempt_ends_failed_and_explains_why() -> None:
    job = queue.enqueue("tests.boom")
    for _ in range(job.max_attempts):
        claimed = queue.claim("doomed")
        assert claimed is not None
        _expire_lease(claimed)
    assert Worker("w").run_one() is not None
    job.refresh_from_db()
    assert job.status == "failed"
    assert "lease expired" in job.last_error
    assert finalised and finalised[0][0] == job.pk


def test_a_successful_job_stores_its_result() -> None:
    job = queue.enqueue("tests.ok", {"n": 7})
    Worker("w").run(burst=True)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result == {"echo": 7} and job.lease_expires_at is None
    assert runs == [job.pk]


def test_cancelling_a_queued_job_means_it_never_runs() -> None:
    job = queue.enqueue("tests.ok")
    assert queue.cancel(job.pk) == "cancelled"
    assert Worker("w").run(burst=True) == 0
    assert runs == []


def test_cancelling_a_running_job_stops_it_at_its_next_heartbeat() -> None:
    job = queue.enqueue("tests.cancel_me")
    Worker("w").run(burst=True)
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert finalised == [(job.pk, "cancelled")]


def test_a_job_cancelled_after_its_worker_died_is_finished_as_cancelled_when_reclaimed() -> None:
    job = queue.enqueue("tests.ok")
    claimed = queue.claim("dead")
    assert claimed is not None
    assert queue.cancel(job.pk) == "running"
    _expire_lease(claimed)
    Worker("w").run(burst=True)
    job.refresh_from_db()
    assert job.status == "cancelled" and runs == []


def test_a_job_of_an_unknown_kind_fails_instead_of_looping() -> None:
    job = queue.enqueue("tests.nobody-handles-this")
    Worker("w").run(burst=True)
    job.refresh_from_db()
    assert job.status == "failed" and "no handler" in job.last_error


def test_a_worker_restricted_to_some_kinds_leaves_the_others_queued() -> None:
    other = queue.enqueue("tests.boom")
    mine = queue.enqueue("tests.ok")
    Worker("w", kinds=["tests.ok"]).run(burst=True)
    assert Job.objects.get(pk=mine.pk).status == "succeeded"
    assert Job.objects.get(pk=other.pk).status == "queued"


def test_a_job_that_crashes_after_being_cancelled_ends_cancelled_not_retried() -> None:
    job = queue.enqueue("tests.cancelled_then_crash")
    Worker("w").run(burst=True)
    job.refresh_from_db()
    assert job.status == "cancelled" and job.last_error == ""
    assert finalised == [(job.pk, "cancelled")]


def test_jobs_that_ended_long_ago_are_purged_and_recent_or_live_ones_kept() -> None:
    old = queue.enqueue("tests.ok")
    recent = queue.enqueue("tests.ok")
    live = queue.enqueue("tests.ok", run_after=timezone.now() + timedelta(days=1))
    Worker("w").run(burst=True)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    assert queue.purge_finished(timedelta(days=30)) == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
