"""Share links: exactly the chosen part of the record, for a limited time, optionally behind a
passcode, revocable, every use logged; the viewer's repository reads nothing else."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from benhan.documents.models import SignedDocument
from benhan.fhir.access import Actor
from benhan.fhir.errors import FhirError
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository
from benhan.fhir.search import search
from benhan.portal.access import repository_for
from benhan.sharing import links
from benhan.sharing.models import ShareLink, ShareUse
from benhan.sharing.policy import share_repository
from tests.portal.conftest import OTHER_PHONE, PHONE, World
from tests.portal.helpers import linked_account, log_in
from tests.portal.sms_standin import Gateway

pytestmark = pytest.mark.django_db
VISIT = links.Visit("203.0.113.7", "test")


def _paper_of(report_id: str) -> str:
    """The signed lab paper whose DocumentReference names this report."""
    system = Repository(Actor.system("tests"))
    for document in SignedDocument.objects.filter(kind="lab_report"):
        if f"DiagnosticReport/{report_id}" in json.dumps(system.read("DocumentReference", document.pk).json()):
            return str(document.pk)
    raise AssertionError(f"no signed paper for DiagnosticReport/{report_id}")


@pytest.fixture
def shared(world: World) -> tuple[World, ShareLink, str, str, str]:
    """Bình shares one signed result (the other stays private) and its signed paper."""
    account, opened = linked_account(PHONE, world.binh_regional)
    shown, hidden = world.lab_report(world.binh_regional, glucose="8,2"), world.lab_report(world.binh_regional, glucose="5,1")
    repo = repository_for(account, opened)
    link, token = links.create(account, opened, repo, report_ids=[shown], document_ids=[_paper_of(shown)], period=None,
                               hours=24, label="BS Hùng")
    return world, link, token, shown, hidden


def test_only_a_hash_of_the_unguessable_token_is_kept(shared: tuple[World, ShareLink, str, str, str]) -> None:
    _w, link, token, _s, _h = shared
    assert len(token) >= 43 and token not in str(ShareLink.objects.filter(pk=link.pk).values().get())
    assert link.token_hash == links.token_hash(token)


def test_a_doctor_without_an_account_sees_exactly_the_shared_result_and_downloads_its_signed_pdf(
        shared: tuple[World, ShareLink, str, str, str]) -> None:
    _w, link, token, shown, hidden = shared
    doctor = Client()
    page = doctor.get(f"/xem/{token}/")
    body = page.content.decode()
    assert page.status_code == 200 and "Nguyễn Văn Bình" in body and "8,2" in body and "5,1" not in body
    assert page["Cache-Control"] == "no-store"
    paper = _paper_of(shown)
    pdf = doctor.get(f"/xem/{token}/giay-to/{paper}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert doctor.get(f"/xem/{token}/giay-to/{_paper_of(hidden)}.pdf").status_code == 404
    actions = list(ShareUse.objects.filter(link=link).order_by("id").values_list("action", "ok"))
    assert actions == [("open", True), ("download", True), ("download", False)]
    assert AuditRow.objects.filter(actor_kind="share", actor_id=f"share:{link.pk}", interaction="download").count() == 1


def test_the_share_repository_refuses_and_audits_anything_not_pinned_and_its_searches_find_nothing(
        shared: tuple[World, ShareLink, str, str, str]) -> None:
    world, link, _t, shown, hidden = shared
    repo = share_repository(link)
    assert repo.read("DiagnosticReport", shown).id == shown
    with pytest.raises(FhirError) as refused:
        repo.read("DiagnosticReport", hidden)
    assert refused.value.status == 403
    assert AuditRow.objects.filter(actor_id=f"share:{link.pk}", resource_id=hidden, outcome="4").exists()
    with pytest.raises(FhirError):
        repo.read("Patient", world.cuc)
    with pytest.raises(FhirError):
        repo.create({"resourceType": "Basic", "code": {"text": "x"}})
    found = search(repo, "DiagnosticReport", [("patient", f"Patient/{world.binh_regional}")], base_url="").matches
    assert found == []


def test_a_revoked_link_and_an_expired_one_are_refused_and_the_refusal_is_logged(
        shared: tuple[World, ShareLink, str, str, str], sms: Gateway) -> None:
    _w, link, token, _s, _h = shared
    patient = Client()
    log_in(patient, sms, PHONE)
    manage = f"/app/ho-so/{link.profile_id}/lien-ket/"
    assert patient.post(f"{manage}{link.pk}/thu-hoi/").status_code == 302
    refused = Client().get(f"/xem/{token}/")
    assert refused.status_code == 410 and "thu hồi" in refused.content.decode()
    ShareLink.objects.filter(pk=link.pk).update(revoked=None, expires=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/xem/{token}/").status_code == 410
    assert list(ShareUse.objects.filter(link=link).order_by("id").values_list("target", flat=True)) == ["revoked", "expired"]
    page = patient.get(manage).content.decode()
    assert page.count('data-testid="share-use"') == 2 and "bị từ chối" in page
    assert Client().get(f"/xem/{token[:-2]}xx/").status_code == 404


def test_a_passcode_opens_the_link_and_five_wrong_ones_lock_it(world: World) -> None:
    account, opened = linked_account(PHONE, world.binh_regional)
    report = world.lab_report(world.binh_regional)
    link, token = links.create(account, opened, repository_for(account, opened), report_ids=[report], document_ids=[],
                               period=None, hours=1, passcode="2468")
    doctor = Client()
    assert "passcode" in doctor.get(f"/xem/{token}/").content.decode()
    assert doctor.post(f"/xem/{token}/", {"passcode": "1111"}).status_code == 403
    assert doctor.post(f"/xem/{token}/", {"passcode": "2468"}).status_code == 302
    assert "8,2" in doctor.get(f"/xem/{token}/").content.decode()
    stranger = Client()
    for _ in range(4):
        stranger.post(f"/xem/{token}/", {"passcode": "0000"})
    assert stranger.post(f"/xem/{token}/", {"passcode": "2468"}).status_code == 410  # locked after five wrong
    assert doctor.get(f"/xem/{token}/").status_code == 410


def test_a_period_shares_every_result_and_paper_signed_in_it(world: World) -> None:
    account, opened = linked_account(PHONE, world.binh_regional)
    first, second = world.lab_report(world.binh_regional), world.lab_report(world.binh_regional)
    today = timezone.localdate()
    link, _token = links.create(account, opened, repository_for(account, opened), report_ids=[], document_ids=[],
                                period=(today - timedelta(days=1), today), hours=72)
    assert {f"DiagnosticReport/{first}", f"DiagnosticReport/{second}"} <= set(link.items)
    assert len([i for i in link.items if i.startswith("DocumentReference/")]) == 2
    with pytest.raises(links.ShareError):
        links.create(account, opened, repository_for(account, opened), report_ids=[], document_ids=[],
                     period=(date(2001, 1, 1), date(2001, 2, 1)), hours=72)


def test_items_of_another_patient_cannot_be_shared_and_family_members_cannot_share(world: World) -> None:
    account, opened = linked_account(PHONE, world.binh_regional)
    other = world.lab_report(world.cuc)
    with pytest.raises(links.ShareError):
        links.create(account, opened, repository_for(account, opened), report_ids=[other], document_ids=[],
                     period=None, hours=24)
    from benhan.portal.models import ProxyGrant

    ProxyGrant.objects.create(profile=opened.profile, grantee_phone=OTHER_PHONE, scope="records",
                              expires=timezone.now() + timedelta(days=1))
    relative, _ = linked_account(OTHER_PHONE, world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    from benhan.portal.access import open_profile

    as_relative = open_profile(relative, opened.profile.pk)
    assert as_relative is not None
    with pytest.raises(links.ShareError):
        links.create(relative, as_relative, repository_for(relative, as_relative), report_ids=[], document_ids=[],
                     period=(timezone.localdate(), timezone.localdate()), hours=24)


def test_the_app_page_makes_a_link_with_a_qr_code_and_shows_the_token_once(world: World, sms: Gateway) -> None:
    _account, opened = linked_account(PHONE, world.binh_regional)
    report = world.lab_report(world.binh_regional)
    patient = Client()
    log_in(patient, sms, PHONE)
    manage = f"/app/ho-so/{opened.profile.pk}/lien-ket/"
    assert report in patient.get(manage).content.decode()
    made = patient.post(manage, {"mode": "items", "report": [report], "hours": "24", "label": "BS Hùng"})
    body = made.content.decode()
    url = re.search(r'value="(http[^"]+/xem/[^"]+/)" data-testid="share-url"', body)
    assert made.status_code == 200 and 'src="data:image/svg+xml' in body and url
    assert made["Cache-Control"] == "no-store"
    bad = patient.post(manage, {"mode": "items", "hours": "24"})
    assert bad.status_code == 400 and "Chọn ít nhất một" in bad.content.decode()
