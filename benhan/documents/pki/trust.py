"""The roots this server trusts: its facility CAs and the roots of lawful CAs the operator imported."""

from __future__ import annotations

from cryptography import x509

from ..models import TrustAnchor
from .certs import fingerprint, load_pem_chain, subject_text, to_pem


def trust_roots() -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(a.certificate_pem.encode()) for a in TrustAnchor.objects.all()]


def add_trust_anchors(pem_text: str, label: str = "") -> list[TrustAnchor]:
    """Trust every certificate in a PEM bundle (e.g. the national root CA and a licensed CA's root)."""
    added = []
    for cert in load_pem_chain(pem_text):
        anchor, _ = TrustAnchor.objects.get_or_create(
            fingerprint_sha256=fingerprint(cert),
            defaults={"label": label or subject_text(cert), "certificate_pem": to_pem(cert),
                      "source": TrustAnchor.Source.IMPORTED},
        )
        added.append(anchor)
    return added
