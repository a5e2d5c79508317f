from __future__ import annotations

from typing import Any

from django.test import Client

from benhan.accounts.models import Facility, User
from benhan.documents import correct_document, sign_document
from benhan.documents.models import SigningCredential
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository


def test_downloading_the_signed_pdf_returns_its_bytes_and_is_audited(
        client: Client, repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    client.force_login(doctor)
    response = client.get(f"/documents/{doc.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) == doc.size
    assert "attachment" in response["Content-Disposition"]
    audit = AuditRow.objects.filter(interaction="download", resource_id=doc.pk)
    assert audit.count() == 1 and audit[0].actor_id == str(doctor.pk)
    assert audit[0].patient_id == visit["patient"].id
    client.get(f"/documents/{doc.pk}.pdf?inline=1")
    assert AuditRow.objects.filter(interaction="print", resource_id=doc.pk).count() == 1


def test_the_verification_page_shows_signer_and_validity(client: Client, repo: Repository, doctor: User,
                                                         credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    client.force_login(doctor)
    page = client.get(f"/documents/{doc.pk}/verify").content.decode()
    assert "Chữ ký số hợp lệ" in page and "Trần Văn Bình" in page and "001234/HNO-CCHN" in page


def test_the_verification_page_reports_changed_content_and_the_version_history(
        client: Client, repo: Repository, doctor: User, credential: SigningCredential, visit: dict[str, Any]) -> None:
    first = sign_document(repo, doctor, "visit_record", visit["refs"])
    condition = visit["conditions"][0]
    changed = condition.json()
    changed["code"]["coding"][0]["code"] = "I15"
    repo.update(changed, condition.id)
    client.force_login(doctor)
    page = client.get(f"/documents/{first.pk}/verify").content.decode()
    assert "KHÔNG hợp lệ" in page and "nội dung đã thay đổi sau khi ký" in page
    second = correct_document(repo, doctor, first, reason="Sai mã chẩn đoán")
    page = client.get(f"/documents/{second.pk}/verify").content.decode()
    assert "Lịch sử các phiên bản" in page and "Sai mã chẩn đoán" in page and first.pk in page


def test_staff_of_another_facility_cannot_download(client: Client, repo: Repository, doctor: User,
                                                   credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    other = Facility.objects.create(code="00002", name="Bệnh viện Đa khoa tỉnh")
    outsider = User.objects.create(username="bs.khac", facility=other, role=User.Role.DOCTOR)
    client.force_login(outsider)
    assert client.get(f"/documents/{doc.pk}.pdf").status_code == 403
    assert not AuditRow.objects.filter(interaction="download", resource_id=doc.pk).exists()


def test_anonymous_visitors_are_sent_to_login(client: Client, repo: Repository, doctor: User,
                                              credential: SigningCredential, visit: dict[str, Any]) -> None:
    doc = sign_document(repo, doctor, "visit_record", visit["refs"])
    assert client.get(f"/documents/{doc.pk}.pdf").status_code == 302
