"""Signing through a remote CA as a durable job: the request is recorded with the clinical step, the
signature is awaited by a worker, the document is filed only once both signatures are in hand.

A remote CA (VNPT SmartCA, Viettel MySign...) waits for the signer to approve on their phone, for
up to minutes; holding the step's database transaction (and SQLite's single writer) that long would
stall the whole facility. So:

1. `request_signature` (inside the step's transaction) reads the subjects through the repository,
   pins them at their versions, stores the form's context in a PendingSignature and queues a
   `documents.sign` job, atomically with the step's own writes: the step and its request commit
   together or not at all.
2. The job renders the form and obtains the PAdES and JWS signatures with no transaction open
   (its heartbeat keeps the lease while the CA is polled), then files Binary, DocumentReference,
   Provenance and the index row in one transaction that also marks the request signed; a worker
   that lost its lease cannot file (the renewal in that transaction fails).
3. An unreachable CA, a 5xx or an unanswered request is retried with the queue's exponential
   backoff; a refusal by the signer, or a signature that does not match the certificate, ends the
   request at once (retrying would not change the answer). The UI shows each state and lets the
   signer send a refused or failed request again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from ..accounts.actors import actor_for_user
from ..accounts.models import User
from ..fhir.repository import Repository
from ..jobs import queue
from ..jobs.models import Job
from ..jobs.registry import job_handler
from .models import PendingSignature, SignedDocument
from .sign import VersionedRef, file_document, prepare, produce
from .signing.keys import SigningError
from .signing.remote import RemoteSigningRejected, RemoteSigningTimeout, RemoteSigningUnavailable

KIND = "documents.sign"
MAX_ATTEMPTS = 6
# One wait for the signer's approval (BENHAN_REMOTE_SIGNING timeout, 180 s by default) must fit in a lease.
LEASE_SECONDS = 300.0
AWAITING = PendingSignature.Status.AWAITING
# Worth asking again later: the CA could not be reached, or the signer did not answer in time.
RETRYABLE = (RemoteSigningUnavailable, RemoteSigningTimeout)
# Sent in the filing transaction with `pending` and `document`: capabilities waiting for the paper
# (a lab result released to the patient) act atomically with it.
filed = Signal()


def _subject_key(targets: list[str]) -> str:
    plain = sorted(VersionedRef.parse(t).plain for t in targets)
    return hashlib.sha256("|".join(plain).encode()).hexdigest()


def _encounter_of(resources: list[dict[str, Any]]) -> str:
    for r in resources:
        if r["resourceType"] == "Encounter":
            return str(r["id"])
    for r in resources:
        ref = str((r.get("encounter") or {}).get("reference", ""))
        if ref.startswith("Encounter/"):
            return ref.split("/", 1)[1]
    return ""


def request_signature(repo: Repository, signer: User, kind: str, subject_refs: list[str],
                      context: dict[str, Any] | None = None, *, replaces: SignedDocument | str | None = None,
                      reason: str = "") -> PendingSignature:
    """Record a signature request and queue its job (in the caller's transaction, if any)."""
    prepared = prepare(repo, signer, kind, subject_refs, context, replaces=replaces, reason=reason)
    key = _subject_key(prepared.targets)
    if PendingSignature.objects.filter(subject_key=key, kind=kind, status=AWAITING).exists():
        raise SigningError("giấy tờ này đang chờ người ký xác nhận trên dịch vụ ký số từ xa")
    resources = prepared.resources
    with transaction.atomic():
        pending = PendingSignature.objects.create(
            id=str(uuid.uuid4()), kind=kind, facility_code=repo.facility, signer=signer,
            patient_ref=next((f"Patient/{r['id']}" for r in resources if r["resourceType"] == "Patient"), ""),
            encounter_id=_encounter_of(resources), subject_refs=prepared.targets, subject_key=key,
            # Through JSON once, so the job sees exactly what a re-read of this row gives.
            context=_jsonable(prepared.context),
            replaces=prepared.previous, reason=reason,
        )
        _queue(pending)
    return pending


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _queue(pending: PendingSignature) -> None:
    job = queue.enqueue(KIND, {"pending": pending.pk}, max_attempts=MAX_ATTEMPTS)
    pending.job_id = job.pk
    pending.save(update_fields=["job_id"])


def retry(pending: PendingSignature, user: User) -> PendingSignature:
    """Send a refused or failed request again (only its signer may: the approval comes to their phone)."""
    if pending.signer_id != user.pk:
        raise SigningError("chỉ người ký của yêu cầu này mới gửi lại được")
    with transaction.atomic():
        updated = PendingSignature.objects.filter(
            pk=pending.pk, status__in=(PendingSignature.Status.REJECTED, PendingSignature.Status.FAILED),
        ).update(status=AWAITING, last_error="", attempts=0, finished_at=None)
        if not updated:
            raise SigningError("yêu cầu ký này không ở trạng thái gửi lại được")
        pending.refresh_from_db()
        _queue(pending)
    return pending


def _end(pending_id: str, status: str, error: str) -> None:
    PendingSignature.objects.filter(pk=pending_id, status=AWAITING).update(
        status=status, last_error=error[:2000], finished_at=timezone.now())


def _keep_lease(ctx: Any) -> Callable[[], None]:
    """The heartbeat run between polls of the CA. pyhanko polls from inside its own event loop, where
    Django would open a second database connection; there the beat is skipped and the lease
    (LEASE_SECONDS, longer than one whole wait for the signer) covers the wait."""
    def beat() -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            ctx.heartbeat()
    return beat


@job_handler(KIND, max_attempts=MAX_ATTEMPTS, lease_seconds=LEASE_SECONDS,
             on_failed=lambda job, reason: _end(job.payload["pending"], PendingSignature.Status.FAILED, reason))
def run_signature(ctx: Any) -> dict[str, Any]:
    pending = PendingSignature.objects.select_related("signer", "replaces").get(pk=ctx.payload["pending"])
    if pending.status != AWAITING:
        return {"status": pending.status}
    PendingSignature.objects.filter(pk=pending.pk).update(attempts=ctx.job.attempts)
    repo = Repository(actor_for_user(pending.signer), pending.facility_code)
    try:
        prepared = prepare(repo, pending.signer, pending.kind, pending.subject_refs, pending.context,
                           replaces=pending.replaces, reason=pending.reason)
        produced = produce(prepared, on_wait=_keep_lease(ctx))
    except RETRYABLE as exc:
        PendingSignature.objects.filter(pk=pending.pk, status=AWAITING).update(last_error=str(exc)[:2000])
        raise  # the queue retries after its backoff; the last failure ends the request (on_failed)
    except RemoteSigningRejected as exc:
        _end(pending.pk, PendingSignature.Status.REJECTED, str(exc))
        return {"status": "rejected"}
    except SigningError as exc:  # no valid certificate, a signature not matching it...: retrying changes nothing
        _end(pending.pk, PendingSignature.Status.FAILED, str(exc))
        return {"status": "failed"}

    def file() -> str | None:
        # The row lock makes a second worker (or a retry racing this one) find it signed and stop.
        if not PendingSignature.objects.select_for_update().filter(pk=pending.pk, status=AWAITING).exists():
            return None
        document = file_document(repo, prepared, produced)
        PendingSignature.objects.filter(pk=pending.pk).update(
            status=PendingSignature.Status.SIGNED, document=document, last_error="", finished_at=timezone.now())
        filed.send(sender=PendingSignature, pending=pending, document=document)  # e.g. a lab result released
        return document.pk

    document_id = ctx.commit_step(file)
    return {"status": "signed", "document": document_id}


def pending_for_encounter(encounter_id: str) -> list[PendingSignature]:
    """Requests of an encounter still waiting, or refused/failed and not yet sent again."""
    return list(PendingSignature.objects.filter(encounter_id=encounter_id).exclude(
        status=PendingSignature.Status.SIGNED).order_by("created_at"))


def job_of(pending: PendingSignature) -> Job | None:
    return Job.objects.filter(pk=pending.job_id).first() if pending.job_id else None
