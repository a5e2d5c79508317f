"""What a FHIR R4 Subscription asks for, checked: criteria (a search URL), rest-hook channel, payload.

Payload: none (no `channel.payload`: an empty POST to the endpoint, as R4 says), full resource
(`channel.payload` a FHIR mime type: the resource is PUT to [endpoint]/[type]/[id], as R4 says), or
id-only (the subscriptions-backport payload-content extension on `channel.payload`: a POST of a
history Bundle naming the resource's versioned URL, without its content). A handshake (an empty
POST before activation) is asked with the benhan extension below; without it a Subscription is
activated without contacting the endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from benhan.fhir.errors import FhirError, Issue

PAYLOAD_CONTENT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content"
HANDSHAKE = "https://benhan.vn/fhir/StructureDefinition/subscription-handshake"
FHIR_TYPES = ("application/fhir+json", "application/json+fhir", "application/json")
CONTROLS = ("_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total", "_format")


@dataclass(frozen=True)
class Spec:
    status: str
    resource_type: str
    params: list[tuple[str, str]]
    endpoint: str
    payload: str  # empty, id-only, full-resource
    headers: list[str]
    handshake: bool
    end: datetime | None = None


def _bad(text: str, *path: str) -> FhirError:
    return FhirError(422, [Issue("invalid", text, path)])


def _payload(channel: dict[str, Any]) -> str:
    declared = next((e.get("valueCode") for e in (channel.get("_payload") or {}).get("extension") or ()
                     if e.get("url") == PAYLOAD_CONTENT), None)
    if declared is not None:
        if declared not in ("empty", "id-only", "full-resource"):
            raise _bad("payload content is empty, id-only or full-resource", "Subscription.channel.payload")
        return str(declared)
    mime = channel.get("payload")
    if not mime:
        return "empty"
    if mime not in FHIR_TYPES:
        raise _bad(f"payload {mime!r} is not supported: use application/fhir+json", "Subscription.channel.payload")
    return "full-resource"


def parse(resource: dict[str, Any]) -> Spec:
    from benhan.fhir.rest.resource_types import resource_types

    channel = resource.get("channel") or {}
    if channel.get("type") != "rest-hook":
        raise _bad("only rest-hook channels are supported", "Subscription.channel.type")
    endpoint = str(channel.get("endpoint") or "")
    if urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc:
        raise _bad("a rest-hook needs an http(s) endpoint", "Subscription.channel.endpoint")
    criteria = str(resource.get("criteria") or "")
    resource_type, _q, query = criteria.partition("?")
    if resource_type not in resource_types() or resource_type == "Subscription":
        raise _bad(f"criteria must start with a resource type, not {resource_type!r}", "Subscription.criteria")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.split(":")[0] not in CONTROLS]
    headers = [str(h) for h in channel.get("header") or ()]
    for i, header in enumerate(headers):
        name, colon, _value = header.partition(":")
        if not colon or not name.strip() or "\n" in header or "\r" in header:
            raise _bad("a header is 'Name: value'", f"Subscription.channel.header[{i}]")
    handshake = any(e.get("url") == HANDSHAKE and e.get("valueBoolean") is True for e in resource.get("extension") or ())
    end = None
    if resource.get("end"):
        try:
            end = datetime.fromisoformat(str(resource["end"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise _bad("end must be a FHIR instant", "Subscription.end") from exc
    return Spec(str(resource.get("status", "")), resource_type, params, endpoint, _payload(channel), headers, handshake,
                end)
