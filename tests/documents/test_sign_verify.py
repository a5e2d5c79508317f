from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from benhan.accounts.models import User
from benhan.documents import correct_document, history, sign_document, verify
from benhan.documents.models import SignedDocument, SigningCredential, TrustAnchor
from benhan.documents.pki.authority import Validity, issue_user_certificate
from benhan.documents.signing.jws import canonical_json
from benhan.documents.signing.keys import SigningError
from benhan.documents.verification import CONTENT_CHANGED, check_provenance, check_signed_pdf
from benhan.fhir.errors import FhirError
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository


def pdf_of(repo: Repository, doc: SignedDocument) -> bytes:
    return base64.b64decode(repo.read("Binary", doc.binary_id).json()["data"])


def test_a_signed_visit_record_verifies_with_signer_time_and_trusted_chain(
        repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    result = verify(repo, doc)
    assert result.problems == []
    assert result.ok and result.pdf_intact and result.certificate_trusted and result.content_unchanged
    assert result.signer_name == "Trần Văn Bình"
    assert result.signer_licence == "001234/HNO-CCHN"
    assert abs((result.signed_at - datetime.now(UTC)).total_seconds()) < 60
    text = PdfReader(BytesIO(pdf_of(repo, doc))).pages[0].extract_text()
    assert "PHIẾU KHÁM BỆNH" in text and "NGUYỄN THỊ HỒNG NHUNG" in text and "Trần Văn Bình" in text


def test_the_record_holds_binary_document_reference_and_provenance_with_versions(
        repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    docref = repo.read("DocumentReference", doc.pk).json()
    assert docref["status"] == "current" and docref["docStatus"] == "final"
    attachment = docref["content"][0]["attachment"]
    assert attachment["url"] == f"Binary/{doc.binary_id}" and attachment["size"] == doc.size
    assert attachment["hash"] and docref["subject"]["reference"] == visit["patient"].reference
    prov = repo.read("Provenance", doc.provenance_id).json()
    assert [t["reference"] for t in prov["target"]] == [f"{r}/_history/1" for r in visit["refs"]]
    sig = prov["signature"][0]
    assert sig["sigFormat"] == "application/jose" and sig["who"]["display"] == "Trần Văn Bình"
    header, empty_payload, _ = base64.b64decode(sig["data"]).decode().split(".")
    assert empty_payload == ""  # detached


def test_the_canonical_form_ignores_meta_and_key_order() -> None:
    a = {"resourceType": "Patient", "id": "p", "meta": {"versionId": "1"}, "gender": "male", "birthDate": "1970"}
    b = {"birthDate": "1970", "gender": "male", "id": "p", "resourceType": "Patient", "meta": {"versionId": "9"}}
    assert canonical_json([a]) == canonical_json([b]) == b'[{"birthDate":"1970","gender":"male","id":"p","resourceType":"Patient"}]'


def test_tampered_pdf_bytes_fail_verification(repo: Repository, doctor: User, credential: SigningCredential,
                                              visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    pdf = pdf_of(repo, doc)
    assert b"WeasyPrint" in pdf
    tampered = pdf.replace(b"WeasyPrint", b"WeasyPrinT", 1)  # same length: offsets still parse
    # An attacker with database access, bypassing the repository (which would refuse the write).
    row = ResourceRow.objects.get(resource_type="Binary", resource_id=doc.binary_id)
    row.content = row.content.replace(base64.b64encode(pdf).decode(), base64.b64encode(tampered).decode())
    row.save()
    result = verify(repo, doc)
    assert not result.ok
    assert not result.pdf_intact and not result.bytes_match_record
    assert any("PDF" in p for p in result.problems)


def test_a_clinical_resource_changed_after_signing_is_reported(repo: Repository, doctor: User,
                                                               credential: SigningCredential,
                                                               visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    condition = visit["conditions"][0]
    changed = condition.json()
    changed["code"]["coding"][0]["code"] = "I15"
    repo.update(changed, condition.id)
    result = verify(repo, doc)
    assert not result.ok
    assert result.pdf_intact and result.fhir_signature_valid  # the signature still matches what was signed
    assert result.changed_resources == [condition.reference]
    assert any(CONTENT_CHANGED in p for p in result.problems)


def test_a_new_version_with_the_same_content_is_not_a_change(repo: Repository, doctor: User,
                                                             credential: SigningCredential,
                                                             visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    condition = visit["conditions"][0]
    repo.update(condition.json(), condition.id)  # a re-save bumps the version, meta only
    assert verify(repo, doc).ok


def test_a_tampered_provenance_signature_fails(repo: Repository, doctor: User, credential: SigningCredential,
                                               visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    row = ResourceRow.objects.get(resource_type="Provenance", resource_id=doc.provenance_id)
    prov = repo.read("Provenance", doc.provenance_id).json()
    token = base64.b64decode(prov["signature"][0]["data"]).decode()
    head, _, sig = token.split(".")
    forged = f"{head}..{sig[:-4]}AAAA"
    row.content = row.content.replace(prov["signature"][0]["data"], base64.b64encode(forged.encode()).decode())
    row.save()
    result = verify(repo, doc)
    assert not result.fhir_signature_valid and not result.ok


def test_signing_with_an_expired_certificate_is_refused(repo: Repository, doctor: User, ca: Any,
                                                        visit: dict[str, Any]) -> None:
    past = datetime.now(UTC) - timedelta(days=400)
    issue_user_certificate(doctor, validity=Validity(past, past + timedelta(days=365)))
    with pytest.raises(SigningError, match="hết hạn"):
        sign_document(repo, doctor, "visit_record", visit["refs"])


def test_a_certificate_not_valid_at_the_recorded_signing_time_is_reported(
        repo: Repository, doctor: User, ca: Any, visit: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    issue_user_certificate(doctor, validity=Validity(now - timedelta(minutes=5), now + timedelta(hours=1)))
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    # The record claims the signature was made after the certificate expired.
    SignedDocument.objects.filter(pk=doc.pk).update(signed_at=now + timedelta(hours=2))
    result = verify(repo, SignedDocument.objects.get(pk=doc.pk))
    assert not result.ok and not result.certificate_valid_at_signing
    assert any("không có hiệu lực tại thời điểm ký" in p for p in result.problems)


def test_a_certificate_from_an_untrusted_root_is_reported(repo: Repository, doctor: User,
                                                          credential: SigningCredential,
                                                          visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    TrustAnchor.objects.all().delete()  # the operator withdrew trust in the facility CA
    result = verify(repo, doc)
    assert not result.ok and not result.certificate_trusted
    assert result.pdf_intact  # integrity holds; trust does not
    assert any("CA gốc tin cậy" in p for p in result.problems)


def test_a_certificate_revoked_before_signing_is_reported(repo: Repository, doctor: User,
                                                          credential: SigningCredential,
                                                          visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    SigningCredential.objects.filter(pk=credential.pk).update(revoked_at=doc.signed_at - timedelta(minutes=1))
    result = verify(repo, doc)
    assert result.certificate_revoked and not result.ok


def test_a_correction_supersedes_the_old_document_and_keeps_its_bytes(
        repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    first = sign_document(repo, doctor, "visit_record", visit["refs"])
    first_pdf = pdf_of(repo, first)
    condition = visit["conditions"][0]
    corrected = condition.json()
    corrected["code"]["coding"][0].update(code="I11", display="Bệnh tim do tăng huyết áp")
    repo.update(corrected, condition.id)
    second = correct_document(repo, doctor, first, reason="Sai mã chẩn đoán")

    first.refresh_from_db()
    assert first.status == "superseded" and second.replaces_id == first.pk
    assert pdf_of(repo, first) == first_pdf
    old_ref = repo.read("DocumentReference", first.pk).json()
    new_ref = repo.read("DocumentReference", second.pk).json()
    assert old_ref["status"] == "superseded"
    assert new_ref["relatesTo"] == [{"code": "replaces", "target": {"reference": f"DocumentReference/{first.pk}"}}]
    assert [d.pk for d in history(first)] == [first.pk, second.pk] == [d.pk for d in history(second)]
    assert "Bệnh tim do tăng huyết áp" in PdfReader(BytesIO(pdf_of(repo, second))).pages[0].extract_text()
    assert verify(repo, second).ok
    old = verify(repo, first)
    assert old.pdf_intact and old.replaced_by == second.pk and old.status == "superseded"


def test_a_correction_needs_a_reason_and_a_superseded_document_cannot_be_corrected(
        repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    first = sign_document(repo, doctor, "visit_record", visit["refs"])
    with pytest.raises(SigningError, match="lý do"):
        correct_document(repo, doctor, first, reason=" ")
    correct_document(repo, doctor, first, reason="Bổ sung")
    with pytest.raises(SigningError, match="hiện hành"):
        correct_document(repo, doctor, first, reason="Lần hai")


def test_the_store_refuses_to_change_a_signed_pdf(repo: Repository, doctor: User, credential: SigningCredential,
                                                  visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    binary = repo.read("Binary", doc.binary_id).json()
    binary["data"] = base64.b64encode(b"%PDF-1.7 forged").decode()
    with pytest.raises(FhirError) as exc:
        repo.update(binary, doc.binary_id)
    assert exc.value.status == 409
    assert pdf_of(repo, doc).startswith(b"%PDF") and verify(repo, doc).ok


def test_a_user_without_a_certificate_cannot_sign(repo: Repository, doctor: User, visit: dict[str, Any]) -> None:
    with pytest.raises(SigningError, match="chưa có chứng thư số"):
        sign_document(repo, doctor, "visit_record", visit["refs"])


def test_signing_a_form_without_its_patient_explains_what_is_missing(
        repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    with pytest.raises(SigningError, match="thiếu dữ liệu để lập phiếu khám bệnh"):
        sign_document(repo, doctor, "visit_record", [visit["encounter"].reference])
    assert not SignedDocument.objects.exists()


def test_a_resource_can_be_signed_at_an_older_version(repo: Repository, doctor: User,
                                                      credential: SigningCredential, visit: dict[str, Any]) -> None:
    condition = visit["conditions"][0]
    newer = condition.json()
    newer["code"]["coding"][0]["code"] = "I15"
    repo.update(newer, condition.id)
    refs = [f"{r}/_history/1" if r == condition.reference else r for r in visit["refs"]]
    doc = sign_document(repo, doctor, "visit_record", refs)
    result = verify(repo, doc)
    assert result.fhir_signature_valid and result.changed_resources == [condition.reference]


def test_a_signed_pdf_checks_on_its_own_as_a_receiving_facility_would(
        repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "discharge", visit["refs"])
    pdf = pdf_of(repo, doc)
    check = check_signed_pdf(pdf)
    assert check.intact and check.chain_trusted and not check.problems
    assert check.certificate is not None and "Trần Văn Bình" in check.certificate.subject.rfc4514_string()
    assert check.signing_moment is not None and abs((check.signing_moment - doc.signed_at).total_seconds()) < 5
    assert not check_signed_pdf(pdf.replace(b"WeasyPrint", b"WeasyPrinT", 1)).intact
    assert check_signed_pdf(b"%PDF-1.7 not signed").problems


def test_a_provenance_checks_against_resources_as_a_receiving_facility_gets_them(
        repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    provenance = repo.read("Provenance", doc.provenance_id).json()
    received = [s.json() for s in (repo.read(*r.split("/")) for r in visit["refs"])]
    check = check_provenance(provenance, received)
    assert check.ok and check.problems == [] and check.signed_at is not None
    received[2]["code"]["coding"][0]["code"] = "I15"  # altered on the way
    altered = check_provenance(provenance, received)
    assert not altered.signature_valid and not altered.ok
