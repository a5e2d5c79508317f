"""Matching writes against active Subscriptions, inside the write's transaction.

A write listener (after the search indexer): for each active Subscription on a written type and
facility, one search of its criteria restricted to the written ids (`_id`), so criteria mean exactly
what they mean on the search API. Each match becomes an outbox message in the same transaction:
a notification leaves if and only if the write commits, and is delivered at least once.
Writes of Subscription resources keep their bookkeeping row in step and ask for activation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import Q
from django.utils import timezone

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.errors import FhirError, Issue
from benhan.fhir.repository import Repository
from benhan.fhir.store import Stored

from .models import Registration
from .spec import parse

KIND = "subscription.notify"
_server_write: ContextVar[bool] = ContextVar("subscriptions_server_write", default=False)


@contextmanager
def server_write() -> Iterator[None]:
    """Status changes the server makes (active, error) are not a subscriber asking again."""
    token = _server_write.set(True)
    try:
        yield
    finally:
        _server_write.reset(token)


def destination(subscription_id: str) -> str:
    return f"sub:{subscription_id}"


def _sync(stored: Stored, resource: dict[str, Any] | None) -> None:
    if resource is None:
        Registration.objects.filter(subscription_id=stored.id).delete()
        return
    spec = parse(resource)
    status = spec.status
    if not _server_write.get():
        if status == "error":
            raise FhirError(422, [Issue("invalid", "status error is set by the server", ("Subscription.status",))])
        if status == "active":
            status = "requested"  # a subscriber asks; the server activates
    Registration.objects.update_or_create(subscription_id=stored.id, defaults={
        "tenant": stored.tenant, "resource_type": spec.resource_type,
        "criteria": "&".join(f"{k}={v}" for k, v in spec.params), "status": status, "endpoint": spec.endpoint,
        "payload": spec.payload, "headers": spec.headers, "handshake": spec.handshake, "end": spec.end,
        "error": str(resource.get("error", "")) if status == "error" else ""})
    if status == "requested" and not _server_write.get():
        from benhan.jobs import queue

        queue.enqueue("subscriptions.activate", {"id": stored.id})


def _matching_ids(registration: Registration, candidates: list[Stored]) -> set[str]:
    from urllib.parse import parse_qsl

    from benhan.fhir.search import search

    facilities = frozenset({registration.tenant}) if registration.tenant else None
    matcher = Repository(Actor("system", "subscription-matching", "subscription matching",
                               parse_scopes([f"system/{registration.resource_type}.read"]), facilities),
                         registration.tenant)
    ids = [c.id for c in candidates]
    params = [*parse_qsl(registration.criteria, keep_blank_values=True), ("_id", ",".join(ids)), ("_count", str(len(ids)))]
    return {e.stored().id for e in search(matcher, registration.resource_type, params, base_url="").matches}


def on_write(written: list[tuple[Stored, dict[str, Any] | None]]) -> None:
    for stored, resource in written:
        if stored.resource_type == "Subscription":
            _sync(stored, resource)
    types = {s.resource_type for s, r in written if r is not None and s.resource_type != "Subscription"}
    if not types:
        return
    from benhan.exchange.outbox import enqueue

    live = Q(end__isnull=True) | Q(end__gt=timezone.now())
    for registration in Registration.objects.filter(live, status=Registration.Status.ACTIVE, resource_type__in=types):
        candidates = [s for s, r in written if r is not None and s.resource_type == registration.resource_type
                      and (not registration.tenant or s.tenant == registration.tenant)]
        if not candidates:
            continue
        matched = _matching_ids(registration, candidates)
        for stored in candidates:
            if stored.id in matched:
                enqueue(registration.tenant or "-", destination(registration.subscription_id), KIND, {
                    "subscription": registration.subscription_id, "type": stored.resource_type, "id": stored.id,
                    "version": stored.version_id, "method": "POST" if str(stored.version_id) == "1" else "PUT"})
