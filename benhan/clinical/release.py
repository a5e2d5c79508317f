"""When a signed lab report reaches the patient (decision 0024).

A report is released once its signed paper exists (a remote CA may still be asking the signer) and,
when it holds a test the catalog marks "release after review", once a doctor has gone over it with
the patient or the facility's delay after signing has passed. `result_ready` fires exactly once, at
the moment of release: at signing, at the doctor's review, when the remote signature is filed, or by
the `clinical.release_result` job at the end of the delay. The row lock on `ResultRelease` makes the
notice single even when two of these race.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from benhan.accounts.models import User
from benhan.fhir.repository import Repository
from benhan.jobs.queue import enqueue
from benhan.jobs.registry import job_handler

from .errors import ClinicalError
from .fhirutil import BENHAN, LABTEST_SYSTEM, now_iso
from .models import ResultRelease
from .workflows.common import load, performer, subject_id

JOB_KIND = "clinical.release_result"
RELEASE_SYSTEM = f"{BENHAN}/CodeSystem/phat-hanh-ket-qua"
AFTER_REVIEW = "after-review"  # meta tag on the report: held until reviewed with the patient, or the delay
REVIEWED = "reviewed-with-patient"  # Provenance.activity of the doctor's review


def review_hours(facility: str) -> float:
    """BENHAN_RESULT_REVIEW_HOURS: "72" for every facility, or "72,79001=48" with per-facility values."""
    hours, default = {}, 72.0
    for part in str(getattr(settings, "RESULT_REVIEW_HOURS", "72")).split(","):
        key, _sep, value = part.strip().rpartition("=")
        if value.strip():
            if key:
                hours[key.strip()] = float(value)
            else:
                default = float(value)
    return hours.get(facility, default)


def needs_review(observations: Iterable[dict[str, Any]]) -> bool:
    """A report holding any test the catalog marks "release after review"."""
    from benhan.vn.models import LabTest

    codes = {c.get("code") for o in observations for c in (o.get("code") or {}).get("coding") or ()
             if c.get("system") == LABTEST_SYSTEM}
    return bool(codes) and LabTest.objects.filter(code__in=codes, release_after_review=True).exists()


def tag_after_review(report: dict[str, Any]) -> None:
    """Mark the report itself (before it is signed) so the FHIR record says it is held."""
    tags = report.setdefault("meta", {}).setdefault("tag", [])
    if not any(t.get("system") == RELEASE_SYSTEM for t in tags):
        tags.append({"system": RELEASE_SYSTEM, "code": AFTER_REVIEW, "display": "Release after review"})


def on_signed(repo: Repository, report: dict[str, Any], signed: Any, review_required: bool) -> None:
    """Called in the signing transaction. `signed` is a SignedDocument, or a PendingSignature when a
    remote CA still has to answer."""
    from benhan.documents.models import PendingSignature

    now = timezone.now()
    awaiting = isinstance(signed, PendingSignature)
    row = ResultRelease.objects.create(
        report_id=report["id"], facility_code=repo.facility, patient_ref=f"Patient/{subject_id(report)}",
        signed_at=now, review_required=review_required, awaiting_signature=awaiting,
        document_id="" if awaiting else str(signed.pk),
        hold_until=now + timedelta(hours=review_hours(repo.facility)) if review_required else None)
    if review_required:
        enqueue(JOB_KIND, {"report": row.report_id}, run_after=row.hold_until)
    release(row.report_id)


def _held(now: datetime) -> Q:
    return Q(awaiting_signature=True) | Q(review_required=True, reviewed_at__isnull=True, hold_until__gt=now)


def patient_holds() -> list[tuple[str, str, list[Any]]]:
    """The hold registered with benhan.fhir.holds: held reports and the Observations they report, so a
    SMART app or any patient-context search sees them no sooner than the app's own pages."""
    from django.db import connection

    from benhan.fhir.search.models import ReferenceIndex

    releases, references = ResultRelease._meta.db_table, ReferenceIndex._meta.db_table
    held = (f"SELECT report_id AS id FROM {releases} WHERE awaiting_signature = %s"  # noqa: S608
            " OR (review_required = %s AND reviewed_at IS NULL AND hold_until > %s)")
    held_params: list[Any] = [True, True, connection.ops.adapt_datetimefield_value(timezone.now())]
    observations = (f"SELECT target_id AS id FROM {references} WHERE resource_type = %s AND param = %s"  # noqa: S608
                    f" AND target_type = %s AND resource_id IN ({held})")
    return [("DiagnosticReport", held, held_params),
            ("Observation", observations, ["DiagnosticReport", "result", "Observation", *held_params])]


def withheld(report_ids: Iterable[str]) -> set[str]:
    """Those of these reports the patient may not see yet (reports signed before holds existed have no
    row and stay released)."""
    ids = list(report_ids)
    if not ids:
        return set()
    return set(ResultRelease.objects.filter(_held(timezone.now()), report_id__in=ids)
               .values_list("report_id", flat=True))


def withheld_documents(document_ids: Iterable[str]) -> set[str]:
    """Signed papers of reports not yet released (the PDF shows the results too)."""
    ids = list(document_ids)
    if not ids:
        return set()
    return set(ResultRelease.objects.filter(_held(timezone.now()), document_id__in=ids)
               .values_list("document_id", flat=True))


def holds(report_ids: Iterable[str]) -> dict[str, ResultRelease]:
    """Reports needing a review, with their state (for the encounter page)."""
    return {r.report_id: r for r in ResultRelease.objects.filter(report_id__in=list(report_ids), review_required=True)}


def is_held(report_id: str) -> bool:
    return bool(withheld([report_id]))


def release(report_id: str) -> bool:
    """Send `result_ready` if the report is released now and nobody has sent it; True if sent here."""
    from benhan.core.events import emit

    with transaction.atomic():
        row = ResultRelease.objects.select_for_update().filter(pk=report_id, notified_at__isnull=True).first()
        if row is None or ResultRelease.objects.filter(_held(timezone.now()), pk=report_id).exists():
            return False
        emit("result_ready", patient=row.patient_ref, facility=row.facility_code,
             link=f"/app/ho-so/{{profile}}/ket-qua/{report_id}/")
        row.notified_at = timezone.now()
        row.save(update_fields=["notified_at"])
        return True


def record_review(repo: Repository, doctor: User, report_id: str) -> dict[str, Any]:
    """The doctor has gone over the result with the patient: a Provenance on the report (written and
    audited through the repository), then the result is released."""
    if doctor.role != "doctor":
        raise ClinicalError(_("Chỉ bác sĩ được xác nhận đã tư vấn kết quả."))
    _stored, report = load(repo, "DiagnosticReport", report_id)  # policy-checked and audited read
    with transaction.atomic():
        row = ResultRelease.objects.select_for_update().filter(pk=report_id, review_required=True).first()
        if row is None or row.facility_code != repo.facility:
            raise ClinicalError(_("Kết quả này không cần bác sĩ tư vấn trước khi trả."))
        if row.reviewed_at is not None:
            raise ClinicalError(_("Kết quả này đã được tư vấn cho người bệnh."))
        when = now_iso()
        provenance = repo.create({
            "resourceType": "Provenance",
            "target": [{"reference": f"DiagnosticReport/{report_id}"}],
            "recorded": when,
            "activity": {"coding": [{"system": RELEASE_SYSTEM, "code": REVIEWED,
                                     "display": "Result reviewed with the patient"}],
                         "text": "Đã tư vấn kết quả cho người bệnh"},
            "agent": [{"who": performer(repo)}],
        }).json()
        row.reviewed_at, row.reviewed_by, row.review_provenance_id = timezone.now(), doctor, provenance["id"]
        row.save(update_fields=["reviewed_at", "reviewed_by", "review_provenance_id"])
        release(report_id)
    return provenance


def on_filed(pending: Any, document: Any) -> None:
    """A remote signature was filed (documents.sign job, in its filing transaction)."""
    if pending.kind != "lab_report":
        return
    report_ids = [r.split("/")[1] for r in pending.subject_refs if r.startswith("DiagnosticReport/")]
    ResultRelease.objects.filter(report_id__in=report_ids).update(awaiting_signature=False, document_id=document.pk)
    for report_id in report_ids:
        release(report_id)


@job_handler(JOB_KIND)
def release_after_delay(ctx: Any) -> dict[str, Any]:
    """The delay has passed: release unless already released (reviewed) or still awaiting its signature
    (then filing releases it)."""
    return {"released": ctx.commit_step(lambda: release(str(ctx.payload["report"])))}
