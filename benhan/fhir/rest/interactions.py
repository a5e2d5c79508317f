"""The FHIR interactions as plain functions: a Repository and a FhirRequest in, a FhirResult out.

No HTTP here: the view and the batch/transaction processor share these, and tests can call them
directly. Every access goes through the Repository, so policy and audit cannot be skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from .. import conditional, patch
from ..errors import FhirError, Issue
from ..repository import Repository
from ..store import Stored, format_instant
from . import render
from .messages import FhirRequest, FhirResult

MAX_COUNT = 1000
DEFAULT_HISTORY_COUNT = 50

# Parameters that shape the response rather than select resources.
CONTROL_PARAMS = frozenset({"_format", "_pretty"})


def search_params(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in params if k not in CONTROL_PARAMS]


def _method_not_allowed(req: FhirRequest) -> FhirError:
    return FhirError(405, [Issue("not-supported", f"{req.method} is not supported on this URL")])


def resource_body(req: FhirRequest, resource_type: str, resource_id: str | None = None) -> dict[str, Any]:
    """The request's resource, checked against the URL (the validator checks the rest)."""
    body = req.body
    if body is None:
        raise FhirError(400, [Issue("required", f"a {resource_type} resource is required in the body")])
    if not isinstance(body, dict):
        raise FhirError(400, [Issue("structure", "the body must be a JSON object (a FHIR resource)")])
    actual = body.get("resourceType")
    if actual is None:
        raise FhirError(400, [Issue("required", "resourceType is missing", ("resourceType",))])
    if actual != resource_type:
        raise FhirError(400, [Issue("invalid", f"resourceType is '{actual}' but the URL names {resource_type}",
                                    ("resourceType",))])
    if resource_id is not None:
        if "id" not in body:
            raise FhirError(400, [Issue("required", f"an update must carry the id '{resource_id}' in the resource",
                                        (f"{resource_type}.id",))])
        if body["id"] != resource_id:
            raise FhirError(400, [Issue("invalid", f"the resource id '{body['id']}' differs from the URL id '{resource_id}'",
                                        (f"{resource_type}.id",))])
    return body


def _single_match(matches: list[Stored], what: str) -> Stored | None:
    if len(matches) > 1:
        raise FhirError(412, [Issue("multiple-matches", f"{what} matches {len(matches)} resources; it must match at most one")])
    return matches[0] if matches else None


# --- instance level ---------------------------------------------------------------------------------
def read(repo: Repository, req: FhirRequest) -> FhirResult:
    route = req.route
    assert route.resource_type and route.resource_id
    stored = repo.read(route.resource_type, route.resource_id)
    if req.if_none_match is not None and req.if_none_match == stored.version_id:
        return FhirResult(304, stored, body=b"")
    return FhirResult(200, stored)


def vread(repo: Repository, req: FhirRequest) -> FhirResult:
    route = req.route
    assert route.resource_type and route.resource_id and route.version_id is not None
    return FhirResult(200, repo.vread(route.resource_type, route.resource_id, route.version_id))


def create(repo: Repository, req: FhirRequest) -> FhirResult:
    rtype = req.route.resource_type
    assert rtype
    resource = resource_body(req, rtype)
    if req.if_none_exist:
        existing = _single_match(conditional.matches(repo, rtype, req.if_none_exist), "If-None-Exist")
        if existing is not None:
            return FhirResult(200, existing)
    return FhirResult(201, repo.create(resource), location=True)


def update(repo: Repository, req: FhirRequest) -> FhirResult:
    rtype, rid = req.route.resource_type, req.route.resource_id
    assert rtype and rid
    resource = resource_body(req, rtype, rid)
    stored, created = repo.update(resource, rid, if_match=req.if_match)
    return FhirResult(201 if created else 200, stored, location=created)


def conditional_update(repo: Repository, req: FhirRequest) -> FhirResult:
    rtype = req.route.resource_type
    assert rtype
    criteria = search_params(req.params)
    if not criteria:
        raise FhirError(400, [Issue("invalid", "a conditional update needs search criteria in the URL")])
    body = resource_body(req, rtype)
    match = _single_match(conditional.matches(repo, rtype, criteria), "the update's condition")
    if match is None:
        if "id" in body:  # no match, client-chosen id: update-as-create
            stored, created = repo.update(body, str(body["id"]), if_match=req.if_match)
            return FhirResult(201 if created else 200, stored, location=created)
        return FhirResult(201, repo.create(body), location=True)
    if "id" in body and body["id"] != match.id:
        raise FhirError(400, [Issue("invalid", f"the resource id '{body['id']}' differs from the matched {match.reference}",
                                    (f"{rtype}.id",))])
    body["id"] = match.id
    stored, _ = repo.update(body, match.id, if_match=req.if_match)
    return FhirResult(200, stored)


def apply_patch(repo: Repository, req: FhirRequest, current: Stored) -> FhirResult:
    """Patch `current` and store the result as the next version of that very version."""
    patched = patch.apply_json_patch(current.json(), req.body)
    # Without If-Match the patch still applies to the version it was computed from; a write in
    # between is a concurrent conflict (409), not the client's stale precondition (412).
    expected = req.if_match if req.if_match is not None else current.version_id
    try:
        stored, _ = repo.update(patched, current.id, if_match=expected, method="PATCH")
    except FhirError as exc:
        if exc.status == 412 and req.if_match is None:
            raise FhirError(409, [Issue("conflict", f"{current.reference} changed while the patch was applied; retry")]) from exc
        raise
    return FhirResult(200, stored)


def patch_instance(repo: Repository, req: FhirRequest) -> FhirResult:
    rtype, rid = req.route.resource_type, req.route.resource_id
    assert rtype and rid
    current = repo.read(rtype, rid)
    if req.if_match is not None and req.if_match != current.version_id:
        raise FhirError(412, [Issue("conflict", f"version conflict: {current.reference} is at version {current.version_id}, not {req.if_match}")])
    return apply_patch(repo, req, current)


def conditional_patch(repo: Repository, req: FhirRequest) -> FhirResult:
    rtype = req.route.resource_type
    assert rtype
    criteria = search_params(req.params)
    if not criteria:
        raise FhirError(400, [Issue("invalid", "a conditional patch needs search criteria in the URL")])
    match = _single_match(conditional.matches(repo, rtype, criteria), "the patch's condition")
    if match is None:
        raise FhirError(404, [Issue("not-found", f"no {rtype} matches the patch's condition")])
    return apply_patch(repo, req, repo.read(rtype, match.id))


def delete(repo: Repository, req: FhirRequest) -> FhirResult:
    rtype, rid = req.route.resource_type, req.route.resource_id
    assert rtype and rid
    stored = repo.delete(rtype, rid, if_match=req.if_match)
    issue = Issue("informational", f"{rtype}/{rid} deleted" if stored else f"{rtype}/{rid} did not exist or was already deleted",
                  severity="information")
    result = FhirResult(204, None, issues=[issue])
    if stored is not None:
        result.headers["ETag"] = stored.etag
    return result


def conditional_delete(repo: Repository, req: FhirRequest) -> FhirResult:
    rtype = req.route.resource_type
    assert rtype
    criteria = search_params(req.params)
    if not criteria:
        raise FhirError(400, [Issue("invalid", "a conditional delete needs search criteria in the URL")])
    match = _single_match(conditional.matches(repo, rtype, criteria), "the delete's condition")
    if match is None:
        return FhirResult(204, None, issues=[Issue("informational", f"no {rtype} matched; nothing deleted", severity="information")])
    stored = repo.delete(rtype, match.id, if_match=req.if_match)
    result = FhirResult(204, None, issues=[Issue("informational", f"{match.reference} deleted", severity="information")])
    if stored is not None:
        result.headers["ETag"] = stored.etag
    return result


# --- history ----------------------------------------------------------------------------------------
def _instant(name: str, value: str) -> datetime:
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(400, [Issue("invalid", f"{name}={value} is not a FHIR instant", (name,))]) from None
    if moment.tzinfo is None:
        raise FhirError(400, [Issue("invalid", f"{name}={value} needs a time zone", (name,))])
    return moment


def _int_param(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit():
        raise FhirError(400, [Issue("invalid", f"{name}={value} is not a non-negative integer", (name,))])
    return max(low, min(high, int(value)))


_HISTORY_STATUS = {"POST": "201 Created", "PUT": "200 OK", "PATCH": "200 OK", "DELETE": "204 No Content"}


def history_entry(base: str, stored: Stored) -> bytes:
    method = "DELETE" if stored.deleted else (stored.method or "PUT")
    url = stored.resource_type if method == "POST" else stored.reference
    response: dict[str, object] = {"status": _HISTORY_STATUS.get(method, "200 OK"), "etag": stored.etag,
                                   "lastModified": format_instant(stored.last_updated)}
    return render.entry_bytes(
        full_url=f"{base}/{stored.reference}",
        resource=None if stored.deleted else stored.content.encode(),
        request={"method": method if method != "PATCH" else "PATCH", "url": url},
        response=response,
    )


def history(repo: Repository, req: FhirRequest) -> FhirResult:
    route = req.route
    since = before = None
    count, offset = DEFAULT_HISTORY_COUNT, 0
    for name, value in search_params(req.params):
        if name == "_since":
            since = _instant(name, value)
        elif name == "_before":  # the snapshot instant our paging links carry
            before = _instant(name, value)
        elif name == "_count":
            count = _int_param(name, value, 0, MAX_COUNT)
        elif name == "_offset":
            offset = _int_param(name, value, 0, 10**9)
        else:
            raise FhirError(400, [Issue("not-supported", f"history does not support the parameter {name}", (name,))])
    if before is None:
        # Pin the first page's instant so later pages are not shifted by writes made meanwhile.
        from django.utils import timezone

        before = timezone.now()
    entries, total = repo.history(route.resource_type, route.resource_id, since=since, before=before,
                                  count=count, offset=offset)
    path = "/".join(p for p in (route.resource_type, route.resource_id) if p)
    url = f"{req.base}/{path}/_history" if path else f"{req.base}/_history"

    def page(at: int) -> str:
        query: list[tuple[str, str]] = []
        if since is not None:
            query.append(("_since", format_instant(since)))
        query += [("_before", format_instant(before)), ("_count", str(count)), ("_offset", str(at))]
        return f"{url}?{urlencode(query)}"

    links = [("self", page(offset))]
    if count and offset + count < total:
        links.append(("next", page(offset + count)))
    if offset > 0:
        links.append(("previous", page(max(0, offset - count))))
    body = render.bundle_bytes("history", (history_entry(req.base, s) for s in entries), total=total, links=links)
    return FhirResult(200, body=body)


# --- search -----------------------------------------------------------------------------------------
def _narrowed_to_one_type(resource_type: str | None, params: list[tuple[str, str]]) -> tuple[str | None, list[tuple[str, str]]]:
    """`GET /fhir?_type=Patient&...` is the type search `GET /fhir/Patient?...`; several types stay a system search."""
    types = [v for k, v in params if k == "_type"]
    if resource_type is not None or len(types) != 1 or "," in types[0]:
        return resource_type, params
    from .resource_types import is_resource_type

    if not is_resource_type(types[0]):
        raise FhirError(400, [Issue("not-supported", f"_type={types[0]} is not a FHIR R4 resource type", ("_type",))])
    return types[0], [(k, v) for k, v in params if k != "_type"]


def search(repo: Repository, req: FhirRequest) -> FhirResult:
    from . import search_bridge

    resource_type, params = _narrowed_to_one_type(req.route.resource_type, search_params(req.params))
    body = search_bridge.search(repo, resource_type, params, req.base,
                                compartment=req.route.compartment, lenient=req.lenient)
    return FhirResult(200, body=body)


# --- dispatch ---------------------------------------------------------------------------------------
def _process_bundle(repo: Repository, req: FhirRequest) -> FhirResult:
    from ..bundles import process_bundle

    return process_bundle(repo, req)


_HANDLERS: dict[str, dict[str, Any]] = {
    "instance": {"GET": read, "PUT": update, "PATCH": patch_instance, "DELETE": delete},
    "version": {"GET": vread},
    "type": {"GET": search, "POST": create, "PUT": conditional_update, "PATCH": conditional_patch,
             "DELETE": conditional_delete},
    "search": {"GET": search, "POST": search},
    "compartment": {"GET": search, "POST": search},
    "history": {"GET": history},
    "system": {"GET": search, "POST": _process_bundle},
}


def handler_for(req: FhirRequest) -> Any:
    """The interaction for this URL shape and method, or 405 (checked before the body is read)."""
    method = "GET" if req.method == "HEAD" else req.method
    handler = _HANDLERS.get(req.route.kind, {}).get(method)
    if handler is None:
        raise _method_not_allowed(req)
    return handler


def dispatch(repo: Repository, req: FhirRequest) -> FhirResult:
    """Run the interaction a request names (everything but $operations and metadata)."""
    result: FhirResult = handler_for(req)(repo, req)
    return result
