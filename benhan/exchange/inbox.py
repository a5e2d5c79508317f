"""Receiving messages: verify, then apply each exactly once, in one transaction with its inbox row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.repository import Repository

from .messages import Message, MessageRefused, open_sealed
from .models import InboxMessage

# A handler applies one message for the receiving facility, with a repository acting as the sender's node.
Handler = Callable[[Repository, Message], dict[str, Any]]
_handlers: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


@dataclass(frozen=True)
class Ack:
    id: str
    status: str  # applied, duplicate, refused, failed
    detail: str = ""
    permanent: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "detail": self.detail, "permanent": self.permanent}


def node_repository(message: Message) -> Repository:
    """Writes made on behalf of another facility's node, into the receiving facility's record; audited."""
    actor = Actor("node", message.sender, f"node {message.sender}", parse_scopes(["system/*.*"]),
                  frozenset({message.destination}))
    return Repository(actor, message.destination, purpose="TREAT")


def receive(token: str, *, hosted: set[str]) -> Ack:
    try:
        message = open_sealed(token, accept_for=hosted)
    except MessageRefused as exc:
        return Ack("", "refused", str(exc), exc.permanent)
    apply = _handlers.get(message.kind)
    if apply is None:
        return Ack(message.id, "refused", f"unknown message kind {message.kind!r}", True)
    try:
        with transaction.atomic():
            InboxMessage.objects.create(message_id=message.id, sender=message.sender, destination=message.destination,
                                        kind=message.kind)
            result = apply(node_repository(message), message)
            InboxMessage.objects.filter(message_id=message.id).update(result=result)
    except IntegrityError:
        # Already applied (a redelivery after a lost acknowledgement): acknowledge without applying again.
        if InboxMessage.objects.filter(message_id=message.id).exists():
            return Ack(message.id, "duplicate")
        raise
    except Exception as exc:  # noqa: BLE001 - a failing handler must not lose the message: the sender retries
        return Ack(message.id, "failed", f"{type(exc).__name__}: {exc}", False)
    return Ack(message.id, "applied")


@handler("ping")
def _ping(repo: Repository, message: Message) -> dict[str, Any]:
    """Connectivity check between nodes; applying it only records it."""
    return {"pong": message.body.get("n")}


@handler("fhir.document")
def _document(repo: Repository, message: Message) -> dict[str, Any]:
    """A FHIR document Bundle (referral package, discharge summary...) filed in the receiver's record."""
    bundle = message.body.get("bundle")
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ValueError("fhir.document needs a Bundle")
    stored = repo.create(dict(bundle))
    return {"bundle": stored.id}


@handler("mpi.register")
def _mpi_register(repo: Repository, message: Message) -> dict[str, Any]:
    """At the hub: a node reports one of its patients to the provincial index."""
    from .patient_index import register

    record = register(message.sender, str(message.body["patient_id"]), dict(message.body.get("demographics") or {}))
    return {"person": record.person_id}
