"""Node side: each facility hosted here reports its EMR self-assessment and its dashboard figures to
the hub through the exchange (a signed message in the outbox, delivered with retries).

A durable job of the database queue sends the reports and books its own next run
(`PROVINCE_REPORT_HOURS`, default 24), so the hub hears from every node at least daily; saving the
self-assessment reports that facility at once, in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from benhan.accounts.models import Facility
from benhan.exchange.models import Node
from benhan.exchange.outbox import enqueue
from benhan.exchange.reporting import hub_code
from benhan.jobs import queue
from benhan.jobs.models import Job
from benhan.jobs.registry import job_handler
from benhan.reports.figures import Figure, all_figures, last_months

from .criteria import clean, status_of
from .models import SelfAssessment

KIND = "province.figures"  # the exchange message
JOB = "province.report"


def _plain(value: Any) -> Any:
    """Figures as JSON: whole Decimals as int, others as float (the hub sums and compares them)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def serialise(figure: Figure) -> dict[str, Any]:
    return {
        "key": figure.key, "title": str(figure.title), "chart_column": figure.chart_column,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in figure.columns],
        "rows": [{k: _plain(v) for k, v in row.items()} for row in figure.rows],
    }


def province_of(facility: Facility) -> str:
    # The BHYT facility code starts with the province code (QĐ 5937 appendix 4).
    return facility.province_code or facility.code[:2]


def snapshot(facility: Facility) -> dict[str, Any]:
    """What the hub is told about one facility: status, checklist and the last 12 months' figures."""
    answers = clean(SelfAssessment.objects.filter(facility=facility.code).values_list("answers", flat=True).first() or {})
    return {
        "facility": facility.code, "name": facility.name, "province": province_of(facility),
        "as_of": timezone.now().isoformat(), "answers": answers, "status": status_of(answers),
        "figures": [serialise(f) for f in all_figures(facility.code, last_months())],
    }


def reporting_facilities() -> list[Facility]:
    """The facilities hosted on this server (a facility reached at another URL reports from its own node)."""
    hub = hub_code()
    elsewhere = Node.objects.exclude(base_url="").values("code")
    return list(Facility.objects.filter(active=True).exclude(code=hub).exclude(code__in=elsewhere))


def report(facility: Facility) -> bool:
    """Queue one facility's report to the hub (inside the caller's transaction); False without a hub."""
    hub = hub_code()
    if not hub or facility.code == hub:
        return False
    enqueue(facility.code, hub, KIND, snapshot(facility))
    return True


def report_all() -> int:
    with transaction.atomic():
        return sum(report(f) for f in reporting_facilities())


def schedule(delay: timedelta) -> None:
    """Book the next report run unless one is already booked."""
    if hub_code() and not Job.objects.filter(kind=JOB, status=Job.Status.QUEUED).exists():
        queue.enqueue(JOB, {}, run_after=timezone.now() + delay)


def interval() -> timedelta:
    return timedelta(hours=float(getattr(settings, "PROVINCE_REPORT_HOURS", 24)))


@job_handler(JOB, max_attempts=5)
def run_reports(ctx: Any) -> dict[str, int]:
    sent = report_all()
    schedule(interval())
    return {"reported": sent}


def schedule_after_migrate(**_kwargs: Any) -> None:
    schedule(timedelta(0))
