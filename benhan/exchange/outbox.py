"""Sending messages: written to the outbox with the change that caused them, delivered at least once.

`enqueue` must run inside the transaction of the change (a message for a change that rolled back
must never leave). `deliver_due` leases the due messages, sends them per destination in one POST
(or applies them directly when the destination is hosted on this server), and records each answer:
applied or duplicate → delivered; a permanent refusal → dead-lettered; anything else → retried with
exponential backoff capped at BENHAN_EXCHANGE_MAX_BACKOFF seconds, so a node that was down for
hours catches up within that cap of coming back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import connection
from django.utils import timezone

from benhan.jobs.rounds import lease_due

from .inbox import receive
from .messages import Message, seal
from .models import Node, OutboxMessage

LEASE = timedelta(seconds=60)
# Destinations that are not facilities ("sub:<id>": a FHIR Subscription's endpoint) name their transport
# before the colon; it sends a batch in order and answers one acknowledgement per message, in the
# same shape as a node's inbox, so retries, backoff and dead letters are the same for every channel.
Transport = Callable[[list[OutboxMessage], httpx.Client, datetime], list[dict[str, Any]]]
_transports: dict[str, Transport] = {}


def register_transport(prefix: str, send: Transport) -> None:
    _transports[prefix] = send


def max_backoff() -> float:
    return float(getattr(settings, "BENHAN_EXCHANGE_MAX_BACKOFF", 30.0))


def enqueue(sender: str, destination: str, kind: str, body: dict[str, Any]) -> OutboxMessage:
    if not connection.in_atomic_block:
        raise RuntimeError("enqueue belongs inside the transaction of the change that causes the message")
    from .tasks import book_delivery

    message = OutboxMessage.objects.create(sender=sender, destination=destination, kind=kind, body=body,
                                           next_attempt_at=timezone.now())
    book_delivery()
    return message


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def _lease(now: datetime, limit: int) -> list[OutboxMessage]:
    return lease_due(OutboxMessage, now, limit, LEASE, ("created",))


def hosted_codes() -> set[str]:
    """Facilities this server receives for (every facility of a provincial cloud)."""
    from benhan.accounts.models import Facility

    return set(Facility.objects.filter(active=True).values_list("code", flat=True))


def _send(node: Node | None, tokens: list[str], client: httpx.Client) -> list[dict[str, Any]]:
    if node is None:
        raise ConnectionError("destination not in the directory")
    if not node.base_url:
        hosted = hosted_codes()
        return [receive(t, hosted=hosted).as_json() for t in tokens]
    response = client.post(node.base_url.rstrip("/") + "/exchange/inbox", json={"messages": tokens})
    response.raise_for_status()
    acks = response.json().get("acks")
    if not isinstance(acks, list) or len(acks) != len(tokens):
        raise ConnectionError("the receiver's answer does not acknowledge every message")
    return acks


def deliver_due(*, limit: int = 500, now: datetime | None = None, client: httpx.Client | None = None) -> DeliveryReport:
    now = now or timezone.now()
    report = DeliveryReport()
    batch = _lease(now, limit)
    by_destination: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in batch:
        by_destination[message.destination].append(message)
    own_client = client is None
    client = client or httpx.Client(timeout=float(getattr(settings, "BENHAN_EXCHANGE_TIMEOUT", 20.0)))
    try:
        for destination, messages in by_destination.items():
            prefix, colon, _address = destination.partition(":")
            try:
                if colon:
                    transport = _transports.get(prefix)
                    if transport is None:
                        raise ConnectionError(f"no transport for {prefix!r} on this server")
                    acks = transport(messages, client, now)
                else:
                    tokens = [seal(Message(str(m.id), m.sender, m.destination, m.kind, m.body, m.created.isoformat()))
                              for m in messages]
                    acks = _send(Node.objects.filter(code=destination, active=True).first(), tokens, client)
            except (httpx.HTTPError, ConnectionError, ValueError) as exc:
                for m in messages:
                    _retry(m, now, f"{type(exc).__name__}: {exc}")
                report.retried += len(messages)
                report.errors.append(f"{destination}: {exc}")
                continue
            for m, ack in zip(messages, acks, strict=True):
                status = ack.get("status")
                if status in ("applied", "duplicate"):
                    OutboxMessage.objects.filter(pk=m.pk).update(status=OutboxMessage.Status.DELIVERED, delivered_at=now,
                                                                 attempts=m.attempts + 1, lease_until=None, last_error="")
                    report.delivered += 1
                elif ack.get("permanent"):
                    OutboxMessage.objects.filter(pk=m.pk).update(status=OutboxMessage.Status.DEAD, attempts=m.attempts + 1,
                                                                 lease_until=None, last_error=str(ack.get("detail", "")))
                    report.dead += 1
                else:
                    _retry(m, now, str(ack.get("detail", "")))
                    report.retried += 1
    finally:
        if own_client:
            client.close()
    return report


def _retry(message: OutboxMessage, now: datetime, error: str) -> None:
    attempts = message.attempts + 1
    delay = min(max_backoff(), 0.5 * 2 ** (attempts - 1))
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=attempts, next_attempt_at=now + timedelta(seconds=delay),
                                                       lease_until=None, last_error=error[:2000])


def retry_dead(message_ids: list[str] | None = None, *, destination: str = "") -> int:
    """An operator sends dead-lettered messages again (after fixing the directory, say); or every dead
    letter to one destination (a Subscription made active again)."""
    from .tasks import book_delivery

    dead = OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD)
    dead = dead.filter(id__in=message_ids) if message_ids is not None else dead.filter(destination=destination)
    queued = dead.update(
        status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now(), last_error="")
    if queued:
        book_delivery()  # else they would wait for the next message to book a delivery round
    return queued
