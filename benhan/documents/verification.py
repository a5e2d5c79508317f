"""Verification of a signed document: who signed, when, with a trusted certificate, and is it intact.

Three independent checks, each reported in plain Vietnamese:
- the PDF: its PAdES signature (pyhanko) is intact, covers the whole file, and its bytes are the
  bytes filed (hash in the DocumentReference and the index);
- the certificate: it chains to a trusted root and was valid (and not revoked) when signed;
- the FHIR content: the JWS in the Provenance matches the signed resource versions, and those
  resources have not been changed since (a newer version with different content is reported).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import InvalidCertificateError, PathBuildingError, PathValidationError

from ..fhir.errors import FhirError
from ..fhir.repository import Repository
from .kinds import get_kind
from .loops import outside_event_loop
from .models import SignedDocument, SigningCredential
from .pki.certs import common_name, fingerprint, valid_at
from .pki.trust import trust_roots
from .signing.jws import canonical_json, verify_detached

CONTENT_CHANGED = "nội dung đã thay đổi sau khi ký"


@dataclass
class Verification:
    document_id: str
    title: str
    status: str
    signed_at: datetime
    timestamp: datetime | None = None  # the TSA's time (PAdES-B-T); None for B-B
    timestamp_trusted: bool = False
    signer_name: str = ""
    signer_licence: str = ""
    certificate_subject: str = ""
    certificate_issuer: str = ""
    certificate_not_after: datetime | None = None
    pdf_intact: bool = False
    bytes_match_record: bool = False
    certificate_trusted: bool = False
    certificate_valid_at_signing: bool = False
    certificate_revoked: bool = False
    fhir_signature_valid: bool = False
    content_unchanged: bool = False
    changed_resources: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    replaces: str = ""
    replaced_by: str = ""
    correction_reason: str = ""

    @property
    def ok(self) -> bool:
        return (self.pdf_intact and self.bytes_match_record and self.certificate_trusted
                and self.certificate_valid_at_signing and not self.certificate_revoked
                and self.fhir_signature_valid and self.content_unchanged)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _context(moment: datetime) -> ValidationContext:
    """Validation at the moment of signing, offline: trust comes from our anchors, not the network."""
    return ValidationContext(trust_roots=[_asn1(c) for c in trust_roots()], moment=moment, allow_fetching=False,
                             revocation_mode="soft-fail")


def chain_trusted(certs: list[x509.Certificate], moment: datetime) -> tuple[bool, str]:
    if not certs:
        return False, "không có chứng thư số"
    validator = CertificateValidator(_asn1(certs[0]), [_asn1(c) for c in certs[1:]], validation_context=_context(moment))
    try:
        outside_event_loop(asyncio.run, validator.async_validate_usage({"digital_signature"}))
    except PathBuildingError:
        return False, "chứng thư số không chuỗi được đến CA gốc tin cậy"
    except InvalidCertificateError as exc:
        if "self-signed" in str(exc):  # a self-signed certificate that is not one of our anchors
            return False, "chứng thư số không chuỗi được đến CA gốc tin cậy"
        return False, f"chứng thư số không dùng được cho chữ ký số: {exc}"
    except PathValidationError as exc:
        return False, f"chuỗi chứng thư số không hợp lệ tại thời điểm ký: {exc}"
    return True, ""


def verify(repo: Repository, document: SignedDocument | str) -> Verification:
    doc = document if isinstance(document, SignedDocument) else SignedDocument.objects.get(pk=document)
    replaced_by = SignedDocument.objects.filter(replaces_id=doc.pk).values_list("pk", flat=True).first()
    result = Verification(document_id=doc.pk, title=get_kind(doc.kind).title, status=doc.status,
                          signed_at=doc.signed_at, replaces=doc.replaces_id or "", replaced_by=replaced_by or "",
                          correction_reason=doc.correction_reason)
    docref = repo.read("DocumentReference", doc.pk).json()
    pdf = base64.b64decode(repo.read("Binary", doc.binary_id).json().get("data", ""))
    _check_bytes(result, doc, docref, pdf)
    cert = _check_pdf(result, pdf, doc.signed_at)
    # A trusted timestamp is better evidence of the signing moment than our own record.
    moment = result.timestamp if result.timestamp and result.timestamp_trusted else doc.signed_at
    _check_fhir(result, repo, doc, cert, moment)
    if cert is not None:
        _check_certificate(result, cert, moment)
    return result


def _check_bytes(result: Verification, doc: SignedDocument, docref: dict[str, Any], pdf: bytes) -> None:
    attachment = (docref.get("content") or [{}])[0].get("attachment", {})
    sha1 = base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    result.bytes_match_record = hashlib.sha256(pdf).hexdigest() == doc.sha256 and attachment.get("hash") == sha1
    if not result.bytes_match_record:
        result.problems.append("tệp PDF lưu trữ khác với tệp đã ký (mã băm không khớp)")


@dataclass
class PdfCheck:
    """What the PDF alone proves: pyhanko's view of its last signature, with no help from our records."""

    intact: bool = False  # signature matches the bytes, and covers the whole file
    chain_trusted: bool = False  # pyhanko's path validation to our anchors at `moment`
    certificate: x509.Certificate | None = None
    signer_reported_time: datetime | None = None  # the signer's own claim (PAdES-B-B)
    timestamp: datetime | None = None  # a TSA's time (PAdES-B-T)
    timestamp_trusted: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def signing_moment(self) -> datetime | None:
        return self.timestamp if self.timestamp and self.timestamp_trusted else self.signer_reported_time


def check_signed_pdf(pdf: bytes, moment: datetime | None = None) -> PdfCheck:
    """Check a signed PDF's last signature; `moment` defaults to the time the signature claims.

    Usable on any PDF (one received from another facility, one a patient brings): nothing here
    needs the document to have been signed on this server.
    """
    check = PdfCheck()
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
        if not signatures:
            check.problems.append("tệp PDF không có chữ ký số")
            return check
        signature = signatures[-1]
        check.signer_reported_time = signature.self_reported_timestamp
        at = moment or check.signer_reported_time or datetime.now(UTC)
        status = outside_event_loop(validate_pdf_signature, signature, _context(at), ts_validation_context=_context(at))
    except Exception as exc:  # a damaged file fails in the parser, in many ways: all mean "not intact"
        check.problems.append(f"chữ ký số trên tệp PDF không kiểm tra được (tệp bị hỏng hoặc bị sửa): {exc}")
        return check
    if status.timestamp_validity is not None:
        check.timestamp = status.timestamp_validity.timestamp
        check.timestamp_trusted = bool(status.timestamp_validity.intact and status.timestamp_validity.valid
                                       and status.timestamp_validity.trusted)
        if not check.timestamp_trusted:
            check.problems.append("dấu thời gian trên chữ ký không hợp lệ hoặc không do đơn vị tin cậy cấp")
    check.intact = bool(status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)
    if not check.intact:
        check.problems.append("chữ ký số trên tệp PDF không còn toàn vẹn: tệp đã bị sửa sau khi ký")
    check.chain_trusted = bool(status.trusted)
    check.certificate = x509.load_der_x509_certificate(status.signing_cert.dump())
    return check


def _check_pdf(result: Verification, pdf: bytes, signed_at: datetime) -> x509.Certificate | None:
    check = check_signed_pdf(pdf, signed_at)
    result.pdf_intact = check.intact
    result.timestamp, result.timestamp_trusted = check.timestamp, check.timestamp_trusted
    result.problems += check.problems
    return check.certificate


def _check_certificate(result: Verification, cert: x509.Certificate, signed_at: datetime) -> None:
    result.signer_name = common_name(cert)
    serials = cert.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)
    result.signer_licence = str(serials[0].value).removeprefix("CCHN:") if serials else ""
    names = {x509.NameOID.SERIAL_NUMBER: "serialNumber", x509.NameOID.USER_ID: "UID"}
    result.certificate_subject = cert.subject.rfc4514_string(names)
    result.certificate_issuer = cert.issuer.rfc4514_string(names)
    result.certificate_not_after = cert.not_valid_after_utc
    result.certificate_valid_at_signing = valid_at(cert, signed_at)
    if not result.certificate_valid_at_signing:
        result.problems.append("chứng thư số không có hiệu lực tại thời điểm ký (đã hết hạn hoặc chưa có hiệu lực)")
    revoked = SigningCredential.objects.filter(fingerprint_sha256=fingerprint(cert), revoked_at__lte=signed_at).exists()
    result.certificate_revoked = revoked
    if revoked:
        result.problems.append("chứng thư số đã bị thu hồi trước thời điểm ký")


@dataclass
class ProvenanceCheck:
    """What a Provenance's JWS proves about a set of resources, with no help from our records."""

    signature_valid: bool
    chain_trusted: bool
    certificates: list[x509.Certificate]
    signed_at: datetime | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.chain_trusted


def check_provenance(provenance: dict[str, Any], signed_resources: list[dict[str, Any]],
                     moment: datetime | None = None) -> ProvenanceCheck:
    """Check the JWS of a Provenance against the resources it names (in Provenance.target order).

    For a package received from another facility: the resources as received, their Provenance,
    and our trust anchors; `moment` defaults to Provenance.signature.when.
    """
    signature: dict[str, Any] = next(iter(provenance.get("signature") or ()), {})
    when = signature.get("when") or provenance.get("recorded")
    at = moment or (datetime.fromisoformat(str(when).replace("Z", "+00:00")) if when else None)
    try:
        token = base64.b64decode(signature.get("data", "")).decode()
    except ValueError:
        token = ""
    jws = verify_detached(token, canonical_json(signed_resources))
    problems = [] if jws.valid else [f"chữ ký trên nội dung FHIR không hợp lệ: {jws.problem}"]
    trusted, why = chain_trusted(jws.certificates, at or datetime.now(UTC))
    if not trusted:
        problems.append(why)
    return ProvenanceCheck(jws.valid, trusted, jws.certificates, at, problems)


def _check_fhir(result: Verification, repo: Repository, doc: SignedDocument, pdf_cert: x509.Certificate | None,
                moment: datetime) -> None:
    provenance = repo.read("Provenance", doc.provenance_id).json()
    signed = []
    for target in provenance.get("target") or ():
        rtype, rid, _, version = target["reference"].split("/")
        signed_version = repo.vread(rtype, rid, int(version)).json()
        signed.append(signed_version)
        try:
            now = repo.read(rtype, rid)
        except FhirError:
            result.changed_resources.append(f"{rtype}/{rid}")  # deleted since signing
            continue
        if str(now.version_id) != version and canonical_json([now.json()]) != canonical_json([signed_version]):
            result.changed_resources.append(f"{rtype}/{rid}")
    check = check_provenance(provenance, signed, moment)
    result.fhir_signature_valid = check.signature_valid
    if not check.signature_valid:
        result.problems.append(check.problems[0])
    elif pdf_cert is not None and fingerprint(check.certificates[0]) != fingerprint(pdf_cert):
        result.fhir_signature_valid = False
        result.problems.append("chữ ký trên nội dung FHIR và trên tệp PDF không cùng một chứng thư số")
    result.content_unchanged = not result.changed_resources
    if result.changed_resources:
        result.problems.append(f"{CONTENT_CHANGED}: {', '.join(result.changed_resources)}")
    if check.certificates:
        trusted, why = check.chain_trusted, (check.problems[-1] if not check.chain_trusted else "")
    else:
        trusted, why = chain_trusted([pdf_cert] if pdf_cert else [], moment)
    result.certificate_trusted = trusted
    if not trusted:
        result.problems.append(why)
    if pdf_cert is None and check.certificates:
        _check_certificate(result, check.certificates[0], moment)
