"""Workers running at the same time, the `benhan worker` command and the in-process worker thread."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from benhan.jobs import queue
from benhan.jobs.models import Job
from benhan.jobs.registry import job_handler
from benhan.jobs.worker import JobContext, Worker, start_worker_thread

ran: Counter[int] = Counter()
lock = threading.Lock()


@job_handler("tests.count")
def _count(ctx: JobContext) -> None:
    with lock:
        ran[ctx.job.pk] += 1
    time.sleep(0.01)  # long enough for the other workers to try the same rows


@pytest.fixture(autouse=True)
def _reset() -> None:
    ran.clear()


def test_concurrent_workers_run_every_job_exactly_once(transactional_db: None) -> None:
    jobs = [queue.enqueue("tests.count").pk for _ in range(30)]
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            Worker(name, kinds=["tests.count"]).run(burst=True)
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert dict(ran) == {pk: 1 for pk in jobs}
    assert set(Job.objects.values_list("status", flat=True)) == {"succeeded"}


def test_the_worker_thread_for_benhan_serve_runs_jobs_and_stops_when_asked(transactional_db: None) -> None:
    job = queue.enqueue("tests.count")
    handle = start_worker_thread(kinds=["tests.count"], poll_seconds=0.05)
    try:
        deadline = time.monotonic() + 20
        while Job.objects.get(pk=job.pk).status != "succeeded":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        handle.stop(timeout=10)
    assert not handle.thread.is_alive()
    assert ran[job.pk] == 1


def test_the_worker_command_in_burst_mode_drains_the_queue(db: None, capsys: Any) -> None:
    jobs = [queue.enqueue("tests.count").pk for _ in range(3)]
    call_command("worker", "--burst", "--kind", "tests.count")
    assert Job.objects.filter(pk__in=jobs, status="succeeded").count() == 3
    assert "after 3 job(s)" in capsys.readouterr().out
