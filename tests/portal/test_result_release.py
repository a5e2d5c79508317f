"""Results of tests marked "release after review" wait for the doctor (or the delay) before the
patient sees or hears of them; remote-pending signatures hold a result until filed (decision 0024)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from benhan.clinical import release
from benhan.clinical.models import ResultRelease
from benhan.jobs.models import Job
from benhan.jobs.worker import Worker
from benhan.notifications.models import Notification
from benhan.portal import records
from benhan.portal.access import Opened, open_profile, repository_for
from benhan.portal.models import Account
from benhan.sharing import links
from benhan.sharing.links import ShareError
from benhan.vn.models import LabTest

from .conftest import PHONE, World
from .helpers import linked_account, log_in
from .sms_standin import Gateway

pytestmark = pytest.mark.django_db


def _held_report(world: World) -> str:
    LabTest.objects.filter(code="GLU").update(release_after_review=True)
    return world.lab_report(world.binh_regional)


@pytest.fixture(autouse=True)
def _linked(world: World) -> None:
    linked_account(PHONE, world.binh_regional)  # before signing, so notices have someone to go to


def _opened() -> tuple[Account, Opened]:
    account = Account.objects.get(phone=PHONE)
    opened = open_profile(account, account.profiles.get().pk)
    assert opened is not None
    return account, opened


def _visible(world: World, report: str) -> bool:
    account, opened = _opened()
    repo = repository_for(account, opened)
    listed = report in {r.id for r in records.results(repo, opened.patient_ids)}
    single = records.result(repo, report) is not None
    shareable = report in {r.id for r in links.shareable(repo, opened).results}
    assert listed == single == shareable
    return listed


def _run_due_release_jobs() -> int:
    Job.objects.filter(kind=release.JOB_KIND, status=Job.Status.QUEUED).update(
        run_after=timezone.now() - timedelta(seconds=1))
    return Worker("w", kinds=[release.JOB_KIND]).run(burst=True)


def test_a_result_without_a_marked_test_is_released_and_announced_at_signing(world: World) -> None:
    report = world.lab_report(world.binh_regional)
    assert _visible(world, report)
    assert Notification.objects.filter(kind="result_ready").count() == 1
    assert not Job.objects.filter(kind=release.JOB_KIND).exists()


def test_a_held_result_is_hidden_from_list_page_share_link_and_papers_and_not_announced(
        world: World, sms: Gateway) -> None:
    report = _held_report(world)
    stored = world.regional_repo.read("DiagnosticReport", report).json()
    assert {"system": release.RELEASE_SYSTEM, "code": release.AFTER_REVIEW} .items() <= stored["meta"]["tag"][0].items()
    assert not _visible(world, report)
    assert not Notification.objects.exists()
    account, opened = _opened()
    repo = repository_for(account, opened)
    assert not [p for p in records.papers(repo, opened.patient_ids) if p.title.lower().startswith("phiếu kết quả xét")]
    with pytest.raises(ShareError):
        links.create(account, opened, repo, report_ids=[report], document_ids=[], period=None, hours=24)
    client = Client()
    log_in(client, sms, PHONE)
    assert client.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/{report}/").status_code == 404
    assert f"/ket-qua/{report}/" not in client.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/").content.decode()


def test_the_doctors_review_releases_it_once_and_the_delay_job_then_sends_nothing(world: World) -> None:
    report = _held_report(world)
    provenance = release.record_review(world.regional_repo, world.doctor, report)
    assert provenance["target"] == [{"reference": f"DiagnosticReport/{report}"}]
    assert world.regional_repo.read("Provenance", provenance["id"]).json()["activity"]["coding"][0]["code"] == \
        release.REVIEWED
    assert _visible(world, report)
    assert Notification.objects.filter(kind="result_ready").count() == 1
    assert _run_due_release_jobs() == 1
    assert Notification.objects.filter(kind="result_ready").count() == 1
    with pytest.raises(release.ClinicalError):
        release.record_review(world.regional_repo, world.doctor, report)


def test_after_the_delay_the_job_releases_and_announces_it_exactly_once(world: World) -> None:
    report = _held_report(world)
    row = ResultRelease.objects.get(pk=report)
    assert row.hold_until is not None and row.hold_until - row.signed_at == timedelta(hours=72)
    assert _run_due_release_jobs() == 1  # due in the queue's eyes, but the hold has not ended: nothing
    assert not _visible(world, report) and not Notification.objects.exists()
    Job.objects.filter(kind=release.JOB_KIND).update(status=Job.Status.QUEUED, attempts=0)
    ResultRelease.objects.filter(pk=report).update(signed_at=timezone.now() - timedelta(hours=73),
                                                   hold_until=timezone.now() - timedelta(hours=1))
    assert _visible(world, report)
    assert _run_due_release_jobs() == 1
    assert Notification.objects.filter(kind="result_ready").count() == 1
    Job.objects.filter(kind=release.JOB_KIND).update(status=Job.Status.QUEUED, attempts=0)
    assert _run_due_release_jobs() == 1
    assert Notification.objects.filter(kind="result_ready").count() == 1


def test_the_delay_is_configurable_per_facility(settings: Any) -> None:
    settings.RESULT_REVIEW_HOURS = "48,79001=24"
    assert release.review_hours("79001") == 24 and release.review_hours("79010") == 48


def test_the_review_action_on_the_encounter_page_releases_the_result(world: World) -> None:
    report = _held_report(world)
    encounter = world.regional_repo.read("DiagnosticReport", report).json()["encounter"]["reference"].split("/")[1]
    client = Client()
    client.force_login(world.doctor)
    page = client.get(f"/ui/luot-kham/{encounter}/").content.decode()
    assert "Đã tư vấn kết quả cho người bệnh" in page
    response = client.post(f"/ui/ket-qua/{report}/da-tu-van/", {"next": f"/ui/luot-kham/{encounter}/"})
    assert response.status_code == 302
    assert _visible(world, report)
    assert Notification.objects.filter(kind="result_ready").count() == 1


def test_a_held_result_and_its_values_stay_out_of_search_read_everything_and_export_for_the_patient(world: World) -> None:
    """The hold is applied by the access policy itself, so the open patient API (SMART apps) sees no
    more than the app's own pages; staff see the report throughout."""
    import orjson

    from benhan.fhir.bulk.everything import EverythingQuery, everything_page
    from benhan.fhir.errors import FhirError
    from benhan.fhir.search import search

    report = _held_report(world)
    values = [r["reference"].split("/", 1)[1]
              for r in world.regional_repo.read("DiagnosticReport", report).json()["result"]]
    account, opened = _opened()
    repo = repository_for(account, opened)
    assert repo.actor.patient_context_only and values

    def searched(rtype: str) -> set[str]:
        return {e.stored().id for e in search(repo, rtype, [], base_url="http://t/fhir").entries}

    def in_everything() -> set[str]:
        patient = sorted(opened.patient_ids)[0]
        body = orjson.loads(everything_page(repo, EverythingQuery(patient_id=patient), "http://t/fhir").body)
        return {e["resource"]["id"] for e in body.get("entry", [])}

    assert report not in searched("DiagnosticReport") and not set(values) & searched("Observation")
    assert report not in in_everything() and not set(values) & in_everything()
    for rtype, rid in [("DiagnosticReport", report), ("Observation", values[0])]:
        with pytest.raises(FhirError) as refused:
            repo.read(rtype, rid)
        assert refused.value.status == 403
    assert world.regional_repo.read("DiagnosticReport", report).id == report  # staff are not held back

    def exported() -> set[str]:
        from benhan.fhir.bulk.export import rows_to_export, start_export

        export = start_export(repo, level="patient", params=[], prefer="respond-async",
                              request_url="http://t/fhir/Patient/$export")
        return set(rows_to_export(export).values_list("resource_id", flat=True))

    assert report not in exported() and not set(values) & exported()

    release.record_review(world.regional_repo, world.doctor, report)
    assert report in searched("DiagnosticReport") and set(values) <= searched("Observation")
    assert report in in_everything() and repo.read("Observation", values[0]).id == values[0]
    assert report in exported() and set(values) <= exported()
