from __future__ import annotations

import pytest
from django.test import Client

from benhan.documents.models import SignedDocument
from benhan.fhir.models import AuditRow
from benhan.portal import records
from benhan.portal.access import repository_for

from .conftest import PHONE, World
from .helpers import linked_account, log_in
from .sms_standin import Gateway

pytestmark = pytest.mark.django_db


def test_the_timeline_shows_visits_from_every_linked_facility(world: World) -> None:
    world.lab_report(world.binh_regional)  # a visit at the regional centre; the fixture made one at the province
    account, opened = linked_account(PHONE, world.binh_regional, world.binh_provincial)
    visits = records.visits(repository_for(account, opened), opened.patient_ids)
    assert sorted(v.facility for v in visits) == ["Bệnh viện Đa khoa tỉnh", "Trung tâm Y tế khu vực Thủ Đức"]


def test_a_result_is_not_released_before_it_is_signed(world: World, sms: Gateway) -> None:
    report = world.lab_report(world.binh_regional, sign=False)
    account, opened = linked_account(PHONE, world.binh_regional)
    assert records.results(repository_for(account, opened), opened.patient_ids) == []
    client = Client()
    log_in(client, sms, PHONE)
    assert "Glucose" not in client.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/").content.decode()
    assert client.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/{report}/").status_code == 404


def test_a_signed_result_shows_value_unit_range_and_a_plain_vietnamese_note(world: World, sms: Gateway) -> None:
    report = world.lab_report(world.binh_regional, glucose="8,2")
    _account, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    page = client.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/{report}/").content.decode()
    assert "8,2 mmol/L" in page and "Bình thường: 3,9 – 6,4 mmol/L" in page
    assert "Cao hơn bình thường" in page and "Trong giới hạn bình thường" in page  # glucose high, creatinine normal
    listing = client.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/").content.decode()
    assert f"/ket-qua/{report}/" in listing


def test_changing_the_report_id_to_another_patients_gives_404_and_the_attempt_is_audited(
        world: World, sms: Gateway) -> None:
    theirs = world.lab_report(world.cuc)
    _account, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    response = client.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/{theirs}/")
    assert response.status_code == 404 and "Glucose" not in response.content.decode()
    denied = AuditRow.objects.get(actor_kind="patient", resource_id=theirs, outcome="4")
    assert denied.interaction == "read" and denied.resource_type == "DiagnosticReport"


def test_another_profiles_id_in_the_url_is_404(world: World, sms: Gateway) -> None:
    linked_account(PHONE, world.binh_regional)
    _other, theirs = linked_account("0987654321", world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    client = Client()
    log_in(client, sms, PHONE)
    for path in ("", "ket-qua/", "giay-to/", "ai-da-xem/", "chia-se/"):
        assert client.get(f"/app/ho-so/{theirs.profile.pk}/{path}").status_code == 404


def test_a_signed_paper_downloads_as_its_pdf_and_the_download_is_audited(world: World, sms: Gateway) -> None:
    world.lab_report(world.binh_regional)
    doc = SignedDocument.objects.get(kind="lab_report")
    _account, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    listing = client.get(f"/app/ho-so/{opened.profile.pk}/giay-to/").content.decode()
    assert f"/giay-to/{doc.pk}.pdf" in listing and "Phiếu kết quả xét nghiệm" in listing
    response = client.get(f"/app/ho-so/{opened.profile.pk}/giay-to/{doc.pk}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF") and len(response.content) == doc.size
    assert AuditRow.objects.filter(actor_kind="patient", interaction="download", resource_id=doc.pk,
                                   patient_id=world.binh_regional).exists()


def test_another_patients_paper_cannot_be_downloaded_and_the_try_is_audited(world: World, sms: Gateway) -> None:
    world.lab_report(world.cuc)
    doc = SignedDocument.objects.get(kind="lab_report")
    _account, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    response = client.get(f"/app/ho-so/{opened.profile.pk}/giay-to/{doc.pk}.pdf")
    assert response.status_code == 404 and not response.content.startswith(b"%PDF")
    assert AuditRow.objects.filter(actor_kind="patient", resource_id=doc.pk, outcome="4").exists()
    assert not AuditRow.objects.filter(actor_kind="patient", interaction="download").exists()


def test_who_opened_my_record_lists_staff_with_role_and_facility_newest_first_not_my_own_reads(
        world: World) -> None:
    account, opened = linked_account(PHONE, world.binh_regional, world.binh_provincial)
    world.provincial_repo.read("Patient", world.binh_provincial)
    records.visits(repository_for(account, opened), opened.patient_ids)  # the patient's own reading
    accesses = records.who_opened(opened.patient_ids, f"app:{account.pk}")
    newest = accesses[0]
    assert newest.who == "Lê Văn Hùng" and newest.role == "Bác sĩ" and newest.facility == "Bệnh viện Đa khoa tỉnh"
    assert newest.what == "xem thông tin hành chính"
    assert all(a.who != opened.profile.display_name for a in accesses)
    assert [a.when for a in accesses] == sorted((a.when for a in accesses), reverse=True)


@pytest.mark.parametrize(("observation", "note"), [
    ({"interpretation": [{"coding": [{"code": "H"}]}]}, "Cao hơn bình thường"),
    ({"interpretation": [{"coding": [{"code": "N"}]}]}, "Trong giới hạn bình thường"),
    ({"valueQuantity": {"value": 3.1}, "referenceRange": [{"low": {"value": 3.9}, "high": {"value": 6.4}}]},
     "Thấp hơn bình thường"),
    ({"valueQuantity": {"value": 5}, "referenceRange": [{"low": {"value": 3.9}, "high": {"value": 6.4}}]},
     "Trong giới hạn bình thường"),
    ({"valueQuantity": {"value": 5}}, ""),
])
def test_the_plain_note_follows_the_labs_flag_else_the_reference_range(observation: dict, note: str) -> None:
    assert records.plain_note(observation)[0] == note


def test_a_range_without_the_labs_text_is_written_with_a_decimal_comma_and_its_unit() -> None:
    observation = {"referenceRange": [{"low": {"value": 3.9, "unit": "mmol/L"}, "high": {"value": 6.4, "unit": "mmol/L"}}]}
    assert records.range_text(observation) == "3,9 – 6,4 mmol/L"


def test_who_opened_my_record_shows_a_family_members_reading(world: World) -> None:
    from benhan.portal import family
    from benhan.portal.access import opened_profiles
    from benhan.portal.models import Account

    owner, opened = linked_account(PHONE, world.binh_regional)
    family.grant_access(owner, opened, "0977000111", "records", 30)
    daughter = Account.objects.create(phone="0977000111")
    (shared,) = opened_profiles(daughter)
    repository_for(daughter, shared).read("Patient", world.binh_regional)
    repository_for(owner, opened).read("Patient", world.binh_regional)
    family_reads = [a for a in records.who_opened(opened.patient_ids, f"app:{owner.pk}") if a.role == "Người nhà"]
    (access,) = family_reads  # the daughter's read; the owner's own read is left out
    assert "0977000111" in access.who and access.what == "xem thông tin hành chính"
