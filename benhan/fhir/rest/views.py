"""The one HTTP entry point of /fhir: read the request, call the interaction, render the result.

Everything that decides something lives elsewhere: routing.py (which interaction), negotiation.py
(formats), auth.py (who, which facility), interactions.py and benhan.fhir.bundles (the work).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, OperationalError
from django.http import HttpRequest, HttpResponse

from ..errors import FhirError, Issue
from . import negotiation, render
from .auth import authenticate, repository_for
from .interactions import dispatch, handler_for
from .messages import FhirRequest, parse_etag, parse_prefer, prefers_lenient
from .routing import Route, parse_path

logger = logging.getLogger(__name__)

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _too_large(size: int) -> FhirError:
    return FhirError(413, [Issue("too-costly", f"the body ({size} bytes) exceeds the limit of {settings.FHIR_MAX_BODY_BYTES} bytes")])


def _read_body(request: HttpRequest) -> bytes:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.FHIR_MAX_BODY_BYTES:
        raise _too_large(int(declared))
    try:
        body = request.body
    except RequestDataTooBig:
        raise _too_large(int(declared) if declared.isdigit() else 0) from None
    if len(body) > settings.FHIR_MAX_BODY_BYTES:
        raise _too_large(len(body))
    return body


def parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FhirError(400, [Issue("structure", f"the body is not valid JSON: {exc}")]) from None


def _body(request: HttpRequest, route: Route, params: list[tuple[str, str]]) -> Any:
    """The parsed body (or None); form-encoded _search bodies are added to `params` instead."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    raw = _read_body(request)
    content_type = request.META.get("CONTENT_TYPE", "")
    if route.kind in ("search", "compartment"):
        if raw:
            negotiation.check_body_type(content_type, allowed=negotiation.SEARCH_BODY)
            params.extend(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return None
    if not raw:
        return None
    if request.method == "PATCH":
        negotiation.check_body_type(content_type, allowed=negotiation.PATCH_BODY)
    else:
        negotiation.check_body_type(content_type, allowed=negotiation.RESOURCE_BODY)
    return parse_json(raw)


def _base(request: HttpRequest) -> str:
    return str(settings.FHIR_BASE_URL)


def _run_operation(request: HttpRequest, repo: Any, route: Route, params: list[tuple[str, str]], body: Any) -> HttpResponse:
    from .. import operations

    assert route.operation is not None
    registration = operations.find(route.operation, route.level, route.resource_type)
    if registration is None:
        raise FhirError(404, [Issue("not-supported", f"the operation ${route.operation} is not known at {route.level} level"
                                    + (f" for {route.resource_type}" if route.resource_type else ""))])
    method = "GET" if request.method == "HEAD" else str(request.method)
    if method not in registration.methods:
        raise FhirError(405, [Issue("not-supported", f"${route.operation} does not accept {method}")])
    call = operations.OperationCall(request, repo, route.operation, route.level, route.resource_type,
                                    route.resource_id, params + _parameters_params(body), body)
    return registration.handler(call)


def _parameters_params(body: Any) -> list[tuple[str, str]]:
    """Primitive values of a Parameters body as (name, text) pairs, next to the query's."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        return []
    out: list[tuple[str, str]] = []
    for p in body.get("parameter") or ():
        if not isinstance(p, dict):
            continue
        for key, value in p.items():
            if key.startswith("value") and isinstance(value, str | int | float | bool):
                out.append((str(p.get("name", "")), str(value).lower() if isinstance(value, bool) else str(value)))
    return out


def _if_none_match(value: str | None) -> int | None:
    # "*" belongs to conditional create in other APIs; for a read it cannot name a version.
    return None if value is None or value.strip() == "*" else parse_etag(value, "If-None-Match")


def _handle(request: HttpRequest, path: str, params: list[tuple[str, str]]) -> HttpResponse:
    route = parse_path(path)
    method = str(request.method)
    if route.kind == "metadata":
        if method not in ("GET", "HEAD"):
            raise FhirError(405, [Issue("not-supported", "metadata is read-only")])
        from ..capability import capability_bytes

        return HttpResponse(capability_bytes(_base(request)), content_type=render.CONTENT_TYPE)
    if route.kind == "smart-configuration":
        from ..capability import smart_configuration_bytes

        return HttpResponse(smart_configuration_bytes(_base(request)), content_type="application/json")
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.FHIR_MAX_BODY_BYTES:
        raise _too_large(int(declared))
    actor = authenticate(request)
    repo = repository_for(request, actor)
    if (method in _WRITE_METHODS and route.kind not in ("search", "compartment", "operation") and not repo.facility
            and actor.facilities is not None):
        raise FhirError(400, [Issue("required", "this caller acts for several facilities: name one in the X-Benhan-Facility header")])
    if route.kind == "operation":
        return _run_operation(request, repo, route, params, _body(request, route, params))
    fhir_request = FhirRequest(
        method=method,
        route=route,
        params=params,
        if_match=parse_etag(request.headers.get("If-Match")),
        if_none_exist=request.headers.get("If-None-Exist") or None,
        if_none_match=_if_none_match(request.headers.get("If-None-Match")),
        prefer_return=parse_prefer(request.headers.get("Prefer")),
        lenient=prefers_lenient(request.headers.get("Prefer")),
        base=_base(request),
    )
    handler_for(fhir_request)
    if route.kind == "system" and method == "POST":
        # A batch or transaction Bundle: parsing its body is most of the allocations the collector
        # would be set off by, so it goes under the same relaxed collector as its processing.
        from ..collector import fewer_collections

        with fewer_collections():
            fhir_request.body = _body(request, route, params)
            result = dispatch(repo, fhir_request)
    else:
        fhir_request.body = _body(request, route, params)
        result = dispatch(repo, fhir_request)
    return render.http_response(result, fhir_request.base, fhir_request.prefer_return, False)


def _internal_error(request: HttpRequest, want_pretty: bool) -> HttpResponse:
    # Clients of an API expect an OperationOutcome even here; the details go to the log only.
    logger.exception("FHIR %s %s failed", request.method, request.path)
    return render.error_response(FhirError(500, [Issue("exception", "internal error; it has been logged")]), want_pretty)


def endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    params = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    want_pretty = any(k == "_pretty" and v == "true" for k, v in params)
    try:
        for name, value in params:
            if name == "_format":
                negotiation.check_format_param(value)
        negotiation.check_accept(request.headers.get("Accept", ""))
        response = _handle(request, path, params)
    except FhirError as exc:
        return render.error_response(exc, want_pretty)
    except (IntegrityError, OperationalError) as exc:
        text = str(exc).lower()
        if isinstance(exc, IntegrityError) or any(w in text for w in ("deadlock", "could not serialize", "locked")):
            return render.error_response(
                FhirError(409, [Issue("conflict", "a concurrent write conflicted; retry")], headers={"Retry-After": "1"}),
                want_pretty)
        return _internal_error(request, want_pretty)
    except Exception:
        return _internal_error(request, want_pretty)
    if want_pretty and response.content and response.get("Content-Type", "").startswith("application/fhir+json"):
        response.content = render.pretty(response.content)
    if request.method == "HEAD":
        response.content = b""
    return response
