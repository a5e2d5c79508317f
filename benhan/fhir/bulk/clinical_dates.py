"""The main clinical date of a resource, for the `start`/`end` window of `Patient/$everything`.

R4 defines the window as care dates, not record dates. The base table is the official multi-type
SearchParameter `clinical-date` (SearchParameter-clinical-date.json, expression copied below with
choice types spelt out); benhan adds the types marked `# added`, whose R4 resources have one
obvious date of care but which `clinical-date` omits (Synthea data is mostly these: Claim, EOB,
MedicationRequest, Condition). Resources of other types have no main date and are always in the window.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

# type -> candidate elements, first present wins. A Period gives a range; a date a day (or month, year).
MAIN_DATE: dict[str, tuple[str, ...]] = {
    "AllergyIntolerance": ("recordedDate",),
    "CarePlan": ("period",),
    "CareTeam": ("period",),
    "ClinicalImpression": ("date",),
    "Composition": ("date",),
    "Consent": ("dateTime",),
    "DiagnosticReport": ("effectiveDateTime", "effectivePeriod"),
    "Encounter": ("period",),
    "EpisodeOfCare": ("period",),
    "FamilyMemberHistory": ("date",),
    "Flag": ("period",),
    "Immunization": ("occurrenceDateTime",),
    "List": ("date",),
    "Observation": ("effectiveDateTime", "effectivePeriod", "effectiveInstant"),
    "Procedure": ("performedDateTime", "performedPeriod"),
    "RiskAssessment": ("occurrenceDateTime",),
    "SupplyRequest": ("authoredOn",),
    "Condition": ("onsetDateTime", "onsetPeriod", "recordedDate"),  # added
    "MedicationRequest": ("authoredOn",),  # added
    "MedicationAdministration": ("effectiveDateTime", "effectivePeriod"),  # added
    "MedicationDispense": ("whenHandedOver", "whenPrepared"),  # added
    "MedicationStatement": ("effectiveDateTime", "effectivePeriod", "dateAsserted"),  # added
    "Claim": ("billablePeriod", "created"),  # added
    "ExplanationOfBenefit": ("billablePeriod", "created"),  # added
    "ImagingStudy": ("started",),  # added
    "DocumentReference": ("date",),  # added
    "ServiceRequest": ("authoredOn",),  # added
    "Appointment": ("start",),  # added
    "Goal": ("startDate",),  # added
}

# Lower bound for a Period with only an end: far past, but a year every database can store.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?$")


def fhir_range(value: str) -> tuple[datetime, datetime] | None:
    """[start, end) of a FHIR date, dateTime or instant at its own precision; None if unparseable.

    Dates without a time zone are taken as UTC, both here and in the query window, so a day means
    the same day on both sides of the comparison.
    """
    m = _DATE_RE.match(value.strip()) if isinstance(value, str) else None
    if not m:
        return None
    year, month, day, time_part = m.groups()
    try:
        if time_part:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment, moment + timedelta(milliseconds=1)
        if day:
            start = datetime(int(year), int(month), int(day), tzinfo=UTC)
            return start, start + timedelta(days=1)
        if month:
            start = datetime(int(year), int(month), 1, tzinfo=UTC)
            nxt = datetime(int(year) + (int(month) == 12), int(month) % 12 + 1, 1, tzinfo=UTC)
            return start, nxt
        start = datetime(int(year), 1, 1, tzinfo=UTC)
        return start, datetime(int(year) + 1, 1, 1, tzinfo=UTC)
    except ValueError:
        return None


def main_date(resource: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(start, end-exclusive) of the resource's care date; (None, None) when it has none.

    An open Period (no end) gives end None: it overlaps every window after its start.
    """
    for element in MAIN_DATE.get(resource.get("resourceType", ""), ()):
        value = resource.get(element)
        if value is None:
            continue
        if isinstance(value, dict):  # Period
            start = fhir_range(value.get("start", "")) if value.get("start") else None
            end = fhir_range(value.get("end", "")) if value.get("end") else None
            if start is None and end is None:
                continue
            return (start[0] if start else EARLIEST), (end[1] if end else None)
        bounds = fhir_range(value)
        if bounds is not None:
            return bounds
    return None, None
