from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command

from benhan.accounts.models import Facility, User
from benhan.documents import sign_document, verify
from benhan.documents.models import CertificateAuthority, SigningCredential, TrustAnchor
from benhan.documents.pki.authority import CaError, init_facility_ca, issue_user_certificate
from benhan.documents.pki.certs import load_pem_chain
from benhan.documents.pki.p12 import import_p12
from benhan.documents.signing.keys import SigningError
from benhan.fhir.repository import Repository


def test_ca_init_creates_one_trusted_root_per_facility_and_is_idempotent(facility: Facility) -> None:
    ca = init_facility_ca(facility)
    assert init_facility_ca(facility).pk == ca.pk
    root = load_pem_chain(ca.certificate_pem)[0]
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert "00001" in root.subject.rfc4514_string()
    assert TrustAnchor.objects.filter(source="facility_ca").count() == 1


def test_private_keys_are_encrypted_at_rest_and_the_passphrase_file_is_private(
        ca: CertificateAuthority, pki_in_tmp: Path) -> None:
    key_file = pki_in_tmp / ca.key_path
    assert key_file.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((pki_in_tmp / "passphrase").stat().st_mode) == 0o600
    with pytest.raises((TypeError, ValueError)):
        serialization.load_pem_private_key(key_file.read_bytes(), password=None)


def test_a_user_certificate_names_the_person_and_licence_for_signing_only(credential: SigningCredential) -> None:
    cert = load_pem_chain(credential.certificate_pem)[0]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Trần Văn Bình"
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "CCHN:001234/HNO-CCHN"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_a_new_certificate_replaces_the_active_one(credential: SigningCredential, doctor: User) -> None:
    second = issue_user_certificate(doctor)
    assert list(SigningCredential.objects.filter(user=doctor, active=True)) == [second]


def test_issuing_without_a_facility_ca_explains_what_to_run(doctor: User) -> None:
    with pytest.raises(CaError, match="benhan ca init"):
        issue_user_certificate(doctor)


def _self_signed_p12(password: bytes) -> tuple[bytes, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LÊ THỊ MAI"),
                      x509.NameAttribute(NameOID.SERIAL_NUMBER, "CCHN:009876/HNO")])
    now = datetime.now(UTC) - timedelta(minutes=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=10))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"mai", key, cert, None,
                                                 serialization.BestAvailableEncryption(password))
    return data, cert


def test_a_pkcs12_certificate_is_imported_and_signs(repo: Repository, doctor: User, visit: dict[str, Any]) -> None:
    data, cert = _self_signed_p12(b"mat-khau")
    credential = import_p12(doctor, data, b"mat-khau")
    assert credential.kind == "pkcs12" and "LÊ THỊ MAI" in credential.subject
    doc = sign_document(repo, doctor, "prescription", visit["refs"])
    result = verify(repo, doc)
    assert result.pdf_intact and result.fhir_signature_valid and result.content_unchanged
    # Its root was never added to the trust store, so the chain is not trusted: reported, not hidden.
    assert not result.certificate_trusted and not result.ok
    TrustAnchor.objects.create(label="Mai", certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                               fingerprint_sha256=credential.fingerprint_sha256, source="imported")
    assert verify(repo, doc).certificate_trusted


def test_a_pkcs12_file_with_the_wrong_password_is_refused(doctor: User) -> None:
    data, _ = _self_signed_p12(b"dung")
    with pytest.raises(CaError, match="mật khẩu"):
        import_p12(doctor, data, b"sai")


def test_the_ca_command_initialises_issues_imports_and_lists(facility: Facility, doctor: User, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    call_command("ca", "init", "--facility", "00001")
    call_command("ca", "issue", "--user", "bs.binh")
    assert SigningCredential.objects.get(user=doctor, active=True).kind == "issued"
    data, cert = _self_signed_p12(b"pw")
    p12_file = tmp_path / "mai.p12"
    p12_file.write_bytes(data)
    monkeypatch.setenv("BENHAN_P12_PASSWORD", "pw")
    call_command("ca", "import-p12", "--user", "bs.binh", str(p12_file))
    pem = tmp_path / "root.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    call_command("ca", "trust", str(pem), "--label", "CA thử")
    call_command("ca", "list")
    out = capsys.readouterr().out
    assert "CA      00001" in out and "TRUST   CA thử" in out and "[pkcs12]" in out
    call_command("ca", "revoke", "--user", "bs.binh")
    assert not SigningCredential.objects.filter(user=doctor, active=True).exists()
    with pytest.raises(CommandError, match="không có người dùng"):
        call_command("ca", "issue", "--user", "khong-co")


def test_a_changed_pki_passphrase_is_explained_instead_of_signing(repo: Repository, doctor: User,
                                                                 credential: SigningCredential,
                                                                 visit: dict[str, Any],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENHAN_PKI_PASSPHRASE", "not-the-one-the-key-was-stored-with")
    with pytest.raises(SigningError, match="BENHAN_PKI_PASSPHRASE"):
        sign_document(repo, doctor, "visit_record", visit["refs"])
