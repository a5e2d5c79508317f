"""The Patient-compartment membership table (`fhir_compartment`): fill, rebuild, and filter by it.

APIs for other parts of benhan:

- `record_writes(written)`: the store write listener (registered in apps.py). It runs in the
  writing transaction, so membership commits with the resource; a batch of writes costs one DELETE
  per type (only for updates and deletes) and one bulk INSERT.
- `rebuild(tenant=None)`: recompute the table from `fhir_resource` (for `benhan reindex`).
- `in_compartments(patient_ids)`: an `Exists(...)` expression restricting any queryset whose model
  has `resource_type` and `resource_id` fields (or other names, given as arguments) to resources in
  those patients' compartments: `qs.filter(in_compartments(["p1"]))`. For the search engine and for
  patient-context tokens.
- `compartment_sql(patient_ids, alias)`: the same restriction as an SQL fragment and its parameters,
  for hand-written SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from ..bulkinsert import insert_rows
from ..compartment import in_patient_compartment_types, patient_ids_of
from ..models import ResourceRow
from ..store import Stored
from .clinical_dates import main_date
from .models import CompartmentMember

_COLUMNS = ("resource_type", "resource_id", "patient_id", "tenant", "date_start", "date_end")
_CHUNK = 500  # parameters per IN list / rows per INSERT: well under SQLite's and PostgreSQL's limits


def member_rows(stored: Stored, resource: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The membership rows (in `_COLUMNS` order) of one stored resource (none when it is in no
    patient's compartment)."""
    if stored.deleted or stored.resource_type not in in_patient_compartment_types():
        return []
    patients = patient_ids_of(resource)
    if not patients:
        return []
    adapt = connection.ops.adapt_datetimefield_value
    start, end = main_date(resource)
    low, high = adapt(start), adapt(end)
    return [(stored.resource_type, stored.id, pid, stored.tenant, low, high) for pid in sorted(patients)]


def _delete_members(keys: dict[str, list[str]]) -> None:
    for rtype, ids in keys.items():
        for i in range(0, len(ids), _CHUNK):
            CompartmentMember.objects.filter(resource_type=rtype, resource_id__in=ids[i : i + _CHUNK]).delete()


def record_writes(written: list[tuple[Stored, dict[str, Any] | None]]) -> None:
    """Store write listener: bring membership up to date for every resource written in one call.

    Rows go in as plain tuples, one bulk insert (COPY on PostgreSQL), not ORM instances: on an
    import the ORM's per-row cost was most of this listener's time (measured).
    """
    compartment_types = in_patient_compartment_types()
    stale: dict[str, list[str]] = defaultdict(list)
    rows: list[tuple[Any, ...]] = []
    for stored, resource in written:
        if stored.resource_type not in compartment_types:
            continue
        # Version 1 is a fresh resource: nothing to replace, so a bulk import runs no DELETE at all.
        if stored.version_id > 1 or resource is None:
            stale[stored.resource_type].append(stored.id)
        if resource is not None:
            rows.extend(member_rows(stored, resource))
    if stale:
        _delete_members(stale)
    insert_rows(CompartmentMember._meta.db_table, _COLUMNS, rows)


def rebuild(*, tenant: str | None = None, batch_size: int = 2000) -> int:
    """Recompute membership from the stored resources (all, or one facility's). Returns rows written."""
    types = sorted(in_patient_compartment_types())
    written = 0
    with transaction.atomic():
        members = CompartmentMember.objects.all()
        rows_qs = ResourceRow.objects.filter(resource_type__in=types, deleted=False)
        if tenant is not None:
            members = members.filter(tenant=tenant)
            rows_qs = rows_qs.filter(tenant=tenant)
        members.delete()
        batch: list[tuple[Any, ...]] = []
        fields = ("resource_type", "resource_id", "version_id", "last_updated", "tenant", "content")
        for rtype, rid, vid, lu, row_tenant, content in rows_qs.values_list(*fields).iterator(chunk_size=batch_size):
            stored = Stored(rtype, rid, vid, lu, False, row_tenant, content)
            batch.extend(member_rows(stored, orjson.loads(content)))
            if len(batch) >= batch_size:
                insert_rows(CompartmentMember._meta.db_table, _COLUMNS, batch)
                written += len(batch)
                batch = []
        insert_rows(CompartmentMember._meta.db_table, _COLUMNS, batch)
        written += len(batch)
    return written


def in_compartments(
    patient_ids: Iterable[str], *, type_field: str = "resource_type", id_field: str = "resource_id"
) -> Exists:
    """Filter expression: the outer row's resource is in the compartment of any of these patients.

    `type_field`/`id_field` name the outer model's fields (joins allowed, e.g. "row__resource_id").
    """
    return Exists(
        CompartmentMember.objects.filter(
            resource_type=OuterRef(type_field), resource_id=OuterRef(id_field), patient_id__in=list(patient_ids)
        )
    )


def compartment_sql(patient_ids: Iterable[str], *, alias: str = "r") -> tuple[str, list[str]]:
    """`EXISTS (...)` restricting rows of `alias` (with resource_type, resource_id columns) to these
    patients' compartments, with its parameters (%s placeholders, as Django's cursor takes them)."""
    ids = list(dict.fromkeys(patient_ids))
    if not ids:
        return "1 = 0", []
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"EXISTS (SELECT 1 FROM {CompartmentMember._meta.db_table} cm WHERE cm.resource_type = {alias}.resource_type"
        f" AND cm.resource_id = {alias}.resource_id AND cm.patient_id IN ({marks}))"
    )
    return sql, ids
