"""A lab report whose signature a remote CA has not returned is not released, even though it is
final; `result_ready` fires when the documents.sign job files the signed paper (decision 0024)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from benhan.accounts.models import User
from benhan.clinical import release
from benhan.clinical.models import ResultRelease
from benhan.clinical.workflows.orders import enter_lab_results, place_orders, sign_report
from benhan.core.events import patient_event
from benhan.documents.models import PendingSignature
from benhan.fhir.repository import Repository
from benhan.vn.models import LabTest
from tests.documents.remote_ca_standin import StandinRemoteCA

from .test_remote_signing_jobs import _make_due, _run_due_jobs, _visit
from .test_remote_signing_jobs import remote_ca as remote_ca  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced() -> Iterator[list[str]]:
    seen: list[str] = []

    def receiver(sender: Any, kind: str, link: str, **_kw: Any) -> None:
        if kind == "result_ready":
            seen.append(link)

    patient_event.connect(receiver, dispatch_uid="test-announced", weak=False)
    yield seen
    patient_event.disconnect(dispatch_uid="test-announced")


def _signed_lab_report(doctor_repo: Repository, technician_repo: Repository, doctor: User) -> tuple[str, Any]:
    visit = _visit(doctor_repo)
    (lab,) = place_orders(doctor_repo, visit["id"], ["XN-SHM"])
    report = enter_lab_results(technician_repo, lab["id"], {"GLU": "8,2", "CRE": "90"})
    return str(report["id"]), sign_report(doctor_repo, doctor, report["id"])


def test_a_final_report_awaiting_its_remote_signature_is_released_only_when_filed(
        doctor_repo: Repository, technician_repo: Repository, signing_doctor: User,
        remote_ca: StandinRemoteCA, announced: list[str]) -> None:  # noqa: F811
    report, signed = _signed_lab_report(doctor_repo, technician_repo, signing_doctor)
    assert isinstance(signed, PendingSignature)
    assert doctor_repo.read("DiagnosticReport", report).json()["status"] == "final"
    assert release.withheld([report]) == {report} and announced == []

    remote_ca.credentials["cred-lan"].approve_after_polls = 1
    _make_due()
    assert _run_due_jobs() == 1
    assert PendingSignature.objects.get().status == PendingSignature.Status.SIGNED
    assert release.withheld([report]) == set()
    assert announced == [f"/app/ho-so/{{profile}}/ket-qua/{report}/"]
    row = ResultRelease.objects.get(pk=report)
    assert row.document_id == PendingSignature.objects.get().document_id and row.notified_at is not None


def test_a_refused_remote_signature_keeps_the_report_held(
        doctor_repo: Repository, technician_repo: Repository, signing_doctor: User,
        remote_ca: StandinRemoteCA, announced: list[str]) -> None:  # noqa: F811
    report, _pending = _signed_lab_report(doctor_repo, technician_repo, signing_doctor)
    remote_ca.credentials["cred-lan"].behaviour = "reject"
    _make_due()
    _run_due_jobs()
    assert PendingSignature.objects.get().status == PendingSignature.Status.REJECTED
    assert release.withheld([report]) == {report} and announced == []


def test_a_held_and_remote_pending_report_waits_for_both(
        doctor_repo: Repository, technician_repo: Repository, signing_doctor: User,
        remote_ca: StandinRemoteCA, announced: list[str]) -> None:  # noqa: F811
    LabTest.objects.filter(code="GLU").update(release_after_review=True)
    report, _pending = _signed_lab_report(doctor_repo, technician_repo, signing_doctor)
    release.record_review(doctor_repo, signing_doctor, report)
    assert release.withheld([report]) == {report} and announced == []  # reviewed, but not yet signed
    remote_ca.credentials["cred-lan"].approve_after_polls = 1
    _make_due()
    assert _run_due_jobs() == 1
    assert release.withheld([report]) == set() and len(announced) == 1
