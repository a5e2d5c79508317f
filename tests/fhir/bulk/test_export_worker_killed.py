"""A real worker process killed with SIGKILL mid-export: its lease runs out, another worker takes the
job over, and the export completes with every resource exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from django.db import connection
from django.utils import timezone

from benhan.fhir import store
from benhan.fhir.bulk import export as exports
from benhan.fhir.bulk.models import ExportRequest
from benhan.fhir.repository import Repository
from benhan.jobs.models import Job
from benhan.jobs.worker import Worker

pytestmark = pytest.mark.slow

# The doomed worker writes and records one chunk, writes part of the next (unrecorded) and then
# hangs (as a process stuck on a dead disk would) until it is killed.
DOOMED_WORKER = """
import sys, time
import django
django.setup()
from benhan.fhir.bulk import tasks
from benhan.jobs.worker import Worker
tasks.CHUNK = 5
tasks.CHECKPOINT_RESOURCES = 5  # record the position after every chunk
real = tasks.NdjsonFiles.write
calls = []
def write_then_hang(self, rtype, lines):
    real(self, rtype, lines)
    calls.append(rtype)
    if len(calls) == 3:  # first write of the second chunk, after one recorded checkpoint
        self.flush()
        open(sys.argv[1], "w").write(rtype)
        time.sleep(600)
tasks.NdjsonFiles.write = write_then_hang
Worker("doomed", lease_seconds=1).run(burst=True)
"""


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_a_sigkilled_worker_is_replaced_and_the_export_has_each_resource_once(
    transactional_db: None, repo: Repository, settings, tmp_path: Path, monkeypatch
) -> None:
    settings.VAR_DIR = tmp_path
    # Committed data here must be flushable afterwards, and fhir_audit refuses DELETE (append-only):
    # write through the store and skip the kick-off audit row (audit is tested in test_export.py).
    monkeypatch.setattr(repo, "audit_event", lambda *a, **kw: None)
    for n in range(3):
        pid = store.create({"resourceType": "Patient"}, "00001", f"p{n}").id
        for _ in range(4):
            store.create({"resourceType": "Observation", "status": "final", "code": {"text": "HA"},
                          "subject": {"reference": f"Patient/{pid}"}}, "00001")
    export = exports.start_export(repo, level="system", params=[], prefer="respond-async", request_url="x")
    signal_file = tmp_path / "hanging"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benhan.settings", "BENHAN_DATABASE_URL": _database_url(),
           "BENHAN_VAR_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", DOOMED_WORKER, str(signal_file)], env=env,
                            cwd=Path(__file__).resolve().parents[3])
    try:
        deadline = time.monotonic() + 60
        while not signal_file.exists():
            assert proc.poll() is None, "the worker exited before reaching the hang"
            assert time.monotonic() < deadline, "the worker never reached the hang"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert export.job_id is not None
    job = Job.objects.get(pk=export.job_id)
    assert job.status == "running" and job.lease_owner == "doomed"  # stuck, as after a crash
    recorded = ExportRequest.objects.get(pk=export.pk).output
    assert recorded["cursor"] > 0 and sum(f["count"] for f in recorded["files"]) == 5
    lease_expires_at = job.lease_expires_at  # nobody renews it: its holder is dead
    assert lease_expires_at is not None
    while lease_expires_at > timezone.now():
        time.sleep(0.1)
    Worker("rescuer").run(burst=True)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2
    export.refresh_from_db()
    refs: Counter[str] = Counter()
    for item in exports.manifest(export)["output"]:
        for line in exports.file_path(export, item["url"].rsplit("/", 1)[-1]).read_text().splitlines():
            resource = orjson.loads(line)
            refs[f"{resource['resourceType']}/{resource['id']}"] += 1
    assert len(refs) == 15 and set(refs.values()) == {1}
    assert sorted(p.name for p in exports.export_dir(export).iterdir()) == sorted(
        item["url"].rsplit("/", 1)[-1] for item in exports.manifest(export)["output"])
