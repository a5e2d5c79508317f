"""Facilities report their self-assessment and figures to the hub through the exchange; the hub applies
each report once, keeps the newest, and adds the facilities up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from benhan.exchange.models import InboxMessage, OutboxMessage
from benhan.jobs.models import Job
from benhan.jobs.worker import Worker
from benhan.province import overview, reporting
from benhan.province.criteria import CRITERIA, status_of
from benhan.province.models import EmrStatus, FacilityReport, SelfAssessment, StatusMonth
from benhan.province.receiving import ReportRefused, apply_report
from benhan.reports.figures import last_months

from .conftest import CENTER, HOSPITAL, HUB, OTHER_PROVINCE, deliver

ALL = {c.code: True for c in CRITERIA}
REQUIRED_ONLY = {c.code: c.required for c in CRITERIA}


def test_the_status_follows_from_the_checklist() -> None:
    assert status_of({}) == EmrStatus.NOT_STARTED
    assert status_of({"tt13-identity": True}) == EmrStatus.IN_PROGRESS
    assert status_of(REQUIRED_ONLY) == EmrStatus.LIVE  # optional groups (LIS, RIS, PACS...) are not needed
    assert status_of({**REQUIRED_ONLY, "tt13-signing": False}) == EmrStatus.IN_PROGRESS


def test_the_periodic_job_reports_every_hosted_facility_and_books_its_next_run(cloud: dict[str, Any]) -> None:
    SelfAssessment.objects.create(facility=CENTER, answers=ALL)
    SelfAssessment.objects.create(facility=HOSPITAL, answers={"tt13-identity": True})
    reporting.schedule(timedelta(0))
    assert Worker("w", kinds=[reporting.JOB]).run_one() is not None
    assert OutboxMessage.objects.filter(kind=reporting.KIND, destination=HUB).count() == 3  # not the hub itself
    assert Job.objects.filter(kind=reporting.JOB, status=Job.Status.QUEUED, run_after__gt=timezone.now()).count() == 1
    deliver()
    reports = {r.facility: r for r in FacilityReport.objects.all()}
    assert {c: r.status for c, r in reports.items()} == {
        CENTER: EmrStatus.LIVE, HOSPITAL: EmrStatus.IN_PROGRESS, OTHER_PROVINCE: EmrStatus.NOT_STARTED}
    claims = next(f for f in reports[CENTER].figures if f["key"] == "claims")
    assert claims["rows"][-1]["claims"] == 2 and claims["rows"][-1]["total_cost"] == 200_000


def test_the_same_report_twice_or_an_older_one_changes_nothing(cloud: dict[str, Any]) -> None:
    newer = reporting.snapshot(cloud[CENTER])
    older = {**newer, "as_of": (timezone.now() - timedelta(days=1)).isoformat(), "answers": ALL}
    assert apply_report(CENTER, newer)["applied"]
    assert not apply_report(CENTER, newer)["applied"]
    assert not apply_report(CENTER, older)["applied"]
    assert FacilityReport.objects.get(facility=CENTER).status == EmrStatus.NOT_STARTED
    assert StatusMonth.objects.filter(facility=CENTER).count() == 1


def test_a_redelivered_message_is_applied_once(cloud: dict[str, Any]) -> None:
    from django.db import transaction

    with transaction.atomic():
        reporting.report(cloud[HOSPITAL])
    deliver()
    message = OutboxMessage.objects.get(kind=reporting.KIND)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now())
    deliver()
    assert InboxMessage.objects.filter(kind=reporting.KIND).count() == 1
    assert FacilityReport.objects.count() == 1


def test_a_node_cannot_report_for_another_facility(cloud: dict[str, Any]) -> None:
    with pytest.raises(ReportRefused):
        apply_report(HOSPITAL, reporting.snapshot(cloud[CENTER]))


def test_the_hub_adds_up_counts_and_recomputes_shares_from_their_parts(cloud: dict[str, Any]) -> None:
    for code in (CENTER, HOSPITAL, OTHER_PROVINCE):
        apply_report(code, reporting.snapshot(cloud[code]))
    months = last_months()
    claims = next(f for f in overview.aggregated_figures(months) if f.key == "claims")
    assert claims.rows[-1]["claims"] == 4 and claims.rows[-1]["accepted"] == 2
    in_province = next(f for f in overview.aggregated_figures(months, "79") if f.key == "claims")
    assert in_province.rows[-1]["claims"] == 3
    booking = next(f for f in overview.aggregated_figures(months) if f.key == "booking")
    assert booking.rows[-1]["share"] is None  # no visits anywhere: no share, never 0 %


def test_facilities_live_over_time_carry_their_last_status_forward(cloud: dict[str, Any]) -> None:
    months = last_months(3)
    earlier = months[0].start() + timedelta(days=2)
    body = reporting.snapshot(cloud[CENTER])
    apply_report(CENTER, {**body, "as_of": earlier.isoformat(), "answers": {"tt13-identity": True}})
    apply_report(CENTER, {**body, "as_of": timezone.now().isoformat(), "answers": ALL})
    apply_report(HOSPITAL, reporting.snapshot(cloud[HOSPITAL]))
    live = overview.live_over_time(months)
    first, middle, last = live.rows
    assert (first["facilities"], first[EmrStatus.IN_PROGRESS], first[EmrStatus.LIVE]) == (1, 1, 0)
    assert (middle["facilities"], middle[EmrStatus.IN_PROGRESS]) == (1, 1)  # no report that month: the last one holds
    assert (last["facilities"], last[EmrStatus.LIVE], last[EmrStatus.NOT_STARTED], last["live_share"]) == (2, 1, 1, 50.0)


def test_facilities_that_never_reported_are_counted_as_not_started(cloud: dict[str, Any]) -> None:
    apply_report(CENTER, {**reporting.snapshot(cloud[CENTER]), "answers": ALL})
    rows = {r.code: r for r in overview.facility_rows()}
    assert set(rows) == {CENTER, HOSPITAL, OTHER_PROVINCE}  # the hub is not a facility
    assert rows[HOSPITAL].as_of is None and rows[HOSPITAL].status == EmrStatus.NOT_STARTED
    totals = {t.code: t for t in overview.province_totals(list(rows.values()))}
    assert (totals["79"].facilities, totals["79"].live, totals["79"].live_share) == (2, 1, 50.0)
    assert totals["01"].name == "Hà Nội"
