from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

# The clinical fixtures (facility, catalogs, wards, doctors with certificates) build the visits claims come from.
from tests.clinical.conftest import catalogs, doctor, doctor_repo, facility, signing_doctor, wards  # noqa: F401


def make_cert(common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="session")
def facility_cert() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    return make_cert("Bệnh viện Đa khoa tỉnh Demo (01001)")


@pytest.fixture(scope="session")
def other_cert() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    return make_cert("Someone else")
