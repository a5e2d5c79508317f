"""The facility certificate authority: one root per facility, issuing its staff's signing certificates.

Why per facility and not per installation: the facility is the legal entity whose head answers for
its staff's signatures (TT 13/2025, and TT 46/2018 Art. 13 before it), and a provincial cloud hosts
many facilities: one compromised or retired facility CA must not touch the others. Verification
trusts every facility root on this server plus the roots of lawful CAs the operator imports.

The facility CA is for installation, training and facilities that have not yet bought certificates
from a licensed Vietnamese CA; real certificates come in through PKCS#12 import or remote signing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction

from ...accounts.models import Facility, User
from ..models import CertificateAuthority, SigningCredential, TrustAnchor
from ..records import person_name
from .certs import fingerprint, to_pem
from .storage import load_private_key, save_private_key

CA_YEARS = 10
USER_CERT_DAYS = 2 * 365
# Vietnamese CAs issue RSA-2048 to signers; the same here keeps PDFs verifiable by the same tools.
USER_KEY_BITS = 2048
CA_KEY_BITS = 3072


class CaError(Exception):
    pass


@dataclass(frozen=True)
class Validity:
    not_before: datetime
    not_after: datetime

    @classmethod
    def starting_now(cls, days: int) -> Validity:
        now = datetime.now(UTC) - timedelta(minutes=5)  # tolerate small clock skew between nodes
        return cls(now, now + timedelta(days=days))


def _ca_name(facility: Facility) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, facility.name),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"Mã CSKCB {facility.code}"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"benhan CA {facility.code}"),
    ])


def init_facility_ca(facility: Facility) -> CertificateAuthority:
    """Create the facility's root CA (idempotent: an existing CA is returned unchanged)."""
    existing = CertificateAuthority.objects.filter(facility_code=facility.code).first()
    if existing is not None:
        return existing
    key = rsa.generate_private_key(public_exponent=65537,
                                   key_size=int(getattr(settings, "BENHAN_PKI_CA_KEY_BITS", CA_KEY_BITS)))
    name = _ca_name(facility)
    validity = Validity.starting_now(CA_YEARS * 365)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path = save_private_key(f"ca/{facility.code}.key.pem", key)
    with transaction.atomic():
        ca = CertificateAuthority.objects.create(
            facility_code=facility.code, name=facility.name, certificate_pem=to_pem(cert), key_path=key_path,
        )
        TrustAnchor.objects.get_or_create(
            fingerprint_sha256=fingerprint(cert),
            defaults={"label": f"CA {facility.code} {facility.name}", "certificate_pem": to_pem(cert),
                      "source": TrustAnchor.Source.FACILITY_CA},
        )
    return ca


def user_subject(user: User, facility: Facility | None) -> x509.Name:
    """Name and practising-licence number, as Vietnamese CAs put them in signers' certificates."""
    full_name = person_name(user)
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if facility is not None:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, facility.name))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, full_name))
    if user.licence_number:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"CCHN:{user.licence_number}"))
    attrs.append(x509.NameAttribute(NameOID.USER_ID, user.username))
    return x509.Name(attrs)


def issue_user_certificate(user: User, *, validity: Validity | None = None,
                           ca: CertificateAuthority | None = None) -> SigningCredential:
    """Issue a signing certificate to a staff member from their facility's CA; older ones are deactivated."""
    if ca is None:
        if user.facility is None:
            raise CaError(f"người dùng {user.username} chưa thuộc cơ sở nào")
        ca = CertificateAuthority.objects.filter(facility_code=user.facility.code).first()
        if ca is None:
            raise CaError(f"cơ sở {user.facility.code} chưa có CA: chạy `benhan ca init --facility {user.facility.code}`")
    ca_cert = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
    ca_key = load_private_key(ca.key_path)
    validity = validity or Validity.starting_now(USER_CERT_DAYS)
    key = rsa.generate_private_key(public_exponent=65537, key_size=USER_KEY_BITS)
    cert = (
        x509.CertificateBuilder()
        .subject_name(user_subject(user, user.facility))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    key_path = save_private_key(f"users/{user.pk}-{cert.serial_number:x}.key.pem", key)
    return store_credential(user, SigningCredential.Kind.ISSUED, cert, [ca_cert], key_path=key_path)


def store_credential(user: User, kind: str, cert: x509.Certificate, chain: list[x509.Certificate], *,
                     key_path: str = "", remote_url: str = "", remote_credential_id: str = "") -> SigningCredential:
    """Record a credential as the user's active one (a user signs with one certificate at a time)."""
    with transaction.atomic():
        SigningCredential.objects.filter(user=user, active=True).update(active=False)
        return SigningCredential.objects.create(
            user=user,
            kind=kind,
            certificate_pem=to_pem(cert),
            chain_pem="".join(to_pem(c) for c in chain),
            key_path=key_path,
            remote_url=remote_url,
            remote_credential_id=remote_credential_id,
            subject=cert.subject.rfc4514_string()[:500],
            serial_hex=f"{cert.serial_number:x}",
            fingerprint_sha256=fingerprint(cert),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )
