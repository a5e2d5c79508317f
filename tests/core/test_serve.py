"""`benhan serve` runs the real server: worker processes, static files, job worker, migration guard."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from .live import BENHAN, _env, benhan, live_db_fixture, migrated_template_fixture, query, running_server  # noqa: F401

pytestmark = pytest.mark.slow


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    done = subprocess.run([BENHAN, "serve", "--port", "1", "--no-collectstatic"], env=_env(url),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "unapplied migration" in done.stderr and "benhan migrate" in done.stderr


def test_serve_answers_from_several_workers_serves_static_files_and_runs_the_job_worker(
    live_db: str, tmp_path: Path
) -> None:
    # One server start for three properties: each start costs seconds of Django set-up per process.
    out = benhan(live_db, "shell", "-c",
                 "from benhan.jobs.queue import enqueue; print(enqueue('serve-test-probe').pk)").stdout
    job_id = int(out.strip().splitlines()[-1])
    with running_server(live_db, tmp_path / "serve.log", workers=2, collectstatic=True,
                        BENHAN_VAR_DIR=str(tmp_path / "var")) as server:
        metadata = httpx.get(f"{server.base}/fhir/metadata", timeout=10)
        assert metadata.status_code == 200 and metadata.json()["resourceType"] == "CapabilityStatement"
        static = httpx.get(f"{server.base}/static/django_htmx/django-htmx.js", timeout=10)
        assert static.status_code == 200 and b"htmx" in static.content
        deadline = time.monotonic() + 30
        status = ""
        while time.monotonic() < deadline and status != "failed":
            status = query(live_db, "SELECT status FROM jobs_job WHERE id = %s", (job_id,))[0][0]
            time.sleep(0.2)
        log = server.log.read_text()
    assert "worker-1" in log and "worker-2" in log
    # An unknown kind fails for good: proof that a worker inside `benhan serve` claimed it.
    assert status == "failed", log
    error = query(live_db, "SELECT last_error FROM jobs_job WHERE id = %s", (job_id,))[0][0]
    assert "no handler is registered" in error
