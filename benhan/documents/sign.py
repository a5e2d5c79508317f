"""Sign a paper: render the form, PAdES-sign the PDF, JWS-sign the FHIR content, file it all in the record.

The slow part (a remote CA waits for the signer to approve on their phone) happens before any
database transaction opens; the Binary, DocumentReference, Provenance and index row are then written
in one transaction, so a document is filed whole or not at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from pyhanko.sign.timestamps import TimeStamper

from ..accounts.models import Facility, User
from ..fhir.repository import Repository
from ..fhir.store import Stored
from . import records
from .kinds import get_kind
from .models import SignedDocument, SigningCredential
from .pdf.contexts import context_from_resources, facility_block
from .pdf.formatting import vn_long_date
from .pdf.render import render_pdf
from .signing.credentials import active_credential, signer_for
from .signing.jws import canonical_json, sign_detached
from .signing.keys import SigningError
from .signing.pades import sign_pdf
from .signing.timestamps import configured_timestamper

_REF_RE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/(\d+))?$")


@dataclass(frozen=True)
class VersionedRef:
    resource_type: str
    id: str
    version: int | None

    @classmethod
    def parse(cls, text: str) -> VersionedRef:
        m = _REF_RE.match(text)
        if not m:
            raise SigningError(f"tham chiếu không hợp lệ: {text}")
        return cls(m[1], m[2], int(m[3]) if m[3] else None)

    @property
    def plain(self) -> str:
        return f"{self.resource_type}/{self.id}"


def versioned(stored: Stored) -> str:
    return f"{stored.resource_type}/{stored.id}/_history/{stored.version_id}"


def read_subjects(repo: Repository, subject_refs: list[str]) -> list[Stored]:
    """The resources to sign, at the version named (or the current one), through the repository."""
    out = []
    for text in subject_refs:
        ref = VersionedRef.parse(text)
        out.append(repo.vread(ref.resource_type, ref.id, ref.version) if ref.version
                   else repo.read(ref.resource_type, ref.id))
    return out


def _patient_ref(resources: list[dict[str, Any]]) -> str:
    for r in resources:
        if r["resourceType"] == "Patient":
            return f"Patient/{r['id']}"
    for r in resources:
        for key in ("subject", "patient"):
            ref = str((r.get(key) or {}).get("reference", ""))
            if ref.startswith("Patient/"):
                return ref
    return ""


@dataclass
class Prepared:
    """Everything a signature covers, fixed before any slow work: the subjects at their versions and the form."""

    kind: str
    signer: User
    facility_code: str
    facility: Facility | None
    stored: list[Stored]
    context: dict[str, Any]
    previous: SignedDocument | None
    reason: str

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [s.json() for s in self.stored]

    @property
    def targets(self) -> list[str]:
        return [versioned(s) for s in self.stored]


def prepare(repo: Repository, signer: User, kind: str, subject_refs: list[str],
            context: dict[str, Any] | None = None, *, replaces: SignedDocument | str | None = None,
            reason: str = "") -> Prepared:
    """Check what can be checked at once and read the subjects (through the repository, audited)."""
    form = get_kind(kind)
    previous = _previous(replaces, kind)
    if previous is not None and not reason.strip():
        raise SigningError("đính chính phải ghi rõ lý do")
    active_credential(signer)
    stored = read_subjects(repo, subject_refs)
    facility = Facility.objects.filter(code=repo.facility).first()
    if context is None:
        try:
            context = context_from_resources(kind, [s.json() for s in stored], facility=facility)
        except ValueError as exc:
            raise SigningError(f"thiếu dữ liệu để lập {form.title.lower()}: {exc}") from exc
    else:
        context = {"facility": facility_block(facility), **context}
    return Prepared(kind, signer, repo.facility, facility, stored, context, previous, reason)


@dataclass
class Produced:
    doc_id: str
    signed_at: datetime
    pdf: bytes
    jws: str
    credential: SigningCredential


def produce(prepared: Prepared, *, timestamper: TimeStamper | None = None,
            on_wait: Callable[[], None] | None = None) -> Produced:
    """The slow part: render the form and sign it twice (PAdES, JWS). Touches no database row, so it
    may wait for a remote CA (`on_wait` runs between polls: a job's heartbeat)."""
    form = get_kind(prepared.kind)
    signer, facility, previous = prepared.signer, prepared.facility, prepared.previous
    credential = active_credential(signer)
    doc_id = str(uuid.uuid4())
    signed_at = datetime.now(UTC).replace(microsecond=0)
    signer_name = records.person_name(signer)
    context = prepared.context
    context = {
        **context,
        "document": {**(context.get("document") or {}), "id": doc_id},
        "signer": {"name": signer_name, "licence": signer.licence_number, "signed": True,
                   "long_date": vn_long_date(signed_at), **(context.get("signer") or {})},
    }
    digest_signer = signer_for(credential, on_wait=on_wait)
    timestamper = timestamper or configured_timestamper()
    description = f"{form.title} — {context.get('patient', {}).get('name', '')}"
    pdf = sign_pdf(
        render_pdf(prepared.kind, context), digest_signer,
        reason=f"Ký {form.title.lower()}" + (f" (đính chính: {prepared.reason})" if previous else ""),
        location=(facility.name if facility else prepared.facility_code), name=signer_name, timestamper=timestamper,
    )
    jws = sign_detached(canonical_json(prepared.resources), digest_signer, signed_at, description)
    return Produced(doc_id, signed_at, pdf, jws, credential)


def file_document(repo: Repository, prepared: Prepared, produced: Produced) -> SignedDocument:
    """File a produced document whole: Binary, DocumentReference, Provenance and the index row, one transaction."""
    form = get_kind(prepared.kind)
    signer, facility, previous, reason = prepared.signer, prepared.facility, prepared.previous, prepared.reason
    patient_ref = _patient_ref(prepared.resources)
    signed_pdf = produced.pdf
    with transaction.atomic():
        binary = repo.create(records.binary(signed_pdf, patient_ref))
        repo.create(records.document_reference(
            doc_id=produced.doc_id, kind=form, pdf=signed_pdf, binary_id=binary.id, patient_ref=patient_ref,
            signer=signer, facility=facility, facility_code=repo.facility, signed_at=produced.signed_at,
            subject_refs=[s.reference for s in prepared.stored], replaces_id=previous.id if previous else "",
            reason=reason,
        ), resource_id=produced.doc_id)
        prov = repo.create(records.provenance(targets=prepared.targets, signer=signer, facility=facility,
                                              facility_code=repo.facility, signed_at=produced.signed_at,
                                              jws=produced.jws, reason=reason if previous else ""))
        if previous is not None:
            _supersede(repo, previous)
        return SignedDocument.objects.create(
            id=produced.doc_id, kind=prepared.kind, facility_code=repo.facility, patient_ref=patient_ref,
            binary_id=binary.id, provenance_id=prov.id, signer=signer, credential=produced.credential,
            signed_at=produced.signed_at, sha256=hashlib.sha256(signed_pdf).hexdigest(), size=len(signed_pdf),
            replaces=previous, correction_reason=reason if previous else "",
        )


def sign_document(repo: Repository, signer: User, kind: str, subject_refs: list[str],
                  context: dict[str, Any] | None = None, *, replaces: SignedDocument | str | None = None,
                  reason: str = "", timestamper: TimeStamper | None = None) -> SignedDocument:
    """Render, sign and file one form. See the package docstring for the contract."""
    prepared = prepare(repo, signer, kind, subject_refs, context, replaces=replaces, reason=reason)
    return file_document(repo, prepared, produce(prepared, timestamper=timestamper))


def correct_document(repo: Repository, signer: User, previous: SignedDocument | str, reason: str,
                     subject_refs: list[str] | None = None, context: dict[str, Any] | None = None) -> SignedDocument:
    """A correction: a new signed version that replaces `previous`; the old one's bytes stay as they were."""
    prev = _previous(previous, None)
    assert prev is not None
    if subject_refs is None:
        subject_refs = [VersionedRef.parse(t["reference"]).plain
                        for t in repo.read("Provenance", prev.provenance_id).json().get("target", [])]
    return sign_document(repo, signer, prev.kind, subject_refs, context, replaces=prev, reason=reason)


def _previous(replaces: SignedDocument | str | None, kind: str | None) -> SignedDocument | None:
    if replaces is None:
        return None
    doc = replaces if isinstance(replaces, SignedDocument) else SignedDocument.objects.get(pk=replaces)
    doc.refresh_from_db()
    if doc.status != SignedDocument.Status.CURRENT:
        raise SigningError("chỉ đính chính được bản hiện hành (bản này đã được thay thế)")
    if kind is not None and doc.kind != kind:
        raise SigningError("bản đính chính phải cùng loại giấy tờ với bản gốc")
    return doc


def _supersede(repo: Repository, previous: SignedDocument) -> None:
    """Mark the old DocumentReference superseded (a new version of it); its Binary is never touched."""
    current = repo.read("DocumentReference", previous.id)
    resource = current.json()
    resource["status"] = "superseded"
    repo.update(resource, previous.id, if_match=current.version_id)
    previous.status = SignedDocument.Status.SUPERSEDED
    previous.save(update_fields=["status"])


def signed_pdf(repo: Repository, document: SignedDocument, *, interaction: str = "download") -> bytes:
    """The signed PDF bytes, read through the repository, with the download/print in the audit trail."""
    repo.read("DocumentReference", document.pk)  # access to the document is decided on its DocumentReference
    pdf = base64.b64decode(repo.read("Binary", document.binary_id).json().get("data", ""))
    repo.audit_event(interaction, resource_type="DocumentReference", resource_id=document.pk,
                     patient_id=document.patient_ref.removeprefix("Patient/"))
    return pdf


def history(document: SignedDocument) -> list[SignedDocument]:
    """Every version of a document, oldest first, whichever version is given."""
    first = document
    while first.replaces_id:
        first = SignedDocument.objects.get(pk=first.replaces_id)
    chain = [first]
    while True:
        nxt = SignedDocument.objects.filter(replaces_id=chain[-1].pk).first()
        if nxt is None:
            return chain
        chain.append(nxt)
