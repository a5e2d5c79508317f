"""`Patient/$everything`: a patient's whole record as a searchset Bundle, bounded by the R4 Patient
CompartmentDefinition (through the `fhir_compartment` table) and assembled from the stored JSON text.

The page holds, in this order, the Patient, every resource of the compartment the caller may read
(filtered by `_type`, `_since` and the care-date window `start`/`end`), and, as `include` entries,
the non-patient resources those entries reference (Practitioner, Organization, Location,
Medication, ...), as R4's operation definition suggests. Paging is by `_count` and `_offset`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db import connection

from .. import store
from ..access import READ
from ..compartment import in_patient_compartment_types
from ..errors import FhirError, Issue, forbidden, gone, not_found
from ..models import ResourceRow
from ..repository import Repository
from .models import CompartmentMember

DEFAULT_COUNT = 1000
MAX_COUNT = 5000

# Resource types that are not patient-specific but that compartment resources point at, returned
# alongside so the record reads on its own (R4 Patient-everything: "e.g. Practitioner, Organization,
# Location, Medication, Device ...").
REFERENCED_TYPES = ("Practitioner", "PractitionerRole", "Organization", "Location", "Medication",
                    "Device", "Substance", "HealthcareService")
# Stored JSON is compact (orjson), so a reference is always written `"reference":"Type/id"`.
_REFERENCE_RE = re.compile(r'"reference":"(' + "|".join(REFERENCED_TYPES) + r')/([A-Za-z0-9\-.]{1,64})"')


@dataclass
class EverythingQuery:
    patient_id: str | None  # None: type level, every patient the caller may see
    types: frozenset[str] | None = None  # _type
    since: datetime | None = None  # _since (meta.lastUpdated)
    start: datetime | None = None  # care-date window [start, end)
    end: datetime | None = None
    count: int = DEFAULT_COUNT
    offset: int = 0
    params: list[tuple[str, str]] = field(default_factory=list)  # as received, for the paging links


@dataclass
class EverythingPage:
    body: bytes
    total: int
    patient_ids: list[str]  # whose records this page discloses (for the audit trail)


def _readable(repo: Repository, types: frozenset[str] | set[str] | tuple[str, ...]) -> list[str]:
    return sorted(t for t in types if any(s.allows(t, READ) for s in repo.actor.scopes))


def _compartment_types(repo: Repository, asked: frozenset[str] | None) -> list[str]:
    allowed = in_patient_compartment_types()
    if asked is None:
        return _readable(repo, allowed)
    unknown = sorted(asked - allowed - set(REFERENCED_TYPES))
    if unknown:
        raise FhirError(400, [Issue("invalid", f"_type {', '.join(unknown)} is not in the Patient compartment", ("_type",))])
    refused = [t for t in asked if not any(s.allows(t, READ) for s in repo.actor.scopes)]
    if refused:
        raise forbidden(f"the token's scopes do not allow reading {', '.join(sorted(refused))}")
    return sorted(asked & allowed)


def _check_patient(repo: Repository, patient_id: str) -> None:
    head = store.current("Patient", patient_id)
    if head is None:
        raise not_found("Patient", patient_id)
    if head.deleted:
        raise gone("Patient", patient_id, head.version_id)
    repo.policy.check_tenant(repo.actor, head.tenant, head.reference)
    if repo.actor.patient_context_only and patient_id not in repo.actor.patient_ids:
        raise forbidden(f"Patient/{patient_id} is outside the records this token may open")


def _in(column: str, values: list[str] | frozenset[str]) -> tuple[str, list[Any]]:
    values = list(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _db_datetime(value: datetime) -> Any:
    # Raw SQL must pass datetimes as the ORM stores them (SQLite: naive UTC text), or comparisons lie.
    return connection.ops.adapt_datetimefield_value(value)


def _where(repo: Repository, q: EverythingQuery, types: list[str]) -> tuple[str, list[Any]]:
    """FROM … WHERE of the compartment rows (alias r: resource, c: membership)."""
    clauses, params = ["r.deleted = %s"], [False]
    tenants = repo.policy.tenants(repo.actor)
    if tenants is not None:
        sql, p = _in("r.tenant", sorted(tenants))
        clauses.append(sql)
        params += p
    # Only when some compartment types are excluded, and for one patient on the membership side:
    # a type list on fhir_resource made PostgreSQL hash-join the whole table (127 ms, not 15 ms).
    type_filter = None if set(types) == in_patient_compartment_types() else types
    if type_filter is not None and q.patient_id is None:
        sql, p = _in("r.resource_type", type_filter)
        clauses.append(sql)
        params += p
    if q.since is not None:
        clauses.append("r.last_updated >= %s")
        params.append(_db_datetime(q.since))
    member: list[str] = ["c.resource_type = r.resource_type", "c.resource_id = r.resource_id"]
    member_params: list[Any] = []
    if q.patient_id is not None:
        member.append("c.patient_id = %s")
        member_params.append(q.patient_id)
        if type_filter is not None:
            sql, p = _in("c.resource_type", type_filter)
            member.append(sql)
            member_params += p
    elif repo.actor.patient_context_only:
        sql, p = _in("c.patient_id", sorted(repo.actor.patient_ids) or [""])
        member.append(sql)
        member_params += p
    if repo.actor.patient_context_only:
        from benhan.fhir.holds import held_sql

        hsql, hparams = held_sql("c")  # what the facility holds back (decision 0024)
        if hsql:
            member.append(hsql)
            member_params += hparams
    if q.start is not None or q.end is not None:
        # Undated resources (the Patient, a Medication statement without date...) are always in.
        window = []
        if q.end is not None:
            window.append("c.date_start < %s")
            member_params.append(_db_datetime(q.end))
        if q.start is not None:
            window.append("(c.date_end IS NULL OR c.date_end > %s)")
            member_params.append(_db_datetime(q.start))
        member.append(f"(c.date_start IS NULL OR ({' AND '.join(window)}))")
    members = CompartmentMember._meta.db_table
    resources = ResourceRow._meta.db_table
    if q.patient_id is not None:
        # One patient: drive from the membership index; (type, id, patient) is unique, so no duplicates.
        from_sql = f"FROM {members} c JOIN {resources} r ON {' AND '.join(member[:2])}"
        clauses = member[2:] + clauses
        params = member_params + params
    else:
        from_sql = f"FROM {resources} r"
        clauses.append(f"EXISTS (SELECT 1 FROM {members} c WHERE {' AND '.join(member)})")
        params += member_params
    return f"{from_sql} WHERE {' AND '.join(clauses)}", params


def _referenced(repo: Repository, contents: list[str], on_page: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for content in contents:
        for rtype, rid in _REFERENCE_RE.findall(content):
            if (rtype, rid) not in on_page:
                wanted[rtype].add(rid)
    readable = set(_readable(repo, tuple(wanted)))
    tenants = repo.policy.tenants(repo.actor)
    found: list[tuple[str, str, str]] = []
    for rtype in sorted(wanted.keys() & readable):
        rows = ResourceRow.objects.filter(resource_type=rtype, resource_id__in=sorted(wanted[rtype]), deleted=False)
        if tenants is not None:
            rows = rows.filter(tenant__in=sorted(tenants))
        found += rows.order_by("resource_id").values_list("resource_type", "resource_id", "content")
    return found


def _link(base: str, q: EverythingQuery, offset: int) -> str:
    path = f"{base}/Patient/{q.patient_id}/$everything" if q.patient_id else f"{base}/Patient/$everything"
    kept = [(k, v) for k, v in q.params if k not in ("_count", "_offset")]
    return f"{path}?{urlencode([*kept, ('_count', str(q.count)), ('_offset', str(offset))])}"


def _json_str(text: str) -> str:
    # Ids match [A-Za-z0-9\-.] and the base URL is the operator's; escape quotes and backslashes anyway.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def everything_page(repo: Repository, q: EverythingQuery, base: str) -> EverythingPage:
    """One page of $everything. Checks the caller's scopes, facilities and patient context; the
    caller (the operation) writes the audit entry for `patient_ids`."""
    repo.policy.check_type(repo.actor, "Patient", READ)
    if q.patient_id is not None:
        _check_patient(repo, q.patient_id)
    types = _compartment_types(repo, q.types)
    if not types:
        rows: list[tuple[str, str, str]] = []
        total = 0
    else:
        where, params = _where(repo, q, types)
        order = "ORDER BY CASE WHEN r.resource_type = 'Patient' THEN 0 ELSE 1 END, r.resource_type, r.id"
        with connection.cursor() as cur:
            cur.execute(f"SELECT r.resource_type, r.resource_id, r.content {where} {order} LIMIT %s OFFSET %s",
                        [*params, q.count, q.offset])
            rows = cur.fetchall()
            if q.offset == 0 and len(rows) < q.count:
                total = len(rows)
            else:
                cur.execute(f"SELECT COUNT(*) {where}", params)
                total = int(cur.fetchone()[0])
    on_page = {(t, i) for t, i, _ in rows}
    included = _referenced(repo, [c for _, _, c in rows], on_page)
    entries = [
        f'{{"fullUrl":{_json_str(f"{base}/{t}/{i}")},"resource":{c},"search":{{"mode":"{mode}"}}}}'
        for mode, group in (("match", rows), ("include", included))
        for t, i, c in group
    ]
    links = [("self", _link(base, q, q.offset))]
    if q.offset + q.count < total:
        links.append(("next", _link(base, q, q.offset + q.count)))
    if q.offset > 0:
        links.append(("previous", _link(base, q, max(0, q.offset - q.count))))
    link_json = ",".join(f'{{"relation":"{rel}","url":{_json_str(url)}}}' for rel, url in links)
    body = (f'{{"resourceType":"Bundle","type":"searchset","total":{total},"link":[{link_json}],'
            f'"entry":[{",".join(entries)}]}}')
    return EverythingPage(body.encode(), total, _patients_on_page(q, rows))


def _patients_on_page(q: EverythingQuery, rows: list[tuple[str, str, str]]) -> list[str]:
    if q.patient_id is not None:
        return [q.patient_id]
    by_type: dict[str, list[str]] = defaultdict(list)
    for rtype, rid, _ in rows:
        by_type[rtype].append(rid)
    patients: set[str] = set()
    for rtype, ids in by_type.items():
        for i in range(0, len(ids), 500):
            patients.update(CompartmentMember.objects.filter(resource_type=rtype, resource_id__in=ids[i : i + 500])
                            .values_list("patient_id", flat=True))
    return sorted(patients)
