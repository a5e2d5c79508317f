"""The audit trail: one append-only row per access, readable as FHIR AuditEvent."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .access import Actor
from .models import AuditRow

ACTION_OF = {
    "read": "R",
    "vread": "R",
    "history": "R",
    "search": "E",
    "create": "C",
    "update": "U",
    "patch": "U",
    "delete": "D",
    "operation": "E",
}


_COLUMNS = ("recorded", "actor_kind", "actor_id", "actor_display", "facility", "action", "interaction",
            "resource_type", "resource_id", "version_id", "patient_id", "outcome", "purpose", "reason", "source_ip",
            "query")


def record(
    actor: Actor,
    interaction: str,
    *,
    facility: str = "",
    resource_type: str = "",
    resource_id: str = "",
    version_id: int | str | None = None,
    patient_id: str = "",
    outcome: str = "0",
    purpose: str = "",
    reason: str = "",
    source_ip: str = "",
    query: str = "",
) -> None:
    row = (connection.ops.adapt_datetimefield_value(timezone.now()), actor.kind, actor.id, actor.display[:255],
           facility, ACTION_OF.get(interaction, "E"), interaction, resource_type, resource_id,
           "" if version_id is None else str(version_id), patient_id, outcome, purpose, reason, source_ip,
           query[:2000])
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        _insert_unsynced(row)
        return
    with _audit_transaction(), connection.cursor() as cursor:
        cursor.execute(_insert_sql(), row)


@contextmanager
def _audit_transaction() -> Iterator[None]:
    """A read's audit row commits on its own; on PostgreSQL without waiting for the WAL flush.

    Writes audit inside their own transaction (the row commits with the data, durably). A read has
    no transaction, so its row would cost a synchronous commit, an fsync of ~10 ms on ordinary disks,
    on every read and search. With synchronous_commit off for that one transaction the row is still
    written, ordered and crash-consistent; a power cut can lose only the last few hundred ms of read
    audits, never a write or its audit.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


@cache
def _insert_sql() -> str:
    return (f"INSERT INTO {AuditRow._meta.db_table} ({', '.join(_COLUMNS)}) "  # noqa: S608 - our table and columns
            f"VALUES ({', '.join(['%s'] * len(_COLUMNS))})")


def _insert_unsynced(row: tuple[Any, ...]) -> None:
    """A read's audit row in its own transaction, without waiting for the WAL flush (see
    _audit_transaction), sent as one statement string: one round trip instead of four (BEGIN, SET,
    INSERT, COMMIT), which was a third of a read by id. Django's PostgreSQL cursors bind parameters
    client-side, so several statements may share one execute."""
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"BEGIN; SET LOCAL synchronous_commit TO OFF; {_insert_sql()}; COMMIT", row)
        except Exception:
            cursor.execute("ROLLBACK")  # the failed statement left an open, aborted transaction
            raise


def record_many(
    actor: Actor,
    entries: list[tuple[str, str, int | str | None, str, str]],
    *,
    facility: str = "",
    purpose: str = "",
    reason: str = "",
    source_ip: str = "",
) -> None:
    """One successful-access row per (resource_type, resource_id, version_id, patient_id, interaction),
    inserted in bulk: the bulk write path audits every resource as record() would, without a model
    instance per row."""
    from .bulkinsert import insert_rows

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    display = actor.display[:255]
    rows = [
        (now, actor.kind, actor.id, display, facility, ACTION_OF.get(interaction, "E"), interaction, rtype, rid,
         "" if vid is None else str(vid), patient, "0", purpose, reason, source_ip, "")
        for rtype, rid, vid, patient, interaction in entries
    ]
    with _audit_transaction():
        insert_rows(AuditRow._meta.db_table, _COLUMNS, rows)


def as_audit_event(row: AuditRow, base_url: str = "") -> dict[str, Any]:
    """The row as a FHIR R4 AuditEvent (type rest, subtype the interaction)."""
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(row.pk),
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": row.interaction}],
        "action": row.action,
        "recorded": row.recorded.isoformat(),
        "outcome": row.outcome,
        "agent": [
            {
                "type": {"text": row.actor_kind},
                "who": {"identifier": {"value": row.actor_id}, "display": row.actor_display or row.actor_id},
                "requestor": True,
                **({"network": {"address": row.source_ip, "type": "2"}} if row.source_ip else {}),
                **({"purposeOfUse": [{"text": row.purpose}]} if row.purpose else {}),
            }
        ],
        "source": {"observer": {"display": row.facility or "benhan"}},
    }
    if row.resource_type:
        what: dict[str, Any] = {"what": {"reference": f"{row.resource_type}/{row.resource_id}" if row.resource_id else row.resource_type}}
        if row.query:
            what["query"] = base64.b64encode(row.query.encode()).decode()
        event["entity"] = [what]
    if row.reason:
        event["outcomeDesc"] = row.reason
    return event
