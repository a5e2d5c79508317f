"""PAdES signatures on the PDF forms (pyhanko): PAdES-B-B, or B-T when a timestamp authority is given."""

from __future__ import annotations

import hashlib
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from benhan.documents.loops import outside_event_loop

from .keys import DigestSigner

FIELD_NAME = "ChuKyNguoiChiuTrachNhiem"


def _asn1(cert: object) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))  # type: ignore[attr-defined]


class _DigestSignerBridge(signers.Signer):
    """pyhanko's Signer over our DigestSigner: pyhanko hands over the DER signed attributes, we hash and sign."""

    def __init__(self, signer: DigestSigner, description: str) -> None:
        self._digest_signer = signer
        self._description = description
        super().__init__(
            signing_cert=_asn1(signer.certificate),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in signer.chain]),
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:  # pyhanko sizes the signature container; a remote CA must not be asked for that
            return bytes(self._digest_signer.signature_size)
        digest = hashlib.new(digest_algorithm, data).digest()
        return self._digest_signer.sign_digest(digest, digest_algorithm, self._description)


def sign_pdf(pdf: bytes, signer: DigestSigner, *, reason: str, location: str, name: str,
             timestamper: TimeStamper | None = None) -> bytes:
    """Sign the whole PDF (incremental update) in a new invisible signature field."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    out = BytesIO()
    pdf_signer = signers.PdfSigner(meta, signer=_DigestSignerBridge(signer, reason), timestamper=timestamper)
    outside_event_loop(pdf_signer.sign_pdf, writer, output=out)
    return out.getvalue()
