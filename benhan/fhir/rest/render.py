"""Response bytes: stored resources as stored, Bundles assembled from stored texts without parsing."""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from django.http import HttpResponse
from django.utils.http import http_date

from ..errors import FhirError, Issue, operation_outcome
from ..store import Stored
from .messages import RETURN_MINIMAL, RETURN_OUTCOME, FhirResult

CONTENT_TYPE = "application/fhir+json; charset=utf-8"

REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    409: "Conflict", 410: "Gone", 412: "Precondition Failed", 413: "Payload Too Large",
    415: "Unsupported Media Type", 422: "Unprocessable Entity", 500: "Internal Server Error",
    501: "Not Implemented",
}


def dumps(value: object) -> bytes:
    return orjson.dumps(value)


def pretty(body: bytes) -> bytes:
    return orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2) if body else body


def versioned_url(base: str, stored: Stored) -> str:
    return f"{base}/{stored.resource_type}/{stored.id}/_history/{stored.version_id}"


def outcome_bytes(issues: Iterable[Issue]) -> bytes:
    return dumps(operation_outcome(list(issues)))


def version_headers(stored: Stored) -> dict[str, str]:
    return {"ETag": stored.etag, "Last-Modified": http_date(stored.last_updated.timestamp())}


def result_body(result: FhirResult, prefer_return: str) -> bytes | None:
    """What the body of a result is, honouring Prefer: return=..."""
    if result.body is not None:
        return result.body
    if prefer_return == RETURN_OUTCOME:
        return outcome_bytes(result.issues or [Issue("informational", "ok", severity="information")])
    if prefer_return == RETURN_MINIMAL or result.stored is None or result.stored.deleted:
        return None
    return result.stored.content.encode()


def http_response(result: FhirResult, base: str, prefer_return: str, want_pretty: bool) -> HttpResponse:
    body = result_body(result, prefer_return)
    status = result.status
    if status == 204 and body is not None:
        status = 200  # a body was asked for (Prefer: return=OperationOutcome), so not "No Content"
    response = HttpResponse(status=status, content_type=CONTENT_TYPE)
    if body is not None:
        response.content = pretty(body) if want_pretty else body
    if result.stored is not None:
        for name, value in version_headers(result.stored).items():
            response[name] = value
        if not result.stored.deleted:
            url = versioned_url(base, result.stored)
            response["Content-Location"] = url
            if result.location:
                response["Location"] = url
    for name, value in result.headers.items():
        response[name] = value
    return response


def error_response(exc: FhirError, want_pretty: bool = False) -> HttpResponse:
    body = outcome_bytes(exc.issues or [Issue("exception", f"HTTP {exc.status}")])
    response = HttpResponse(pretty(body) if want_pretty else body, status=exc.status, content_type=CONTENT_TYPE)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def bundle_bytes(
    bundle_type: str,
    entries: Iterable[bytes],
    *,
    total: int | None = None,
    links: Iterable[tuple[str, str]] = (),
    bundle_id: str | None = None,
    timestamp: str | None = None,
) -> bytes:
    """A Bundle whose entries are already JSON bytes (so stored resources are never re-parsed)."""
    head: dict[str, object] = {"resourceType": "Bundle"}
    if bundle_id:
        head["id"] = bundle_id
    head["type"] = bundle_type
    if timestamp:
        head["timestamp"] = timestamp
    if total is not None:
        head["total"] = total
    link_list = [{"relation": rel, "url": url} for rel, url in links]
    if link_list:
        head["link"] = link_list
    return dumps(head)[:-1] + b',"entry":[' + b",".join(entries) + b"]}"


def entry_bytes(
    *, full_url: str | None = None, resource: bytes | None = None, request: dict[str, str] | None = None,
    response: dict[str, object] | None = None, search: dict[str, object] | None = None,
) -> bytes:
    parts: list[bytes] = []
    if full_url:
        parts.append(b'"fullUrl":' + dumps(full_url))
    if resource:
        parts.append(b'"resource":' + resource)
    if search:
        parts.append(b'"search":' + dumps(search))
    if request:
        parts.append(b'"request":' + dumps(request))
    if response:
        parts.append(b'"response":' + dumps(response))
    return b"{" + b",".join(parts) + b"}"


def status_line(status: int) -> str:
    return f"{status} {REASONS.get(status, '')}".strip()
