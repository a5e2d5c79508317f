"""PDF form rendering and signing costs, each next to a baseline from the same run.

    .venv/bin/python benchmarks/signing.py [--rounds 20]

No database: the forms are rendered from FHIR-built contexts, keys are generated in memory.

- render: ms per page (wall and CPU p50) of each of the six forms (WeasyPrint, DejaVu Sans embedded as a subset);
  baseline: the same template rendered to HTML only (Django), i.e. what the PDF layout adds.
- sign: PAdES-B-B of a rendered form (pyhanko, RSA-2048, SHA-256), and the detached JWS over the
  canonical JSON of a visit's FHIR resources; baseline: one raw RSA-2048 PKCS#1 v1.5 signature of
  the same SHA-256 digest (the cryptographic floor: the rest is CMS/PDF assembly).
- verify: pyhanko's validation of the signed PDF (integrity + chain to the in-memory root).

Goals (ARCHITECTURE.md measured 32 ms a page and 80 ms a signature here): render < 150 ms a page,
PAdES signature < 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    """p50 wall time and p50 CPU time of this process, in ms, after one warm-up call.

    CPU time is reported because a shared machine's load inflates wall time several-fold.
    """
    fn()
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("BENHAN_VAR_DIR", tempfile.mkdtemp(prefix="benhan-bench-signing-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    import django

    django.setup()

    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pypdf import PdfReader

    from benhan.documents.kinds import KINDS
    from benhan.documents.pdf.contexts import context_from_resources
    from benhan.documents.pdf.render import render_html, render_pdf
    from benhan.documents.signing.jws import canonical_json, sign_detached
    from benhan.documents.signing.keys import LocalKeySigner
    from benhan.documents.signing.pades import sign_pdf
    from tests.documents.test_pdf_forms import CONDITIONS, ENCOUNTER, FACILITY, GLUCOSE, PATIENT

    # An in-memory root and signer, shaped like the facility CA's.
    now = datetime.now(UTC) - timedelta(minutes=1)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benhan CA bench")])
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name).public_key(root_key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(root_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Trần Văn Bình")]))
            .issuer_name(root_name).public_key(key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(root_key, hashes.SHA256()))
    signer = LocalKeySigner(cert, [root], key=key)
    resources: list[dict[str, Any]] = [PATIENT, ENCOUNTER, *CONDITIONS, GLUCOSE]

    print(f"rounds={args.rounds}; times in ms: p50 wall / p50 CPU\n")
    print(f"{'form':<22}{'pages':>6}{'PDF / page':>18}{'HTML only (baseline)':>24}")
    pdfs = {}
    for kind in sorted(KINDS):
        ctx = context_from_resources(kind, resources, facility=FACILITY)
        pdf = render_pdf(kind, ctx)
        pdfs[kind] = pdf
        pages = len(PdfReader(BytesIO(pdf)).pages)
        wall, cpu = timed(partial(render_pdf, kind, ctx), args.rounds)
        html_wall, html_cpu = timed(partial(render_html, kind, ctx), args.rounds)
        print(f"{kind:<22}{pages:>6}{wall / pages:>10.1f} / {cpu / pages:<6.1f}{html_wall:>16.2f} / {html_cpu:<6.2f}")

    pdf = pdfs["visit_record"]
    digest = hashlib.sha256(pdf).digest()
    payload = canonical_json(resources)
    signed = sign_pdf(pdf, signer, reason="bench", location="bench", name="bench")
    root_asn1 = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))

    def verify() -> None:
        sig = PdfFileReader(BytesIO(signed)).embedded_signatures[0]
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root_asn1], allow_fetching=False))
        assert status.intact and status.valid and status.trusted

    rows = [
        ("raw RSA-2048 sign (baseline)", lambda: key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))),
        ("PAdES-B-B sign (pyhanko)", lambda: sign_pdf(pdf, signer, reason="bench", location="bench", name="bench")),
        ("detached JWS over FHIR", lambda: sign_detached(payload, signer, now)),
        ("PAdES validation (pyhanko)", verify),
    ]
    print(f"\n{'signature':<32}{'wall':>9}{'CPU':>9}")
    for name, fn in rows:
        wall, cpu = timed(fn, args.rounds)
        print(f"{name:<32}{wall:>9.2f}{cpu:>9.2f}")
    print(f"\nsigned PDF size: {len(signed):,} bytes (unsigned {len(pdf):,})")


if __name__ == "__main__":
    main()
