"""Worker tasks of bulk export: write the NDJSON files (`bulk.export`) and remove them when they
expire (`bulk.expire`).

One pass over the exported rows in row-id order (one sequential read, not one scan per type),
each row's stored JSON text appended to its type's file. Every 20,000 resources or 5 s the
position (last row id) and the files' lengths are recorded in the same transaction as a lease
renewal (JobContext.commit_step). A re-claimed export (worker died, attempt failed) copies the
recorded prefixes into files under its own attempt's names and continues after the recorded row
id, so each resource lands in exactly one listed file and a stale worker cannot touch them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.utils import timezone

from benhan.jobs import queue
from benhan.jobs.models import Job
from benhan.jobs.registry import job_handler
from benhan.jobs.worker import JobContext

from ..errors import Issue, operation_outcome
from . import export as exports
from .models import ExportRequest
from .ndjson_files import NdjsonFiles, StateLost
from .rowstream import chunk_reader

log = logging.getLogger("benhan.bulk")
Status = ExportRequest.Status
CHUNK = 2000  # rows fetched per round trip (rowstream.py)
CHECKPOINT_RESOURCES = 20_000
CHECKPOINT_SECONDS = 5.0


def max_file_resources() -> int:
    return int(getattr(settings, "BULK_EXPORT_FILE_MAX_RESOURCES", 100_000))


def _take_over(ctx: JobContext, export: ExportRequest) -> tuple[NdjsonFiles, int]:
    """This attempt's files, continuing an earlier attempt's recorded state when there is one."""
    folder = exports.export_dir(export)
    files = NdjsonFiles(folder, ctx.job.attempts, max_file_resources())
    recorded = export.output or {}
    try:
        files.resume(recorded.get("files", []))
        return files, int(recorded.get("cursor", 0))
    except StateLost:
        log.warning("export %s: recorded files are incomplete; starting again", export.id)
        files.close()
        return NdjsonFiles(folder, ctx.job.attempts, max_file_resources()), 0


@job_handler("bulk.export", max_attempts=5, lease_seconds=60,
             on_failed=lambda job, why: export_failed(job, why),
             on_cancelled=lambda job, why: export_cancelled(job))
def run_export(ctx: JobContext) -> dict[str, Any]:
    export = ExportRequest.objects.get(pk=ctx.payload["export_id"])
    if export.status != Status.ACCEPTED:
        return {"skipped": export.status}
    files, cursor = _take_over(ctx, export)
    progress: dict[str, Any] = {"resources": sum(f["count"] for f in files.files)}
    unrecorded, last_checkpoint = 0, time.monotonic()

    def record(**extra: Any) -> int:
        files.flush()
        state = {"cursor": cursor, "files": files.state()}
        return ExportRequest.objects.filter(pk=export.pk, status=Status.ACCEPTED).update(output=state, **extra)

    try:
        rows = exports.rows_to_export(export).filter(id__gt=cursor).order_by("id").values_list(
            "id", "resource_type", "content")
        with chunk_reader(CHUNK) as read_chunks:
            for chunk in read_chunks(rows):
                by_type: dict[str, list[str]] = {}
                for _, rtype, content in chunk:
                    by_type.setdefault(rtype, []).append(content)
                for rtype, lines in by_type.items():
                    files.write(rtype, lines)
                cursor = chunk[-1][0]
                progress["resources"] += len(chunk)
                unrecorded += len(chunk)
                if unrecorded >= CHECKPOINT_RESOURCES or time.monotonic() - last_checkpoint >= CHECKPOINT_SECONDS:
                    ctx.commit_step(record, progress)
                    unrecorded, last_checkpoint = 0, time.monotonic()
                else:
                    ctx.heartbeat(progress)

        def finish() -> None:
            now = timezone.now()
            expires = exports.expires_after(now)
            if record(status=Status.COMPLETED, completed_at=now, expires_at=expires):
                queue.enqueue("bulk.expire", {"export_id": str(export.id)}, run_after=expires)

        ctx.commit_step(finish, progress)
    finally:
        files.close()
    _remove_strays(export)
    return {"resources": progress["resources"], "files": len(files.files)}


def _remove_strays(export: ExportRequest) -> None:
    """Delete files of dead attempts that the manifest does not list."""
    export.refresh_from_db(fields=["output", "errors"])
    listed = {f["name"] for f in exports.output_files(export)} | {e["name"] for e in export.errors}
    folder = exports.export_dir(export)
    for path in folder.glob("*.ndjson") if folder.exists() else ():
        if path.name not in listed:
            path.unlink(missing_ok=True)


def _export_of(job: Job) -> ExportRequest | None:
    return ExportRequest.objects.filter(pk=job.payload.get("export_id")).first()


def export_failed(job: Job, reason: str) -> None:
    """The export will not be retried: keep an error file that explains why, then expire it as usual."""
    export = _export_of(job)
    if export is None or export.status != Status.ACCEPTED:
        return
    folder: Path = exports.export_dir(export)
    issues = [Issue("exception", f"the export failed after {job.attempts} attempt(s): {reason}")]
    issues += [Issue("exception", line, severity="information") for line in job.errors]
    name = "errors.ndjson"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(orjson.dumps(operation_outcome(issues)) + b"\n")
        errors = [{"type": "OperationOutcome", "name": name, "count": 1}]
    except OSError:  # the disk that failed the export may refuse this too; the status still says why
        log.exception("could not write the error file of export %s", export.id)
        errors = []
    now = timezone.now()
    expires = exports.expires_after(now)
    ExportRequest.objects.filter(pk=export.pk, status=Status.ACCEPTED).update(
        status=Status.FAILED, completed_at=now, expires_at=expires, errors=errors)
    queue.enqueue("bulk.expire", {"export_id": str(export.id)}, run_after=expires)


def export_cancelled(job: Job) -> None:
    export = _export_of(job)
    if export is not None:
        exports.remove_files(export)


@job_handler("bulk.expire", max_attempts=10)
def expire_exports(ctx: JobContext) -> dict[str, int]:
    """Remove the files of every export past its expiry (not only the one named: catches stragglers)."""
    removed = 0
    for export in exports.due_for_expiry():
        exports.remove_files(export)
        removed += ExportRequest.objects.filter(pk=export.pk, status=export.status).update(status=Status.EXPIRED)
    return {"expired": removed}
