"""FHIR date, dateTime and instant values as inclusive ranges of epoch milliseconds.

A value stands for the whole interval its precision implies: `1970` is every moment of 1970,
`1970-05-12T10:00:00+07:00` the second starting then. Values without a time zone are read in the
server's zone (settings.TIME_ZONE, Asia/Ho_Chi_Minh), so `date=2024-05-12` finds an encounter at
06:00 Vietnamese time that day even though it is still the 11th in UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

NEG_INF = -(2**62)
POS_INF = 2**62

_DATE_RE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@cache
def _local_zone() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _zone(tz: str | None) -> tzinfo:
    if tz is None:
        return _local_zone()
    if tz == "Z":
        return UTC
    sign = 1 if tz[0] == "+" else -1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_range(text: str) -> tuple[int, int] | None:
    """(low, high) in epoch ms, both inclusive, or None when `text` is not a FHIR date/dateTime/instant."""
    return _parse_range(text) if isinstance(text, str) else None


# The resources of one encounter repeat its moments (every Observation of a visit has the same
# effectiveDateTime), and the local zone is fixed for the process (see _local_zone).
@lru_cache(maxsize=65536)
def _parse_range(text: str) -> tuple[int, int] | None:
    m = _DATE_RE.match(text.strip())
    if not m:
        return None
    try:
        year = int(m["y"])
        zone = _zone(m["tz"])
        if m["m"] is None:
            start = datetime(year, 1, 1, tzinfo=zone)
            end = datetime(year + 1, 1, 1, tzinfo=zone)
        elif m["d"] is None:
            month = int(m["m"])
            start = datetime(year, month, 1, tzinfo=zone)
            days = calendar.monthrange(year, month)[1]
            end = start + timedelta(days=days)
        elif m["H"] is None:
            start = datetime(year, int(m["m"]), int(m["d"]), tzinfo=zone)
            end = start + timedelta(days=1)
        else:
            second = int(m["S"] or 0)
            start = datetime(year, int(m["m"]), int(m["d"]), int(m["H"]), int(m["M"]), second, tzinfo=zone)
            if m["f"]:
                frac = m["f"][:3].ljust(3, "0")
                start += timedelta(milliseconds=int(frac))
                # Beyond milliseconds the stored range is one millisecond wide.
                end = start + timedelta(milliseconds=1)
            elif m["S"] is None:
                end = start + timedelta(minutes=1)
            else:
                end = start + timedelta(seconds=1)
    except (ValueError, OverflowError):
        return None
    return _ms(start), _ms(end) - 1


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
