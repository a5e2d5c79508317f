"""Bulk Data `$export` (FHIR Bulk Data Access IG v1/v2): kick-off, status, cancellation, files.

Plain functions (no HTTP) used by the operation handler (operations/export.py), the status and
file views (views.py) and the worker task (tasks.py). Files are NDJSON, one per resource type (split
past BULK_EXPORT_FILE_MAX_RESOURCES), under VAR_DIR/exports/<export id>/, and expire after
BULK_EXPORT_EXPIRE_SECONDS.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from benhan.jobs import queue

from .. import store
from ..access import READ, Actor
from ..compartment import in_patient_compartment_types
from ..errors import FhirError, Issue, forbidden, gone, invalid, not_found
from ..models import ResourceRow
from ..repository import Repository
from ..store import format_instant
from .compartment_index import in_compartments
from .models import CompartmentMember, ExportRequest
from .params import instant_param, single, types_param

Status = ExportRequest.Status
OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
NDJSON = "application/fhir+ndjson"
# Parameters of the IG this server does not implement: refused (400) unless `Prefer: handling=lenient`.
UNSUPPORTED = ("_typeFilter", "_elements", "includeAssociatedData", "patient", "_until")
EXPORT_JOB = "bulk.export"
EXPIRE_JOB = "bulk.expire"


def expire_seconds() -> int:
    return int(getattr(settings, "BULK_EXPORT_EXPIRE_SECONDS", 24 * 3600))


def exports_dir() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def export_dir(export: ExportRequest) -> Path:
    return exports_dir() / str(export.id)


def status_url(export: ExportRequest) -> str:
    return f"{settings.FHIR_BASE_URL}/bulk/{export.id}"


def file_url(export: ExportRequest, name: str) -> str:
    return f"{status_url(export)}/files/{name}"


# --- kick-off ---------------------------------------------------------------------------------------


def _readable(actor: Actor, rtype: str) -> bool:
    return any(s.allows(rtype, READ) for s in actor.scopes)


def _scope_types(actor: Actor) -> list[str] | None:
    if any(s.resource_type == "*" and s.read for s in actor.scopes):
        return None
    return sorted({s.resource_type for s in actor.scopes if s.read})


def _group_members(repo: Repository, group_id: str) -> list[str]:
    repo.policy.check_type(repo.actor, "Group", READ)
    head = store.current("Group", group_id)
    if head is None:
        raise not_found("Group", group_id)
    if head.deleted:
        raise gone("Group", group_id, head.version_id)
    repo.policy.check_tenant(repo.actor, head.tenant, head.reference)
    members = []
    for member in head.json().get("member") or ():
        ref = (member.get("entity") or {}).get("reference", "")
        if ref.startswith("Patient/") and not member.get("inactive"):
            members.append(ref[len("Patient/"):])
    return sorted(set(members))


def start_export(
    repo: Repository,
    *,
    level: str,
    params: list[tuple[str, str]],
    prefer: str,
    request_url: str,
    group_id: str = "",
) -> ExportRequest:
    """Validate a kick-off request, record it and queue its job. `level`: system, patient or group."""
    # `Prefer: respond-async, handling=lenient` (either separator is seen in the wild).
    prefer_tokens = {token.strip().lower() for token in prefer.replace(";", ",").split(",")}
    if "respond-async" not in prefer_tokens:
        raise invalid("$export runs asynchronously: send the header 'Prefer: respond-async'")
    lenient = "handling=lenient" in prefer_tokens
    for name in UNSUPPORTED:
        if any(k == name for k, _ in params) and not lenient:
            raise FhirError(400, [Issue("not-supported", f"the {name} parameter is not supported by this server", (name,))])
    output_format = single(params, "_outputFormat")
    if output_format is not None and output_format.replace(" ", "+") not in OUTPUT_FORMATS:
        raise invalid(f"_outputFormat {output_format} is not supported; use {NDJSON}", "_outputFormat")
    from ..rest.resource_types import resource_types

    types = types_param(params, frozenset(resource_types()))
    since = instant_param(params, "_since")
    actor = repo.actor
    if level == "system" and actor.patient_context_only:
        raise forbidden("a patient-context token may export only its patients' records (Patient/$export)")
    if types is not None:
        if level != "system" and (outside := sorted(types - in_patient_compartment_types())):
            raise invalid(f"{', '.join(outside)} are not in the Patient compartment", "_type")
        if refused := sorted(t for t in types if not _readable(actor, t)):
            raise forbidden(f"the token's scopes do not allow reading {', '.join(refused)}")
    elif not any(s.read for s in actor.scopes):
        raise forbidden("the token's scopes allow reading nothing")
    patient_ids: list[str] | None = None
    if level == "group":
        patient_ids = _group_members(repo, group_id)
    if actor.patient_context_only:
        allowed = sorted(actor.patient_ids)
        patient_ids = allowed if patient_ids is None else sorted(set(patient_ids) & set(allowed))
    now = timezone.now()
    facilities = None if actor.facilities is None else sorted(actor.facilities)
    with transaction.atomic():
        export = ExportRequest.objects.create(
            owner_kind=actor.kind,
            owner_id=actor.id,
            facilities=facilities,
            level=level,
            group_id=group_id,
            types=sorted(types) if types else [],
            scope_types=_scope_types(actor),
            since=since,
            patient_ids=patient_ids,
            request_url=request_url,
            # Milliseconds, as the manifest states it, so `_since=<this transactionTime>` next time
            # picks up exactly where this export stopped.
            transaction_time=now.replace(microsecond=now.microsecond // 1000 * 1000),
        )
        export.job = queue.enqueue(EXPORT_JOB, {"export_id": str(export.id)})
        export.save(update_fields=["job"])
        repo.audit_event("operation", resource_type="Group" if level == "group" else ("Patient" if level == "patient" else ""),
                         resource_id=group_id,
                         patient_id=patient_ids[0] if patient_ids is not None and len(patient_ids) == 1 else "",
                         query=request_url)
    return export


# --- what an export contains ------------------------------------------------------------------------


def _visible_rows(export: ExportRequest) -> QuerySet[ResourceRow]:
    rows = ResourceRow.objects.filter(deleted=False, last_updated__lte=export.transaction_time)
    if export.since is not None:
        rows = rows.filter(last_updated__gt=export.since)
    if export.facilities is not None:
        rows = rows.filter(tenant__in=[*export.facilities, ""])
    if export.patient_ids is not None:
        rows = rows.filter(in_compartments(export.patient_ids))
    elif export.level != "system":
        rows = rows.filter(Exists(CompartmentMember.objects.filter(
            resource_type=OuterRef("resource_type"), resource_id=OuterRef("resource_id"))))
    if export.owner_kind == "patient":  # what the facility still holds back from the patient (decision 0024)
        from benhan.fhir.holds import held_sql

        sql, params = held_sql(ResourceRow._meta.db_table)
        if sql:
            rows = rows.extra(where=[sql], params=params)  # noqa: S610 (our own SQL, values as params)
    return rows


def export_types(export: ExportRequest) -> list[str] | None:
    """The types to export: those asked for, narrowed to the caller's scopes (and, for Patient and
    Group exports, to Patient-compartment types); None when no type restriction applies."""
    types: set[str] | None = set(export.types) if export.types else None
    if export.scope_types is not None:
        types = set(export.scope_types) if types is None else types & set(export.scope_types)
    if export.level != "system":
        compartment = in_patient_compartment_types()
        types = set(compartment) if types is None else types & compartment
    return None if types is None else sorted(types)


def rows_to_export(export: ExportRequest) -> QuerySet[ResourceRow]:
    rows = _visible_rows(export)
    types = export_types(export)
    if types is not None and (export.level == "system" or set(types) != in_patient_compartment_types()):
        rows = rows.filter(resource_type__in=types)
    return rows


def output_files(export: ExportRequest) -> list[dict[str, Any]]:
    """Files written so far (all of them once completed), Patient first, then by type and part."""
    files = [f for f in (export.output or {}).get("files", []) if f["count"]]
    return sorted(files, key=lambda f: (f["type"] != "Patient", f["type"], f["name"]))


# --- status, cancellation, files -------------------------------------------------------------------


def owned_export(actor: Actor, export_id: str) -> ExportRequest:
    """The export, if this caller started it; otherwise 404 (others' exports are not disclosed)."""
    try:
        export = ExportRequest.objects.select_related("job").get(pk=uuid.UUID(export_id))
    except (ValueError, ExportRequest.DoesNotExist):
        raise FhirError(404, [Issue("not-found", f"no export {export_id}")]) from None
    if (export.owner_kind, export.owner_id) != (actor.kind, actor.id):
        raise FhirError(404, [Issue("not-found", f"no export {export_id}")])
    return export


def manifest(export: ExportRequest) -> dict[str, Any]:
    outputs = output_files(export)
    return {
        "transactionTime": format_instant(export.transaction_time),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [{"type": f["type"], "url": file_url(export, f["name"]), "count": f["count"]} for f in outputs],
        "error": [{"type": "OperationOutcome", "url": file_url(export, e["name"]), "count": e["count"]}
                  for e in export.errors],
    }


def progress_text(export: ExportRequest) -> str:
    job = export.job
    if job is None or job.status == "queued":
        return "queued" if not (job and job.attempts) else f"waiting to retry (attempt {job.attempts + 1})"
    p = job.progress or {}
    return f"{p['resources']} resources written" if "resources" in p else "starting"


def status_response(export: ExportRequest, now: datetime | None = None) -> tuple[int, dict[str, str], bytes]:
    """(HTTP status, headers, body) of a status poll."""
    now = now or timezone.now()
    job_status = export.job.status if export.job else "failed"
    if export.status == Status.ACCEPTED and job_status in ("failed", "cancelled", "succeeded"):
        # The job ended but its hook could not record it (disk full, crash in between): never
        # leave the client polling a 202 forever.
        export.status = Status.FAILED if job_status != "cancelled" else Status.CANCELLED
    if export.status == Status.ACCEPTED:
        return 202, {"X-Progress": progress_text(export), "Retry-After": "2"}, b""
    if export.status == Status.COMPLETED and export.expires_at and export.expires_at > now:
        headers = {"Expires": export.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")}
        return 200, headers, orjson.dumps(manifest(export))
    if export.status == Status.FAILED:
        reason = (export.job.last_error if export.job and export.job.last_error
                  else "the export job ended without recording its result")
        issues = [Issue("exception", f"the export failed: {reason}")]
        if export.errors:
            issues.append(Issue("informational", f"details: {file_url(export, export.errors[0]['name'])}",
                                severity="information"))
        raise FhirError(500, issues)
    if export.status == Status.CANCELLED:
        raise FhirError(404, [Issue("not-found", f"export {export.id} was cancelled")])
    raise FhirError(410, [Issue("deleted", f"export {export.id} has expired; its files were removed")])


def remove_files(export: ExportRequest) -> None:
    shutil.rmtree(export_dir(export), ignore_errors=True)


def cancel_export(export: ExportRequest) -> None:
    """DELETE on the status URL: stop the job, remove the files. A finished export is deleted too."""
    if export.status in (Status.CANCELLED, Status.EXPIRED):
        raise FhirError(404, [Issue("not-found", f"export {export.id} was already removed")])
    with transaction.atomic():
        ExportRequest.objects.filter(pk=export.pk).update(status=Status.CANCELLED)
        if export.job_id is not None:
            queue.cancel(export.job_id)
    export.status = Status.CANCELLED
    remove_files(export)  # the worker removes them again if it writes more before it notices


def file_path(export: ExportRequest, name: str) -> Path:
    """The file behind a manifest URL; 404 unless the export lists it and it is still kept."""
    listed = {f["name"] for f in output_files(export)} | {e["name"] for e in export.errors}
    kept = export.status in (Status.COMPLETED, Status.FAILED) and (
        export.expires_at is None or export.expires_at > timezone.now())
    if not kept or name not in listed:
        raise FhirError(404, [Issue("not-found", f"no file {name} in export {export.id}")])
    path = export_dir(export) / name
    if not path.is_file():
        raise FhirError(404, [Issue("not-found", f"file {name} of export {export.id} is gone")])
    return path


def expires_after(moment: datetime) -> datetime:
    return moment + timedelta(seconds=expire_seconds())


def due_for_expiry(now: datetime | None = None) -> QuerySet[ExportRequest]:
    now = now or timezone.now()
    return ExportRequest.objects.filter(Q(status__in=[Status.COMPLETED, Status.FAILED]), expires_at__lte=now)
