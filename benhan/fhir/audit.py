"""The audit trail: one append-only row per access, readable as FHIR AuditEvent."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
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
) -> AuditRow:
    with _audit_transaction():
        return _create(actor, interaction, facility, resource_type, resource_id, version_id, patient_id, outcome,
                       purpose, reason, source_ip, query)


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


def _create(actor: Actor, interaction: str, facility: str, resource_type: str, resource_id: str,
            version_id: int | str | None, patient_id: str, outcome: str, purpose: str, reason: str,
            source_ip: str, query: str) -> AuditRow:
    return AuditRow.objects.create(
        recorded=timezone.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_display=actor.display[:255],
        facility=facility,
        action=ACTION_OF.get(interaction, "E"),
        interaction=interaction,
        resource_type=resource_type,
        resource_id=resource_id,
        version_id="" if version_id is None else str(version_id),
        patient_id=patient_id,
        outcome=outcome,
        purpose=purpose,
        reason=reason,
        source_ip=source_ip,
        query=query[:2000],
    )


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
    columns = ("recorded", "actor_kind", "actor_id", "actor_display", "facility", "action", "interaction",
               "resource_type", "resource_id", "version_id", "patient_id", "outcome", "purpose", "reason", "source_ip",
               "query")
    with _audit_transaction():
        insert_rows(AuditRow._meta.db_table, columns, rows)


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
