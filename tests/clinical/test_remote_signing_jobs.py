"""A doctor whose key is with a remote CA: the clinical step records a signature request, a job waits
for the CA outside any transaction, retries with backoff, and files the paper whole once signed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from benhan.accounts.models import User
from benhan.clinical.workflows.visits import conclude_visit
from benhan.documents import verify
from benhan.documents.models import PendingSignature, SignedDocument
from benhan.documents.pending import KIND, MAX_ATTEMPTS, retry
from benhan.documents.pki.trust import add_trust_anchors
from benhan.documents.signing.credentials import enroll_remote
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository
from benhan.jobs.models import Job
from benhan.jobs.worker import Worker
from tests.documents.remote_ca_standin import StandinRemoteCA

from .test_signing import _visit

FILED = ("Binary", "Provenance")


@pytest.fixture
def remote_ca(monkeypatch: pytest.MonkeyPatch, settings: Any, signing_doctor: User) -> Iterator[StandinRemoteCA]:
    """The doctor's certificate moved to a remote CA (the facility CA's one is deactivated by enrolment)."""
    standin = StandinRemoteCA()
    standin.add_credential("cred-lan", "TRẦN THỊ LAN", "000123/HCM-CCHN")
    url = standin.start()
    monkeypatch.setenv("BENHAN_REMOTE_SIGNING_TOKEN", standin.token)
    settings.BENHAN_REMOTE_SIGNING = {"poll_interval": 0.01, "timeout": 0.3, "http_timeout": 0.5}
    settings.JOBS_BACKOFF_BASE_SECONDS = 30.0
    add_trust_anchors(standin.root_pem, "Stand-in remote CA")
    enroll_remote(signing_doctor, url, "cred-lan")
    yield standin
    standin.stop()


def _run_due_jobs() -> int:
    return Worker("w", kinds=[KIND]).run(burst=True)


def _make_due() -> None:
    Job.objects.filter(kind=KIND, status=Job.Status.QUEUED).update(run_after=timezone.now() - timedelta(seconds=1))


def _nothing_filed() -> bool:
    return not SignedDocument.objects.exists() and not ResourceRow.objects.filter(resource_type__in=FILED).exists()


def test_concluding_records_a_request_without_calling_the_ca_and_the_job_files_the_signed_paper(
        doctor_repo: Repository, signing_doctor: User, remote_ca: StandinRemoteCA) -> None:
    encounter = _visit(doctor_repo)
    remote_ca.requests_seen.clear()
    done = conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    assert isinstance(done.visit_record, PendingSignature)
    assert done.visit_record.status == PendingSignature.Status.AWAITING
    assert done.encounter["status"] == "finished"
    assert ("POST", "/v1/signatures") not in remote_ca.requests_seen  # the step never waited for the CA
    assert _nothing_filed()

    remote_ca.credentials["cred-lan"].approve_after_polls = 3  # the doctor takes a moment
    assert _run_due_jobs() == 1
    pending = PendingSignature.objects.get()
    assert pending.status == PendingSignature.Status.SIGNED and pending.document is not None
    result = verify(doctor_repo, pending.document)
    assert result.ok, result.problems
    assert result.signer_name == "TRẦN THỊ LAN"
    assert Job.objects.get(kind=KIND).status == Job.Status.SUCCEEDED


def test_a_second_request_for_the_same_paper_is_refused_while_the_first_waits(
        doctor_repo: Repository, signing_doctor: User, remote_ca: StandinRemoteCA) -> None:
    from benhan.documents import SigningError, request_signature

    encounter = _visit(doctor_repo)
    refs = [encounter["subject"]["reference"], f"Encounter/{encounter['id']}"]
    request_signature(doctor_repo, signing_doctor, "visit_record", refs)
    with pytest.raises(SigningError, match="đang chờ"):
        request_signature(doctor_repo, signing_doctor, "visit_record", refs)


def test_a_slow_ca_is_retried_with_backoff_and_nothing_is_stored_meanwhile(
        doctor_repo: Repository, signing_doctor: User, remote_ca: StandinRemoteCA) -> None:
    encounter = _visit(doctor_repo)
    conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    remote_ca.delay_seconds = 0.8  # longer than our HTTP timeout: the CA is too slow to answer
    before = timezone.now()
    _run_due_jobs()
    job = Job.objects.get(kind=KIND)
    pending = PendingSignature.objects.get()
    assert job.status == Job.Status.QUEUED and job.attempts == 1
    assert job.run_after >= before + timedelta(seconds=29)  # the queue's backoff (base 30 s)
    assert pending.status == PendingSignature.Status.AWAITING and "không kết nối được" in pending.last_error
    assert _nothing_filed()

    remote_ca.delay_seconds = 0.0
    remote_ca.credentials["cred-lan"].behaviour = "never"  # reachable now, but the doctor does not answer
    _make_due()
    _run_due_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.attempts == 2
    assert job.run_after >= timezone.now() + timedelta(seconds=50)  # 30 s × 2
    assert "chưa được người ký xác nhận" in PendingSignature.objects.get().last_error
    assert _nothing_filed()

    remote_ca.credentials["cred-lan"].behaviour = "approve"
    _make_due()
    _run_due_jobs()
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.SIGNED and pending.attempts == 3
    assert verify(doctor_repo, pending.document).ok


def test_a_ca_that_stays_down_ends_the_request_failed_and_the_signer_can_send_it_again(
        doctor_repo: Repository, signing_doctor: User, remote_ca: StandinRemoteCA) -> None:
    encounter = _visit(doctor_repo)
    conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    remote_ca.unavailable = 1000
    for _ in range(MAX_ATTEMPTS):
        _make_due()
        _run_due_jobs()
    pending = PendingSignature.objects.get()
    assert Job.objects.get(kind=KIND).status == Job.Status.FAILED
    assert pending.status == PendingSignature.Status.FAILED and "503" in pending.last_error
    assert _nothing_filed()

    remote_ca.unavailable = 0
    retry(pending, signing_doctor)
    _run_due_jobs()
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.SIGNED
    assert SignedDocument.objects.count() == 1


def test_a_refusal_on_the_phone_ends_the_request_at_once(doctor_repo: Repository, signing_doctor: User,
                                                       remote_ca: StandinRemoteCA) -> None:
    encounter = _visit(doctor_repo)
    conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    remote_ca.credentials["cred-lan"].behaviour = "reject"
    _run_due_jobs()
    pending = PendingSignature.objects.get()
    assert pending.status == PendingSignature.Status.REJECTED and "từ chối" in pending.last_error
    assert Job.objects.get(kind=KIND).status == Job.Status.SUCCEEDED  # ended, not retried
    assert _nothing_filed()


def test_a_refused_request_stays_on_the_page_without_polling_and_the_signer_sends_it_again(
        doctor_repo: Repository, signing_doctor: User, remote_ca: StandinRemoteCA, client: Any) -> None:
    encounter = _visit(doctor_repo)
    conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    remote_ca.credentials["cred-lan"].behaviour = "reject"
    _run_due_jobs()
    client.force_login(signing_doctor)
    page = client.get(f"/ui/luot-kham/{encounter['id']}/").content.decode()
    assert "Người ký từ chối" in page and "every 5s" not in page and "Gửi lại yêu cầu ký" in page
    pending = PendingSignature.objects.get()
    response = client.post(f"/ui/cho-ky/{pending.pk}/gui-lai/", {"next": f"/ui/luot-kham/{encounter['id']}/"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.AWAITING
    remote_ca.credentials["cred-lan"].behaviour = "approve"
    _run_due_jobs()
    pending.refresh_from_db()
    assert pending.status == PendingSignature.Status.SIGNED and verify(doctor_repo, pending.document).ok


def test_only_the_signer_may_send_a_request_again(doctor_repo: Repository, signing_doctor: User,
                                                 remote_ca: StandinRemoteCA, technician: User) -> None:
    from benhan.documents import SigningError

    encounter = _visit(doctor_repo)
    conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "Ổn định")
    remote_ca.credentials["cred-lan"].behaviour = "reject"
    _run_due_jobs()
    with pytest.raises(SigningError, match="chỉ người ký"):
        retry(PendingSignature.objects.get(), technician)


def test_the_encounter_page_shows_the_paper_awaiting_signature(
        doctor_repo: Repository, signing_doctor: User, remote_ca: StandinRemoteCA, client: Any) -> None:
    encounter = _visit(doctor_repo)
    client.force_login(signing_doctor)
    response = client.post(f"/ui/luot-kham/{encounter['id']}/ket-thuc/", {"outcome": "home", "conclusion": "Ổn định"})
    assert response.status_code == 302
    page = client.get(f"/ui/luot-kham/{encounter['id']}/").content.decode()
    assert "Đang chờ ký số" in page and "PHIẾU KHÁM BỆNH" in page and "every 5s" in page
    fragment = client.get(f"/ui/luot-kham/{encounter['id']}/cho-ky/")
    assert "HX-Refresh" not in fragment
    _run_due_jobs()
    fragment = client.get(f"/ui/luot-kham/{encounter['id']}/cho-ky/")
    assert fragment["HX-Refresh"] == "true"
    page = client.get(f"/ui/luot-kham/{encounter['id']}/").content.decode()
    assert 'data-testid="pdf-visit_record"' in page and "Đang chờ ký số" not in page
