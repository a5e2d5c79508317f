"""The write listener that keeps the search-index tables in step with the store.

It runs inside the writing transaction (store.add_write_listener), takes the whole list of writes
of one store call, and makes one DELETE per table for the resources that had index rows before
(updates and deletes; a version-1 create has none) and one bulk insert per table (COPY on
PostgreSQL) for the new rows. A deleted resource keeps no index rows, so searches never see it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection

from benhan.fhir import bulkinsert
from benhan.fhir.store import Stored

from . import special
from .definitions import indexed_params
from .models import INDEX_MODELS
from .values import EXTRACTORS, identifier_type_values, reference_identifier_values

_COMMON = ("resource_type", "resource_id", "param", "tenant", "grp")
COLUMNS: dict[str, tuple[str, ...]] = {
    "string": _COMMON + ("value", "exact"),
    "token": _COMMON + ("system", "code", "text"),
    "reference": _COMMON + ("target_type", "target_id", "url"),
    "date": _COMMON + ("low", "high"),
    "number": _COMMON + ("value",),
    "quantity": _COMMON + ("value", "system", "code", "unit"),
    "uri": _COMMON + ("value",),
    "text": _COMMON + ("value",),
    "position": _COMMON + ("lat", "long", "x", "y", "z"),
}
TABLES = {kind: model._meta.db_table for kind, model in INDEX_MODELS.items()}

Rows = dict[str, list[tuple[Any, ...]]]


def composite_key(code: str, index: int) -> str:
    """The param under which component `index` of composite `code` is stored (`code-value-quantity#1`)."""
    return f"{code}#{index}"


# Typed values already extracted from an element of the resource being indexed, by (kind, id): the
# composites take the same code and value elements again (Observation has eight composites). The
# element itself is kept in the entry, so its id cannot be reused while the memo lives.
Memo = dict[tuple[str, int], tuple[Any, list[tuple[Any, ...]]]]


def _add_values(rows: Rows, memo: Memo, kind: str, value: Any, rtype: str, rid: str, code: str, tenant: str,
                grp: int) -> None:
    if type(value) is dict:
        hit = memo.get((kind, id(value)))
        if hit is None:
            hit = memo[(kind, id(value))] = (value, EXTRACTORS[kind](value))
        typed_rows = hit[1]
    else:
        typed_rows = EXTRACTORS[kind](value)
    out = rows[kind]
    for typed in typed_rows:
        out.append((rtype, rid, code, tenant, grp, *typed))
    # The only values with extra token rows: an Identifier with a type, a Reference with an identifier.
    if type(value) is dict:
        if kind == "token" and "type" in value:
            rows["token"].extend((rtype, rid, f"{code}:of-type", tenant, grp, *typed)
                                 for typed in identifier_type_values(value))
        elif kind == "reference" and "identifier" in value:
            rows["token"].extend((rtype, rid, f"{code}:identifier", tenant, grp, *typed)
                                 for typed in reference_identifier_values(value))


def rows_for(resource: dict[str, Any], resource_id: str, tenant: str) -> Rows:
    """Every index row of one resource, by table kind (the import's hot path: measured in
    benchmarks/ingest.py, so it avoids per-value work it can share)."""
    rows: Rows = defaultdict(list)
    memo: Memo = {}
    rtype = resource["resourceType"]
    present = resource.keys()
    for param in indexed_params(rtype):
        if param.roots is not None and param.roots.isdisjoint(present):
            continue
        assert param.expression is not None
        elements = param.expression(resource)
        if param.type == "composite":
            for grp, element in enumerate(elements, start=1):
                if not isinstance(element, dict):
                    continue
                for i, comp in enumerate(param.components):
                    key = composite_key(param.code, i)
                    for value in comp.expression(element):
                        _add_values(rows, memo, comp.type, value, rtype, resource_id, key, tenant, grp)
            continue
        for value in elements:
            _add_values(rows, memo, param.type, value, rtype, resource_id, param.code, tenant, 0)
    special.add_rows(rows, resource, resource_id, tenant)
    return rows


def _delete_rows(keys: list[tuple[str, str]]) -> None:
    by_type: dict[str, list[str]] = defaultdict(list)
    for rtype, rid in keys:
        by_type[rtype].append(rid)
    with connection.cursor() as cursor:
        for rtype, ids in by_type.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                for table in TABLES.values():
                    cursor.execute(
                        f"DELETE FROM {table} WHERE resource_id IN ({marks}) AND resource_type = %s",  # noqa: S608
                        [*chunk, rtype],
                    )


def index_writes(written: list[tuple[Stored, dict[str, Any] | None]], *, replace_all: bool = False) -> None:
    """The write listener: replace the index rows of every written resource.

    `replace_all` makes it delete even for version-1 rows (used by `benhan reindex`).
    """
    stale = [(s.resource_type, s.id) for s, r in written if replace_all or s.version_id > 1 or r is None]
    if stale:
        _delete_rows(stale)
    rows: Rows = defaultdict(list)
    for stored, resource in written:
        if resource is None or stored.deleted:
            continue
        for kind, kind_rows in rows_for(resource, stored.id, stored.tenant).items():
            rows[kind].extend(kind_rows)
    for kind, kind_rows in rows.items():
        if kind_rows:
            bulkinsert.insert_rows(TABLES[kind], COLUMNS[kind], kind_rows)


def reindex(*, resource_types: list[str] | None = None, tenant: str | None = None, batch_size: int = 2000) -> int:
    """Rebuild the index rows from the stored resources (after the definitions change). Returns resources indexed.

    Runs in one transaction, so searches see the old index or the new one, never half of each.
    """
    import orjson
    from django.db import transaction

    from benhan.fhir.models import ResourceRow

    count = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in TABLES.values():
                clauses, params = [], []
                if resource_types:
                    clauses.append(f"resource_type IN ({', '.join(['%s'] * len(resource_types))})")
                    params += resource_types
                if tenant is not None:
                    clauses.append("tenant = %s")
                    params.append(tenant)
                where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
                cursor.execute(f"DELETE FROM {table}{where}", params)  # noqa: S608
        rows = ResourceRow.objects.filter(deleted=False).order_by("id")
        if resource_types:
            rows = rows.filter(resource_type__in=resource_types)
        if tenant is not None:
            rows = rows.filter(tenant=tenant)
        batch: list[tuple[Stored, dict[str, Any] | None]] = []
        fields = ("resource_type", "resource_id", "version_id", "last_updated", "tenant", "content")
        for rtype, rid, vid, lu, row_tenant, content in rows.values_list(*fields).iterator(chunk_size=batch_size):
            batch.append((Stored(rtype, rid, vid, lu, False, row_tenant, content), orjson.loads(content)))
            if len(batch) >= batch_size:
                # Old rows are already gone: insert only (version 1 semantics).
                index_writes([(_as_new(s), r) for s, r in batch])
                count += len(batch)
                batch = []
        index_writes([(_as_new(s), r) for s, r in batch])
        count += len(batch)
    return count


def _as_new(stored: Stored) -> Stored:
    from dataclasses import replace

    return replace(stored, version_id=1)
