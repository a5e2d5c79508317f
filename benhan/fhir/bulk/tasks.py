"""Worker tasks of bulk export: write the NDJSON files (`bulk.export`) and remove them when they
expire (`bulk.expire`).

A re-claimed export (its worker died, or an attempt failed) resumes at the first type not yet
recorded as done: each finished type is recorded in the same transaction as a lease renewal
(JobContext.commit_step), and every attempt writes files under its own names, so a stale worker can
neither record a type nor overwrite the new owner's files. Each resource lands in exactly one file.
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
from .rowstream import ChunkReader, chunk_reader

log = logging.getLogger("benhan.bulk")
Status = ExportRequest.Status
CHUNK = 2000  # rows fetched per round trip (rowstream.py)
CHECKPOINT_RESOURCES = 20_000
CHECKPOINT_SECONDS = 5.0


def max_file_resources() -> int:
    return int(getattr(settings, "BULK_EXPORT_FILE_MAX_RESOURCES", 100_000))


def _write_type(ctx: JobContext, export: ExportRequest, rtype: str, progress: dict[str, Any],
                read_chunks: ChunkReader) -> list[dict[str, Any]]:
    """Write every exported resource of one type as stored bytes; returns the files written."""
    folder = exports.export_dir(export)
    folder.mkdir(parents=True, exist_ok=True)
    limit = max_file_resources()
    files: list[dict[str, Any]] = []
    out = None
    in_file = 0
    buffer: list[str] = []

    def flush() -> None:
        nonlocal out, in_file
        while buffer:
            if out is None or in_file >= limit:
                if out is not None:
                    out.close()
                name = f"{rtype}-{len(files) + 1}.a{ctx.job.attempts}.ndjson"
                out = open(folder / name, "w", encoding="utf-8")  # noqa: SIM115  (closed below)
                files.append({"type": rtype, "name": name, "count": 0})
                in_file = 0
            take = buffer[: limit - in_file]
            del buffer[: len(take)]
            out.write("\n".join(take))
            out.write("\n")
            in_file += len(take)
            files[-1]["count"] += len(take)
            progress["resources"] += len(take)

    try:
        rows = exports.rows_of_type(export, rtype).order_by().values_list("content", flat=True)
        for chunk in read_chunks(rows):
            buffer.extend(chunk)
            flush()
            ctx.heartbeat(progress)
    finally:
        if out is not None:
            out.close()
    return files


@job_handler("bulk.export", max_attempts=5, lease_seconds=60,
             on_failed=lambda job, why: export_failed(job, why),
             on_cancelled=lambda job, why: export_cancelled(job))
def run_export(ctx: JobContext) -> dict[str, Any]:
    export = ExportRequest.objects.get(pk=ctx.payload["export_id"])
    if export.status != Status.ACCEPTED:
        return {"skipped": export.status}
    types = exports.export_types(export)
    progress: dict[str, Any] = {"types_total": len(types), "types_done": 0, "resources": 0, "type": ""}
    unrecorded = 0  # resources written in types finished since the last checkpoint
    last_checkpoint = time.monotonic()

    def checkpoint() -> None:
        ExportRequest.objects.filter(pk=export.pk, status=Status.ACCEPTED).update(output=export.output)

    with chunk_reader(CHUNK) as read_chunks:
        for rtype in types:
            if rtype in export.output:  # finished by an earlier attempt
                progress["types_done"] += 1
                progress["resources"] += sum(f["count"] for f in export.output[rtype]["files"])
                continue
            progress["type"] = rtype
            files = _write_type(ctx, export, rtype, progress, read_chunks)
            export.output[rtype] = {"files": files}
            progress["types_done"] += 1
            unrecorded += sum(f["count"] for f in files)
            # Record finished types now and then, not after each: a commit costs more than writing a
            # small type again after a crash (the re-claimed attempt redoes only unrecorded types).
            if unrecorded >= CHECKPOINT_RESOURCES or time.monotonic() - last_checkpoint >= CHECKPOINT_SECONDS:
                ctx.commit_step(checkpoint, progress)
                unrecorded, last_checkpoint = 0, time.monotonic()

    def finish() -> None:
        now = timezone.now()
        expires = exports.expires_after(now)
        if ExportRequest.objects.filter(pk=export.pk, status=Status.ACCEPTED).update(
                output=export.output, status=Status.COMPLETED, completed_at=now, expires_at=expires):
            queue.enqueue("bulk.expire", {"export_id": str(export.id)}, run_after=expires)

    ctx.commit_step(finish, progress)
    _remove_strays(export)
    return {"types": len(types), "resources": progress["resources"]}


def _remove_strays(export: ExportRequest) -> None:
    """Delete files of dead attempts that the manifest does not list."""
    export.refresh_from_db(fields=["output", "errors"])
    listed = {f["name"] for t in export.output.values() for f in t["files"]} | {e["name"] for e in export.errors}
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
