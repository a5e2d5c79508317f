"""Signed documents: the Vietnamese paper forms as PDF, digitally signed, filed in the FHIR record.

TT 13/2025/TT-BYT requires every clinical entry to carry the lawful digital signature of the person
responsible. This package renders the forms, signs them (PAdES on the PDF, a detached JWS on the
FHIR content), files them, and verifies them. Decision record: docs/decisions/0008-signatures.md.

API for workflows (import from `benhan.documents`; names load lazily, after Django is set up)
---------------------------------------------------------------------------------------------

sign_document(repo, signer, kind, subject_refs, context=None, *, replaces=None, reason="",
              timestamper=None) -> SignedDocument
    repo          the request's Repository (its facility is the document's custodian; every read
                  and write goes through it and is audited).
    signer        the accounts.User responsible; must have an active, valid signing credential
                  (issued by the facility CA, imported PKCS#12, or a remote-signing CA).
    kind          "visit_record" (phiếu khám bệnh), "prescription" (đơn thuốc), "lab_report"
                  (phiếu kết quả xét nghiệm), "imaging_report" (phiếu kết quả chẩn đoán hình ảnh),
                  "discharge" (giấy ra viện), "referral" (giấy chuyển
                  cơ sở KCB, TT 01/2025), "reexam_appointment" (giấy hẹn khám lại). See kinds.KINDS.
    subject_refs  the resources signed, "Type/id" (current version) or "Type/id/_history/n";
                  include the Patient. Provenance.target records each with its version.
    context       the form's plain dict; None builds it from the subject resources with
                  pdf.contexts.context_from_resources (Patient, Encounter, Condition, Observation,
                  MedicationRequest, DiagnosticReport, ServiceRequest, Appointment, Coverage).
                  To add what FHIR does not carry, build it yourself:
                  `contexts.referral_context(patient, sr, enc, conds, facility=f, extra={...})`.
    Writes Binary (the signed PDF), DocumentReference (status current, docStatus final, hash,
    size; id = the document id) and Provenance (sigFormat application/jose) in one transaction.
    Raises SigningError (Vietnamese message) when the signer cannot sign; the remote-signing
    subclasses RemoteSigningRejected / RemoteSigningTimeout tell the signer refused or never answered.
    Remote signing waits for the signer's approval: inside a transaction use request_signature.

request_signature(repo, signer, kind, subject_refs, context=None, *, replaces=None, reason="")
        -> PendingSignature
    The same paper for a signer whose key is with a remote CA: pins the subjects at their versions,
    records the request and queues a `documents.sign` job, in the caller's transaction. The job
    waits for the signer's approval (retrying an unreachable CA with backoff) and files the document
    whole once signed; `PendingSignature.status` is awaiting / signed / rejected / failed.

correct_document(repo, signer, previous, reason, subject_refs=None, context=None) -> SignedDocument
    A correction: a new signed document with relatesTo "replaces"; the old DocumentReference
    becomes superseded, its PDF bytes never change. history(doc) lists every version.

verify(repo, document) -> Verification
    who signed, when, chain to a trusted root, validity at signing time, revocation, PDF intact,
    FHIR content unchanged (`changed_resources`, "nội dung đã thay đổi sau khi ký"); `.ok`, `.problems`.

check_signed_pdf(pdf_bytes, moment=None) -> PdfCheck
    the PDF alone (e.g. a referral paper received from another facility): intact, chain trusted
    by our anchors, signer certificate, signer-reported time or trusted timestamp.

check_provenance(provenance, signed_resources, moment=None) -> ProvenanceCheck
    a Provenance's JWS against resources as received (same order as Provenance.target).

signed_pdf(repo, document, interaction="download") -> bytes
    the signed bytes, read through the repository (access decided on the DocumentReference, then
    the Binary), with a "download"/"print" audit entry.
render_pdf(kind, context) -> bytes          an unsigned form (previews).
URLs: /documents/<id>.pdf (download, audited), /documents/<id>/verify (verification page).
Operator: `benhan ca init --facility CODE`, `benhan ca issue --user U`, `benhan ca import-p12 --user U FILE`,
`benhan ca remote --user U --url URL --credential-id ID`, `benhan ca trust FILE.pem`, `benhan ca revoke --user U`,
`benhan ca list`. Settings: BENHAN_PKI_PASSPHRASE, BENHAN_REMOTE_SIGNING_TOKEN, BENHAN_TSA_URL (PAdES-B-T).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "sign_document": ".sign",
    "correct_document": ".sign",
    "history": ".sign",
    "signed_pdf": ".sign",
    "request_signature": ".pending",
    "PendingSignature": ".models",
    "verify": ".verification",
    "Verification": ".verification",
    "check_signed_pdf": ".verification",
    "check_provenance": ".verification",
    "render_pdf": ".pdf.render",
    "SigningError": ".signing.keys",
    "RemoteSigningRejected": ".signing.remote",
    "RemoteSigningTimeout": ".signing.remote",
    "SignedDocument": ".models",
    "KINDS": ".kinds",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    # Lazy so that importing the app package (Django does it before models are ready) stays cheap.
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(name)
