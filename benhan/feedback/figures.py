"""Figures for the dashboards: plain functions, no HTTP. Response time = first response − sent."""

from __future__ import annotations

import calendar
import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from .models import Feedback


def counts_by_status(facility_code: str, since: date | None = None, until: date | None = None) -> dict[str, int]:
    """How many feedback items are in each status (every status present, zero included), sent in [since, until]."""
    qs = Feedback.objects.filter(facility=facility_code)
    tz = timezone.get_current_timezone()
    if since is not None:
        qs = qs.filter(created__gte=datetime.combine(since, datetime.min.time(), tzinfo=tz))
    if until is not None:
        qs = qs.filter(created__lt=datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=tz))
    found = dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: int(found.get(status, 0)) for status in Feedback.Status.values}


@dataclass(frozen=True)
class MonthResponse:
    year: int
    month: int
    received: int  # feedback sent in the month
    responded: int  # of which responded (at any time since)
    median_hours: float | None
    p90_hours: float | None


def _p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def response_times(facility_code: str, year: int, month: int) -> MonthResponse:
    """Median and p90 hours from sending to the first response, for the feedback sent in that month."""
    tz = timezone.get_current_timezone()
    first = datetime(year, month, 1, tzinfo=tz)
    after = datetime.combine(date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=1),
                             datetime.min.time(), tzinfo=tz)
    rows = list(Feedback.objects.filter(facility=facility_code, created__gte=first, created__lt=after)
                .values_list("created", "responded_at"))
    hours = [(answered - sent).total_seconds() / 3600 for sent, answered in rows if answered is not None]
    return MonthResponse(year, month, len(rows), len(hours), statistics.median(hours) if hours else None,
                         _p90(hours) if hours else None)


def response_times_by_month(facility_code: str, months: int = 12, today: date | None = None) -> list[MonthResponse]:
    """The last `months` months, oldest first, this month included."""
    day = today or timezone.localdate()
    out = []
    year, month = day.year, day.month
    for _i in range(months):
        out.append(response_times(facility_code, year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]
