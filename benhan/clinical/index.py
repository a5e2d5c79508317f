"""The chart index: kept by a store write listener, inside the writing transaction.

A write through any door (the clinical UI, the FHIR REST API, an exchange import) updates the index
in the same transaction as the resource, so the index never disagrees with the store.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.utils import timezone

from benhan.fhir.bulkinsert import insert_rows
from benhan.fhir.compartment import patient_ids_of
from benhan.fhir.store import Stored
from benhan.vn.text import fold

from .fhirutil import BENHAN, BHYT_SYSTEM, CCCD_SYSTEM, patient_name
from .models import ChartEntry, PatientKey

_ENTRY_COLUMNS = ("tenant", "patient_id", "resource_type", "resource_id", "sort_date", "encounter_id", "status",
                  "category")
_KEY_COLUMNS = ("tenant", "patient_id", "kind", "value", "active")

# Where each type keeps the moment the chart orders it by (first present wins).
_DATE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Encounter": (("period", "start"),),
    "Observation": (("effectiveDateTime",), ("effectivePeriod", "start"), ("issued",)),
    "DiagnosticReport": (("effectiveDateTime",), ("issued",)),
    "Condition": (("recordedDate",), ("onsetDateTime",)),
    "MedicationRequest": (("authoredOn",),),
    "ServiceRequest": (("authoredOn",),),
    "DocumentReference": (("date",),),
    "Appointment": (("start",),),
    "AllergyIntolerance": (("recordedDate",),),
    "Composition": (("date",),),
    "Procedure": (("performedDateTime",),),
    "Coverage": (("period", "start"),),
}


def _get(resource: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = resource
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def parse_moment(text: str | None) -> datetime | None:
    if not text or not isinstance(text, str):
        return None
    # FHIR dates may be partial (yyyy, yyyy-mm): they sort at their first day.
    text = {4: text + "-01-01", 7: text + "-01"}.get(len(text), text)
    try:
        if len(text) == 10:
            return timezone.make_aware(datetime.combine(date.fromisoformat(text), time.min))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def sort_moment(resource: dict[str, Any]) -> datetime | None:
    for path in _DATE_PATHS.get(resource.get("resourceType", ""), ()):
        moment = parse_moment(_get(resource, path))
        if moment:
            return moment
    return parse_moment(_get(resource, ("meta", "lastUpdated")))


def _encounter_of(resource: dict[str, Any]) -> str:
    ref = _get(resource, ("encounter", "reference")) or ""
    if not ref:
        contexts = _get(resource, ("context", "encounter")) or []
        ref = contexts[0].get("reference", "") if contexts and isinstance(contexts[0], dict) else ""
    if not ref and resource.get("resourceType") == "Encounter":
        ref = _get(resource, ("partOf", "reference")) or ""
    if not ref and resource.get("resourceType") == "DocumentReference":
        # A signed paper that does not name the Encounter (a prescription signs its lines, not the
        # still-open visit) belongs to the encounter of the entries it signs.
        for related in _get(resource, ("context", "related")) or ():
            rtype, _, rid = str(related.get("reference", "")).partition("/")
            found = (ChartEntry.objects.filter(resource_type=rtype, resource_id=rid.split("/_history")[0])
                     .exclude(encounter_id="").values_list("encounter_id", flat=True).first())
            if found:
                return found
    return ref.split("/", 1)[1] if ref.startswith("Encounter/") else ""


def _category_of(resource: dict[str, Any]) -> str:
    categories = resource.get("category")
    if isinstance(categories, dict):
        categories = [categories]
    for cat in categories or ():
        if isinstance(cat, dict):
            for c in cat.get("coding") or ():
                if c.get("code"):
                    return str(c["code"])[:64]
    return ""


def patient_keys(resource: dict[str, Any]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for ident in resource.get("identifier") or ():
        system, value = ident.get("system", ""), str(ident.get("value", "")).strip()
        if not value:
            continue
        if system == CCCD_SYSTEM:
            keys.append(("cccd", value))
        elif system == BHYT_SYSTEM:
            keys.append(("bhyt", value.upper()))
        elif system.startswith(f"{BENHAN}/sid/mrn/"):
            keys.append(("mrn", value))
    name, birth = fold(patient_name(resource)), resource.get("birthDate", "")
    if name and birth:
        keys.append(("name_dob", f"{name}|{birth}"))
    return keys


def on_write(written: list[tuple[Stored, dict[str, Any] | None]]) -> None:
    """Replace the index rows of every written resource, in the writing transaction.

    Only updates and deletes can have rows to replace: a version-1 create is new, so a bulk import
    runs no DELETE at all. The rows go in as plain tuples in one bulk insert per table (COPY on
    PostgreSQL): the ORM's bulk_create cost more than the rest of this listener (measured).
    """
    stale: dict[str, list[str]] = {}
    for stored, resource in written:
        if stored.version_id > 1 or resource is None:
            stale.setdefault(stored.resource_type, []).append(stored.id)
    for rtype, ids in stale.items():
        for start in range(0, len(ids), 500):
            ChartEntry.objects.filter(resource_type=rtype, resource_id__in=ids[start:start + 500]).delete()
    patient_ids = stale.get("Patient", [])
    for start in range(0, len(patient_ids), 500):
        PatientKey.objects.filter(patient_id__in=patient_ids[start:start + 500]).delete()
    adapt = connection.ops.adapt_datetimefield_value
    entries: list[tuple[Any, ...]] = []
    keys: list[tuple[Any, ...]] = []
    for stored, resource in written:
        if resource is None:
            continue
        patients = patient_ids_of(resource)
        if not patients:
            continue
        moment = adapt(sort_moment(resource))
        encounter_id = _encounter_of(resource)
        status = str(resource.get("status", ""))[:32]
        category = _category_of(resource)
        entries.extend(
            (stored.tenant, pid, stored.resource_type, stored.id, moment, encounter_id, status, category)
            for pid in sorted(patients)
        )
        if stored.resource_type == "Patient":
            active = resource.get("active", True) is not False
            keys.extend((stored.tenant, stored.id, kind, value[:255], active)
                        for kind, value in patient_keys(resource))
    insert_rows(ChartEntry._meta.db_table, _ENTRY_COLUMNS, entries)
    insert_rows(PatientKey._meta.db_table, _KEY_COLUMNS, keys)
