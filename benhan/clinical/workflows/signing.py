"""Signing the clinical papers through benhan.documents (PAdES PDF + Provenance), one step each.

Each paper is signed over the final state of what it records, so the signature never goes stale
through the workflow's own later writes:
- the visit record is signed as the visit is concluded (conclusion and signature are one step, so an
  unsigned visit can never be finished: a refused signature rolls the conclusion back);
- a lab report is made final and signed in one step (release to the patient follows the signature);
- a prescription is signed over its lines after the national code is recorded on them;
- the discharge paper is signed as the stay is closed.

With the facility CA or an imported PKCS#12 key, signing runs inside the step's transaction (a
refusal rolls the step back). A signer whose certificate lives with a remote CA approves on their
phone, which may take minutes: the step then records a signature request with its own writes and a
job obtains the signature and files the paper (benhan.documents.pending); the page shows the paper
as awaiting signature until then.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from benhan.accounts.models import Facility, User
from benhan.fhir.repository import Repository

from ..errors import ClinicalError
from ..models import ChartEntry
from .common import load, subject_id

KIND_SYSTEM = "https://benhan.vn/fhir/CodeSystem/loai-giay-to"


def sign(repo: Repository, signer: User, kind: str, refs: list[str], context: dict[str, Any]) -> Any:
    """Sign one paper (a SignedDocument), or for a remote-CA signer request it (a PendingSignature);
    a refusal becomes a ClinicalError (the caller's transaction rolls back)."""
    from benhan.documents import SigningError, request_signature, sign_document
    from benhan.documents.signing.credentials import is_remote

    if signer.pk is None or str(signer.pk) != repo.actor.id:
        raise ClinicalError(_("Chỉ người chịu trách nhiệm đang đăng nhập mới được ký."))
    try:
        if is_remote(signer):
            return request_signature(repo, signer, kind, refs, context)
        return sign_document(repo, signer, kind, refs, context)
    except SigningError as exc:
        raise ClinicalError(_("Không ký số được: %(reason)s") % {"reason": str(exc)}, "sign") from exc


def signed_documents(repo: Repository, encounter_id: str) -> list[dict[str, Any]]:
    """The encounter's signed papers (current versions), oldest first."""
    ids = list(ChartEntry.objects.filter(encounter_id=encounter_id, resource_type="DocumentReference",
                                         status="current").exclude(category__in=("", "attachment"))
               .order_by("sort_date", "id").values_list("resource_id", flat=True).distinct())
    return [d for d in (s.json() for s in repo.read_many("DocumentReference", ids)) if d.get("docStatus") == "final"
            and kind_of(d)]


def kind_of(document: dict[str, Any]) -> str:
    for cat in document.get("category") or ():
        for c in cat.get("coding") or ():
            if c.get("system") == KIND_SYSTEM:
                return str(c.get("code", ""))
    return ""


def signed_targets(documents: list[dict[str, Any]]) -> set[str]:
    """"Type/id" of every resource a current signed paper covers."""
    out: set[str] = set()
    for d in documents:
        out |= {r["reference"].split("/_history")[0] for r in (d.get("context") or {}).get("related", [])}
        out |= {r["reference"] for r in (d.get("context") or {}).get("encounter", [])}
    return out


def facility_of(repo: Repository) -> Facility | None:
    return Facility.objects.filter(code=repo.facility).first()


def coverage_of(repo: Repository, patient_id: str) -> dict[str, Any] | None:
    ids = list(ChartEntry.objects.filter(patient_id=patient_id, resource_type="Coverage", status="active")
               .order_by("-sort_date").values_list("resource_id", flat=True)[:1])
    found = repo.read_many("Coverage", ids)
    return found[0].json() if found else None


def patient_refs(repo: Repository, resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    patient_id = subject_id(resource)
    _stored, patient = load(repo, "Patient", patient_id)
    return f"Patient/{patient_id}", patient


def signed_for_encounters(repo: Repository, encounter_ids: list[str]) -> set[str]:
    """"Type/id" of everything the current signed papers of these encounters cover (one index query and
    one batch read), so a chart page shows the right state for old encounters too."""
    if not encounter_ids:
        return set()
    ids = list(ChartEntry.objects.filter(encounter_id__in=encounter_ids, resource_type="DocumentReference",
                                         status="current").exclude(category__in=("", "attachment"))
               .values_list("resource_id", flat=True).distinct())
    documents = [d for d in (s.json() for s in repo.read_many("DocumentReference", ids))
                 if d.get("docStatus") == "final" and kind_of(d)]
    return signed_targets(documents)
