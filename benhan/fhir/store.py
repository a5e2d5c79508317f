"""The FHIR store: versioned writes and reads of resource JSON, with no access checks.

Only the repository (benhan.fhir.repository) calls this module; everything else goes through the
repository so that policy and audit cannot be skipped. Each write runs inside the caller's
transaction, and write listeners (the search indexer, the outbox) run in that same transaction,
so a resource, its index rows and the messages it causes are stored together or not at all.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .errors import FhirError, Issue, gone, not_found
from .models import ResourceRow, ResourceVersionRow

ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass(frozen=True)
class Stored:
    """One stored version of a resource, with its JSON text exactly as served."""

    resource_type: str
    id: str
    version_id: int
    last_updated: datetime
    deleted: bool
    tenant: str
    content: str
    method: str = ""

    def json(self) -> dict[str, Any]:
        return orjson.loads(self.content) if self.content else {}

    @property
    def etag(self) -> str:
        return f'W/"{self.version_id}"'

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"


# A write listener gets every (stored version, resource JSON or None when deleted) written in a call.
WriteListener = Callable[[list[tuple[Stored, dict[str, Any] | None]]], None]
_listeners: list[WriteListener] = []


def add_write_listener(listener: WriteListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


# Seconds spent in each listener since start, by "module.function": the ingest benchmark reports it
# to show where write time goes. One clock read per listener call (per batch), so it is always on.
listener_seconds: dict[str, float] = {}


def _notify(written: list[tuple[Stored, dict[str, Any] | None]]) -> None:
    for listener in _listeners:
        started = time.perf_counter()
        listener(written)
        name = f"{getattr(listener, '__module__', '?')}.{getattr(listener, '__qualname__', '?')}"
        listener_seconds[name] = listener_seconds.get(name, 0.0) + time.perf_counter() - started


def new_id() -> str:
    return str(uuid.uuid4())


def format_instant(moment: datetime) -> str:
    """FHIR instant with milliseconds, in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _stamp(resource: dict[str, Any], resource_id: str, version_id: int, moment: datetime, instant: str = "") -> str:
    """Set id and meta in place (meta first, as servers conventionally serve it) and return the JSON text.

    `instant` is `moment` already formatted (a bulk write stamps every resource with the same one).
    """
    meta = resource.get("meta")
    meta = dict(meta) if meta else {}
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = instant or format_instant(moment)
    # Re-insert the other keys after the three leading ones, in their order: a copy and three pops
    # cost a third of filtering every key through a generator.
    rest = resource.copy()
    resource_type = rest.pop("resourceType")
    rest.pop("id", None)
    rest.pop("meta", None)
    resource.clear()
    resource["resourceType"] = resource_type
    resource["id"] = resource_id
    resource["meta"] = meta
    resource.update(rest)
    return orjson.dumps(resource).decode()


# A version row's content is NULL while it is its resource's latest stored content: the resource row
# holds those bytes, so every write stores them once (half the JSON an import writes). An update
# first hands the old bytes to that version row (update()); a delete leaves the resource row's
# content as it was, so the version before the delete still reads it there. Readers of versions
# take _BODY.
_BODY = Coalesce("content", "row__content")


def _stored(row: ResourceRow | ResourceVersionRow, method: str = "") -> Stored:
    return Stored(
        resource_type=row.resource_type,
        id=row.resource_id,
        version_id=row.version_id,
        last_updated=row.last_updated,
        deleted=row.deleted,
        tenant=row.tenant,
        content=row.content if isinstance(row, ResourceRow) else row.body,  # type: ignore[attr-defined]
        method=method or getattr(row, "method", ""),
    )


def check_id(resource_id: str) -> None:
    if not ID_RE.match(resource_id):
        raise FhirError(400, [Issue("invalid", f"'{resource_id}' is not a valid FHIR id", ("id",))])


def create(resource: dict[str, Any], tenant: str, resource_id: str | None = None) -> Stored:
    """Store a new resource (version 1). The caller has validated it."""
    resource_type = resource["resourceType"]
    resource_id = resource_id or new_id()
    check_id(resource_id)
    with transaction.atomic():
        moment = timezone.now()
        content = _stamp(resource, resource_id, 1, moment)
        try:
            with transaction.atomic():
                row = ResourceRow.objects.create(
                    resource_type=resource_type,
                    resource_id=resource_id,
                    version_id=1,
                    last_updated=moment,
                    tenant=tenant,
                    content=content,
                )
        except IntegrityError as exc:
            raise FhirError(
                409, [Issue("duplicate", f"{resource_type}/{resource_id} already exists")]
            ) from exc
        ResourceVersionRow.objects.create(
            row=row,
            resource_type=resource_type,
            resource_id=resource_id,
            version_id=1,
            last_updated=moment,
            method="POST",
            tenant=tenant,
            content=None,  # the resource row holds it (_BODY)
        )
        stored = _stored(row, "POST")
        _notify([(stored, resource)])
    return stored


def current(resource_type: str, resource_id: str, *, for_update: bool = False) -> Stored | None:
    """The current version, deleted or not, or None if the id was never used."""
    if for_update:
        row = (ResourceRow.objects.filter(resource_type=resource_type, resource_id=resource_id).select_for_update()
               .only("resource_type", "resource_id", "version_id", "last_updated", "deleted", "tenant", "content")
               .first())
        return _stored(row) if row else None
    # The hot path of every read by id: plain SQL, since compiling the ORM query cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(_current_sql(), [resource_type, resource_id])
        found = cursor.fetchone()
    if found is None:
        return None
    version_id, last_updated, deleted, tenant, content = found
    if not isinstance(last_updated, datetime):  # SQLite hands back text for a raw query
        last_updated = parse_datetime(last_updated)
    if timezone.is_naive(last_updated):
        last_updated = timezone.make_aware(last_updated, UTC)
    return Stored(resource_type, resource_id, version_id, last_updated, bool(deleted), tenant, content)


@cache
def _current_sql() -> str:
    return (f"SELECT version_id, last_updated, deleted, tenant, content FROM {ResourceRow._meta.db_table} "  # noqa: S608
            "WHERE resource_type = %s AND resource_id = %s")


def read(resource_type: str, resource_id: str) -> Stored:
    stored = current(resource_type, resource_id)
    if stored is None:
        raise not_found(resource_type, resource_id)
    if stored.deleted:
        raise gone(resource_type, resource_id, stored.version_id)
    return stored


def read_many(resource_type: str, resource_ids: Iterable[str]) -> list[Stored]:
    """Current, undeleted versions of several resources of one type in one query (order not kept)."""
    ids = list(dict.fromkeys(resource_ids))
    if not ids:
        return []
    rows = ResourceRow.objects.filter(resource_type=resource_type, resource_id__in=ids, deleted=False).only(
        "resource_type", "resource_id", "version_id", "last_updated", "deleted", "tenant", "content"
    )
    return [_stored(r) for r in rows]


def read_refs(refs: Iterable[tuple[str, str]]) -> list[Stored]:
    """Current, undeleted versions of resources of several types in one query (order not kept)."""
    from django.db.models import Q

    by_type: dict[str, list[str]] = {}
    for resource_type, resource_id in refs:
        by_type.setdefault(resource_type, []).append(resource_id)
    if not by_type:
        return []
    where = Q()
    for resource_type, ids in by_type.items():
        where |= Q(resource_type=resource_type, resource_id__in=list(dict.fromkeys(ids)))
    rows = ResourceRow.objects.filter(where, deleted=False).only(
        "resource_type", "resource_id", "version_id", "last_updated", "deleted", "tenant", "content"
    )
    return [_stored(r) for r in rows]


def vread(resource_type: str, resource_id: str, version_id: int) -> Stored:
    # Through the resource row: its (type, id) key, then the version's (row, version) key.
    row = (ResourceVersionRow.objects.filter(row__resource_type=resource_type, row__resource_id=resource_id,
                                             version_id=version_id)
           .annotate(body=_BODY).defer("content").first())
    if row is None:
        raise FhirError(404, [Issue("not-found", f"{resource_type}/{resource_id}/_history/{version_id} is not known")])
    if row.deleted:
        raise gone(resource_type, resource_id, version_id)
    return _stored(row)


def update(
    resource: dict[str, Any], tenant: str, resource_id: str, *, if_match: int | None = None, method: str = "PUT"
) -> tuple[Stored, bool]:
    """Write a new version; create it when the id is new (update-as-create). Returns (stored, created)."""
    resource_type = resource["resourceType"]
    check_id(resource_id)
    with transaction.atomic():
        row = (
            ResourceRow.objects.select_for_update()
            .filter(resource_type=resource_type, resource_id=resource_id)
            .first()
        )
        if row is None:
            if if_match is not None:
                raise FhirError(412, [Issue("conflict", f"{resource_type}/{resource_id} does not exist; If-Match cannot hold")])
            return create(resource, tenant, resource_id), True
        if if_match is not None and row.version_id != if_match:
            raise FhirError(
                412,
                [Issue("conflict", f"version conflict: {resource_type}/{resource_id} is at version {row.version_id}, not {if_match}")],
            )
        moment = max(timezone.now(), row.last_updated)
        version_id = row.version_id + 1
        content = _stamp(resource, resource_id, version_id, moment)
        # The version that shared the row's content keeps it from now on (_BODY).
        ResourceVersionRow.objects.filter(row=row, content__isnull=True).update(content=row.content)
        row.version_id = version_id
        row.last_updated = moment
        row.deleted = False
        row.content = content
        # The tenant never moves with an update: a facility cannot take over another's record.
        row.save(update_fields=["version_id", "last_updated", "deleted", "content"])
        ResourceVersionRow.objects.create(
            row=row,
            resource_type=resource_type,
            resource_id=resource_id,
            version_id=version_id,
            last_updated=moment,
            method=method,
            tenant=row.tenant,
            content=None,
        )
        stored = _stored(row, method)
        _notify([(stored, resource)])
    return stored, False


def delete(resource_type: str, resource_id: str, *, if_match: int | None = None) -> Stored | None:
    """Soft delete: a new version marked deleted. Returns None when there was nothing to delete."""
    with transaction.atomic():
        row = (
            ResourceRow.objects.select_for_update()
            .filter(resource_type=resource_type, resource_id=resource_id)
            .first()
        )
        if row is None or row.deleted:
            return None
        if if_match is not None and row.version_id != if_match:
            raise FhirError(412, [Issue("conflict", f"version conflict: {resource_type}/{resource_id} is at version {row.version_id}")])
        moment = max(timezone.now(), row.last_updated)
        row.version_id += 1
        row.last_updated = moment
        row.deleted = True
        row.save(update_fields=["version_id", "last_updated", "deleted"])
        ResourceVersionRow.objects.create(
            row=row,
            resource_type=resource_type,
            resource_id=resource_id,
            version_id=row.version_id,
            last_updated=moment,
            method="DELETE",
            deleted=True,
            tenant=row.tenant,
            content="",
        )
        stored = replace(_stored(row, "DELETE"), content="")
        _notify([(stored, None)])
    return stored


def history(
    resource_type: str | None = None,
    resource_id: str | None = None,
    *,
    since: datetime | None = None,
    before: datetime | None = None,
    tenants: Iterable[str] | None = None,
    count: int = 50,
    offset: int = 0,
) -> tuple[list[Stored], int]:
    """Versions newest first, and how many there are in all."""
    qs = ResourceVersionRow.objects.annotate(body=_BODY).defer("content")
    if resource_id:
        # An instance's versions (an id names one with its type), through the resource row's
        # (type, id) key: the version table has no index by id.
        qs = qs.filter(row__resource_type=resource_type, row__resource_id=resource_id)
    elif resource_type:
        qs = qs.filter(resource_type=resource_type)
    if since:
        qs = qs.filter(last_updated__gte=since)
    if before:
        qs = qs.filter(last_updated__lt=before)
    if tenants is not None:
        qs = qs.filter(tenant__in=list(tenants))
    total = qs.count()
    rows = qs.order_by("-last_updated", "-id")[offset : offset + count]
    return [_stored(r) for r in rows], total


# --- bulk writes ----------------------------------------------------------------------------------
_RESOURCE_COLUMNS = ("id", "resource_type", "resource_id", "version_id", "last_updated", "deleted", "tenant", "content")
_VERSION_COLUMNS = (
    "row_id", "resource_type", "resource_id", "version_id", "last_updated", "method", "deleted", "tenant", "content",
)


def write_many(
    resources: list[dict[str, Any]], tenant: str, ids: list[str | None] | None = None, *, upsert: bool = False,
    savepoint: bool = True,
) -> list[Stored]:
    """Store many resources at once: one insert per table and one call of each write listener.

    Each resource gets its given id (or a new one). An id already in use is a 409 conflict, unless
    `upsert` is set: then that resource becomes a new version of the existing one, as update() would
    (and keeps the existing row's tenant). New resources become version 1, all stamped with the same
    lastUpdated. The caller has validated the resources and checked the policy; the result is in
    input order. `savepoint=False`: see Repository.create_many.
    """
    from . import bulkinsert

    if ids is None:
        ids = [None] * len(resources)
    if len(ids) != len(resources):
        raise ValueError("write_many needs one id (or None) per resource")
    chosen = [given or new_id() for given in ids]
    keys = [(r["resourceType"], rid) for r, rid in zip(resources, chosen, strict=True)]
    for rid in chosen:
        check_id(rid)
    if len(set(keys)) != len(keys):
        raise FhirError(409, [Issue("duplicate", "the same resource id appears twice in one write")])

    results: list[Stored | None] = [None] * len(resources)
    with transaction.atomic(savepoint=savepoint):
        # Only an upsert needs to know beforehand which ids exist; for plain creates the unique
        # constraint refuses a taken id (one query fewer per type on the hot path).
        existing = _existing_keys([k for k, given in zip(keys, ids, strict=True) if given]) if upsert else set()
        fresh = [i for i, key in enumerate(keys) if key not in existing]
        moment = timezone.now()
        db_moment = _db_datetime(moment)
        instant = format_instant(moment)
        row_pks = bulkinsert.allocate_ids(ResourceRow._meta.db_table, len(fresh))
        resource_rows: list[tuple[Any, ...]] = []
        version_rows: list[tuple[Any, ...]] = []
        written: list[tuple[Stored, dict[str, Any] | None]] = []
        for pk, i in zip(row_pks, fresh, strict=True):
            resource, rid = resources[i], chosen[i]
            rtype = resource["resourceType"]
            content = _stamp(resource, rid, 1, moment, instant)
            resource_rows.append((pk, rtype, rid, 1, db_moment, False, tenant, content))
            version_rows.append((pk, rtype, rid, 1, db_moment, "POST", False, tenant, None))
            stored = Stored(rtype, rid, 1, moment, False, tenant, content, "POST")
            results[i] = stored
            written.append((stored, resource))
        try:
            bulkinsert.insert_rows(ResourceRow._meta.db_table, _RESOURCE_COLUMNS, resource_rows)
        except IntegrityError as exc:
            raise FhirError(409, [Issue("duplicate", f"a resource id in this write is already in use: {exc}")]) from exc
        bulkinsert.insert_rows(ResourceVersionRow._meta.db_table, _VERSION_COLUMNS, version_rows)
        if written:
            _notify(written)
        # Existing ids (upsert only) take the ordinary update path: a version each, under its row lock.
        for i, resource in enumerate(resources):
            if results[i] is None:
                results[i], _ = update(resource, tenant, chosen[i])
    return [s for s in results if s is not None]


def current_many(keys: list[tuple[str, str]], *, for_update: bool = False) -> dict[tuple[str, str], Stored]:
    """The current version of each (type, id) that exists, locked when asked; one query per type."""
    by_type: dict[str, list[str]] = {}
    for rtype, rid in keys:
        by_type.setdefault(rtype, []).append(rid)
    found: dict[tuple[str, str], Stored] = {}
    for rtype, rids in by_type.items():
        for start in range(0, len(rids), 500):  # stay under SQLite's bound-parameter limit
            qs = ResourceRow.objects.filter(resource_type=rtype, resource_id__in=rids[start : start + 500])
            if for_update:
                qs = qs.select_for_update()
            for row in qs.only("resource_type", "resource_id", "version_id", "last_updated", "deleted", "tenant",
                               "content"):
                found[(rtype, row.resource_id)] = _stored(row)
    return found


def _existing_keys(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (type, id) pairs are already stored; one query per resource type."""
    by_type: dict[str, list[str]] = {}
    for rtype, rid in keys:
        by_type.setdefault(rtype, []).append(rid)
    found: set[tuple[str, str]] = set()
    for rtype, rids in by_type.items():
        for start in range(0, len(rids), 500):  # stay under SQLite's bound-parameter limit
            found.update(
                ResourceRow.objects.filter(resource_type=rtype, resource_id__in=rids[start : start + 500])
                .values_list("resource_type", "resource_id")
            )
    return found


def _db_datetime(moment: datetime) -> Any:
    """The value the database driver expects for a DateTimeField, as the ORM would send it."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(moment)
