"""The write listener that keeps the search-index tables in step with the store.

It runs inside the writing transaction (store.add_write_listener), takes the whole list of writes
of one store call, and makes one DELETE per table for the resources that had index rows before
(updates and deletes; a version-1 create has none) and one bulk insert per table (COPY on
PostgreSQL) for the new rows. A deleted resource keeps no index rows, so searches never see it.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from django.db import connection

from benhan.fhir import bulkinsert
from benhan.fhir.store import Stored

from . import special
from .definitions import composite_key, indexed_params, resource_types
from .models import INDEX_MODELS
from .paths import Expression
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


# Typed values already extracted from an element of the resource being indexed, by (kind, id): the
# composites take the same code and value elements again (Observation has eight composites). The
# element itself is kept in the entry, so its id cannot be reused while the memo lives.
Memo = dict[tuple[str, int], tuple[Any, list[tuple[Any, ...]]]]


def _add_values(rows: Rows, memo: Memo, kind: str, value: Any, head: tuple[Any, ...]) -> None:
    """The rows of one element: `head` (type, id, param, tenant, grp) and each typed value."""
    if type(value) is dict:
        key = (kind, id(value))
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = (value, EXTRACTORS[kind](value))
        typed_rows = hit[1]
        out = rows[kind]
        for typed in typed_rows:
            out.append(head + typed)
        # The only values with extra token rows: an Identifier with a type, a Reference with an identifier.
        if kind == "token" and "type" in value:
            _add_extra(rows, head, ":of-type", identifier_type_values(value))
        elif kind == "reference" and "identifier" in value:
            _add_extra(rows, head, ":identifier", reference_identifier_values(value))
    else:
        out = rows[kind]
        for typed in EXTRACTORS[kind](value):
            out.append(head + typed)


def _add_extra(rows: Rows, head: tuple[Any, ...], suffix: str, typed_rows: list[tuple[Any, ...]]) -> None:
    if typed_rows:
        extra = (head[0], head[1], head[2] + suffix, head[3], head[4])
        rows["token"].extend(extra + typed for typed in typed_rows)


# One resource type's indexed parameters, ready for rows_for: the parameters that read a top-level
# key, by key, and those that may read anything. A resource has a dozen keys against ~30 parameters,
# so looking the keys up is cheaper than testing every parameter's roots against the resource.
_Entry = tuple[Expression, str, str, tuple[tuple[Expression, str, str, bool], ...]]


@cache
def _plan(rtype: str) -> tuple[tuple[_Entry, ...], dict[str, tuple[int, ...]], tuple[int, ...]]:
    entries: list[_Entry] = []
    by_root: dict[str, list[int]] = defaultdict(list)
    always: list[int] = []
    for param in indexed_params(rtype):
        assert param.expression is not None
        if param.type != "composite" and param.key != param.code:
            continue  # a composite component writes these values (definitions._share_plain)
        i = len(entries)
        # A component stored under another component's key has the same rows as that one, which
        # writes them (definitions._share_components): writing them again would only add rows.
        components = tuple((c.expression, c.type, c.key, c.from_resource) for k, c in enumerate(param.components)
                           if c.key == composite_key(param.code, k))
        entries.append((param.expression, param.type, param.code, components))
        if param.roots is None:
            always.append(i)
        else:
            for root in param.roots:
                by_root[root].append(i)
    return tuple(entries), {k: tuple(v) for k, v in by_root.items()}, tuple(always)


def prepare() -> None:
    """Compile every type's plan now: processes forked afterwards share it instead of each
    compiling the FHIRPath of the types it meets (benhan import, importer.warm_up)."""
    for rtype in resource_types():
        _plan(rtype)


def rows_for(resource: dict[str, Any], resource_id: str, tenant: str) -> Rows:
    """Every index row of one resource, by table kind (the import's hot path: measured in
    benchmarks/ingest.py, so it avoids per-value work it can share)."""
    rows: Rows = defaultdict(list)
    memo: Memo = {}
    rtype = resource["resourceType"]
    entries, by_root, always = _plan(rtype)
    chosen = set(always)
    for key in resource:
        hit = by_root.get(key)
        if hit is not None:
            chosen.update(hit)
    for i in sorted(chosen):
        expression, kind, code, components = entries[i]
        elements = expression(resource)
        if not elements:
            continue
        if kind == "composite":
            for grp, element in enumerate(elements, start=1):
                if not isinstance(element, dict):
                    continue
                for comp_expression, comp_kind, comp_code, from_resource in components:
                    head = (rtype, resource_id, comp_code, tenant, grp)
                    for value in comp_expression(resource if from_resource else element):
                        _add_values(rows, memo, comp_kind, value, head)
            continue
        head = (rtype, resource_id, code, tenant, 0)
        for value in elements:
            _add_values(rows, memo, kind, value, head)
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
