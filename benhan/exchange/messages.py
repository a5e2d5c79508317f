"""Signed exchange messages: a compact JWS (ES256) whose key id is the sending facility's code.

The receiver checks the signature against the key the directory holds for that code; a message
from an unknown sender, with a bad signature or addressed to another facility is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from .keys import facility_key
from .models import Node

TYPE = "benhan-message+jws"


class MessageRefused(Exception):
    """The message cannot be accepted; `permanent` means sending it again will not help."""

    def __init__(self, reason: str, *, permanent: bool = True) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Message:
    id: str
    sender: str
    destination: str
    kind: str
    body: dict[str, Any]
    created: str


def seal(message: Message) -> str:
    payload = json.dumps({"id": message.id, "from": message.sender, "to": message.destination, "kind": message.kind,
                          "iat": message.created, "body": message.body}, ensure_ascii=False, separators=(",", ":"))
    token = jws.JWS(payload.encode())
    token.add_signature(facility_key(message.sender), alg="ES256",
                        protected={"alg": "ES256", "kid": message.sender, "typ": TYPE})
    return str(token.serialize(compact=True))


def open_sealed(token: str, *, accept_for: set[str]) -> Message:
    """Verify and decode a message addressed to one of `accept_for` (the facilities this server hosts)."""
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        header = parsed.jose_header
    except (JWException, ValueError) as exc:
        raise MessageRefused(f"not a JWS message: {exc}") from exc
    sender = header.get("kid", "") if isinstance(header, dict) else ""
    node = Node.objects.filter(code=sender, active=True).first()
    if node is None:
        raise MessageRefused(f"unknown sender {sender!r}: not in the directory")
    try:
        parsed.verify(jwk.JWK(**node.public_jwk), alg="ES256")
    except (JWException, ValueError) as exc:
        raise MessageRefused(f"signature of {sender} does not verify") from exc
    data = json.loads(parsed.payload)
    if data.get("from") != sender:
        raise MessageRefused("the signed sender differs from the key that signed")
    if data.get("to") not in accept_for:
        raise MessageRefused(f"addressed to {data.get('to')!r}, not to this server")
    return Message(str(data["id"]), sender, data["to"], str(data["kind"]), dict(data.get("body") or {}),
                   str(data.get("iat", "")))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
