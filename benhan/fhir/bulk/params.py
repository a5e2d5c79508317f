"""Parsing of the parameters shared by $everything and $export (_type, _since, dates, counts)."""

from __future__ import annotations

from datetime import datetime

from ..errors import invalid
from .clinical_dates import fhir_range


def single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise invalid(f"{name} may be given only once", name)
    return values[0] if values else None


def types_param(params: list[tuple[str, str]], known: frozenset[str] | None = None) -> frozenset[str] | None:
    """_type as a set (comma-separated and/or repeated); None when absent."""
    values = [v for k, v in params if k == "_type"]
    if not values:
        return None
    types = frozenset(t.strip() for v in values for t in v.split(",") if t.strip())
    if not types:
        raise invalid("_type is empty", "_type")
    if known is not None and (bad := sorted(types - known)):
        raise invalid(f"_type names unknown resource types: {', '.join(bad)}", "_type")
    return types


def instant_param(params: list[tuple[str, str]], name: str) -> datetime | None:
    """An instant or dateTime (a date alone means its first moment, UTC)."""
    value = single(params, name)
    if value is None:
        return None
    bounds = fhir_range(value.replace(" ", "+"))  # a '+' in an unencoded query string arrives as a space
    if bounds is None:
        raise invalid(f"{name}={value} is not a FHIR instant, dateTime or date", name)
    return bounds[0]


def date_window(params: list[tuple[str, str]]) -> tuple[datetime | None, datetime | None]:
    """$everything start/end as [start, end): `end` includes the whole of its day (month, year)."""
    start = end = None
    if (text := single(params, "start")) is not None:
        if (bounds := fhir_range(text)) is None:
            raise invalid(f"start={text} is not a FHIR date", "start")
        start = bounds[0]
    if (text := single(params, "end")) is not None:
        if (bounds := fhir_range(text)) is None:
            raise invalid(f"end={text} is not a FHIR date", "end")
        end = bounds[1]
    if start is not None and end is not None and end <= start:
        raise invalid("end is before start", "end")
    return start, end


def int_param(params: list[tuple[str, str]], name: str, default: int, low: int, high: int) -> int:
    value = single(params, name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise invalid(f"{name} must be a whole number from {low} to {high}", name)
    return int(value)
