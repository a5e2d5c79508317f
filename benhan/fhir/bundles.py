"""Batch and transaction Bundles (POST /fhir).

A transaction is all or nothing in one database transaction, processed in the FHIR order (DELETE,
POST, PUT/PATCH, GET) and answered in request order. Before anything is written, every POST gets its
id, so `urn:uuid:` full URLs and conditional references (`Patient?identifier=x`) can be rewritten to
real `Type/id` references in the entries that use them. A batch runs each entry on its own: one
entry's failure is that entry's OperationOutcome, and leaves nothing of it stored.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from django.db import transaction
from django.utils import timezone

from . import conditional
from .collector import fewer_collections
from .errors import FhirError, Issue, operation_outcome
from .repository import Repository, validate
from .rest import interactions, render
from .rest.messages import (
    RETURN_MINIMAL,
    RETURN_OUTCOME,
    RETURN_REPRESENTATION,
    FhirRequest,
    FhirResult,
    parse_etag,
)
from .rest.routing import Route, parse_path
from .store import Stored, format_instant, new_id

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# FHIR's processing order for transactions (http.html#trules).
_PHASE = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}


@dataclass
class Entry:
    index: int
    full_url: str
    request: FhirRequest
    result: FhirResult | None = None
    new_id: str | None = None  # id chosen for a create before anything is written

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}]"


def _entry_error(index: int, exc: FhirError) -> FhirError:
    """The error with each issue's FHIRPath rooted at the Bundle entry it came from."""
    prefix = f"Bundle.entry[{index}]"
    issues = []
    for issue in exc.issues:
        expressions = tuple(_rooted(prefix, e) for e in issue.expression) or (prefix,)
        issues.append(Issue(issue.code, issue.diagnostics, expressions, issue.severity))
    return FhirError(exc.status, issues, dict(exc.headers))


def _rooted(prefix: str, expression: str) -> str:
    if expression.startswith("Bundle."):
        return expression
    head, dot, rest = expression.partition(".")
    if head == "resourceType" and not dot:
        return f"{prefix}.resource.resourceType"
    if head[:1].isupper():  # "Patient.gender" -> the entry's resource
        return f"{prefix}.resource" + (f".{rest}" if rest else "")
    return f"{prefix}.request.url"  # a URL parameter such as _count


def _strip_base(url: str, base: str) -> str:
    if base and url.startswith(base + "/"):
        return url[len(base) + 1 :]
    return url.lstrip("/")


def _patch_body(resource: Any, index: int) -> Any:
    """A PATCH entry carries its JSON Patch as a Binary resource (base64 data)."""
    if isinstance(resource, dict) and resource.get("resourceType") == "Binary":
        try:
            return orjson.loads(base64.b64decode(resource.get("data") or "", validate=True))
        except (binascii.Error, orjson.JSONDecodeError, ValueError) as exc:
            raise FhirError(400, [Issue("structure", f"the Binary does not hold a JSON Patch: {exc}",
                                        (f"Bundle.entry[{index}].resource.data",))]) from None
    return resource


def _parse_entries(bundle: dict[str, Any], req: FhirRequest) -> list[Entry]:
    raw_entries = bundle.get("entry") or []
    if not isinstance(raw_entries, list):
        raise FhirError(400, [Issue("structure", "Bundle.entry must be an array", ("Bundle.entry",))])
    entries: list[Entry] = []
    # A transaction names the same few URLs ("Observation", "Encounter") hundreds of times; a Route
    # is immutable, so each path is parsed once.
    routes: dict[str, Route] = {}
    for i, raw in enumerate(raw_entries):
        if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
            raise FhirError(400, [Issue("required", "each entry of a batch or transaction needs a request",
                                        (f"Bundle.entry[{i}].request",))])
        request = raw["request"]
        method = request.get("method")
        if method not in _METHODS:
            raise FhirError(400, [Issue("code-invalid", f"request.method '{method}' is not an HTTP verb FHIR uses",
                                        (f"Bundle.entry[{i}].request.method",))])
        url = request.get("url")
        if not isinstance(url, str) or not url:
            raise FhirError(400, [Issue("required", "request.url is missing", (f"Bundle.entry[{i}].request.url",))])
        path, _, query = _strip_base(url, req.base).partition("?")
        route = routes.get(path)
        if route is None:
            try:
                route = routes[path] = parse_path(path)
            except FhirError as exc:
                where = f"Bundle.entry[{i}].request.url"
                raise _entry_error(i, FhirError(exc.status, [Issue(x.code, x.diagnostics, (where,)) for x in exc.issues])) from None
        if route.kind in ("metadata", "operation") or (route.kind == "system" and method != "GET"):
            raise FhirError(400, [Issue("not-supported", f"'{method} {url}' is not supported inside a Bundle",
                                        (f"Bundle.entry[{i}].request.url",))])
        body = raw.get("resource")
        if method == "PATCH":
            body = _patch_body(body, i)
        if_match = None
        if_match_text = request.get("ifMatch")
        if isinstance(if_match_text, str) and if_match_text:  # anything else means no precondition
            try:
                if_match = _etag(if_match_text, i)
            except FhirError as exc:
                raise _entry_error(i, exc) from None
        entries.append(Entry(i, str(raw.get("fullUrl") or ""), FhirRequest(
            method=method, route=route, params=parse_qsl(query, keep_blank_values=True) if query else [], body=body,
            if_match=if_match, if_none_exist=request.get("ifNoneExist") or None,
            prefer_return=RETURN_MINIMAL, base=req.base,
        )))
    return entries


def _etag(value: Any, index: int) -> int | None:
    return parse_etag(value if isinstance(value, str) else None, f"Bundle.entry[{index}].request.ifMatch")


# --- reference rewriting --------------------------------------------------------------------------
def _rewrite_references(node: Any, mapping: dict[str, str], resolve: Any) -> None:
    """Rewrite, in place, every `reference` string naming an entry (its fullUrl) or a search
    (`Patient?identifier=x`, through `resolve`); an `urn:` naming no entry is a 404."""
    if isinstance(node, dict):
        _rewrite_in_dict(node, mapping, resolve)
    elif isinstance(node, list):
        _rewrite_in_list(node, mapping, resolve)


def _rewrite_in_dict(node: dict[str, Any], mapping: dict[str, str], resolve: Any) -> None:
    # The walk visits every element of every resource: exact type tests (what JSON parsing makes)
    # first, isinstance only for anything else (subclasses).
    for key, value in node.items():
        kind = type(value)
        if kind is str:
            if key == "reference":
                _rewrite_reference(node, value, mapping, resolve)
        elif kind is dict:
            _rewrite_in_dict(value, mapping, resolve)
        elif kind is list:
            _rewrite_in_list(value, mapping, resolve)
        elif isinstance(value, str):
            if key == "reference":
                _rewrite_reference(node, value, mapping, resolve)
        elif isinstance(value, dict | list):
            _rewrite_references(value, mapping, resolve)


def _rewrite_in_list(items: list[Any], mapping: dict[str, str], resolve: Any) -> None:
    for value in items:
        kind = type(value)
        if kind is dict:
            _rewrite_in_dict(value, mapping, resolve)
        elif kind is list:
            _rewrite_in_list(value, mapping, resolve)
        elif kind is not str and isinstance(value, dict | list):
            _rewrite_references(value, mapping, resolve)


def _rewrite_reference(node: dict[str, Any], value: str, mapping: dict[str, str], resolve: Any) -> None:
    target = mapping.get(value)
    if target is not None:
        node["reference"] = target  # the same key: the dict being iterated does not change size
    elif "?" in value and not value.startswith("#"):
        node["reference"] = resolve(value)
    elif value.startswith("urn:uuid:") or value.startswith("urn:oid:"):
        raise FhirError(404, [Issue("not-found", f"the reference '{value}' names no entry of the transaction")])


# --- writes -----------------------------------------------------------------------------------------
def _check_valid(resource: dict[str, Any]) -> None:
    issues = validate(resource)
    errors = [i for i in issues if i.severity in ("error", "fatal")]
    if errors:
        status = 400 if any(i.code in ("structure", "required") and not i.expression for i in errors) else 422
        raise FhirError(status, issues)


def write_creates(repo: Repository, resources: list[dict[str, Any]], ids: list[str]) -> list[Stored]:
    """Store a transaction's plain creates: the one place the bundle processor writes new resources.

    The resources are validated already; the repository's bulk path writes them, their index rows
    and their audit rows together. No savepoints inside: it runs in the transaction's own atomic
    block, which any error rolls back whole, so they would only cost round trips.
    """
    given: list[str | None] = list(ids)
    return repo.create_many(resources, ids=given, validated=True, savepoint=False)


def _assign_create_ids(repo: Repository, entries: list[Entry], mapping: dict[str, str]) -> None:
    """Ids for every create (or the match of a conditional create) before any body is rewritten."""
    for entry in entries:
        req = entry.request
        rtype = req.route.resource_type
        try:
            if req.method == "POST":
                assert rtype
                interactions.resource_body(req, rtype)
                if req.if_none_exist:
                    found = conditional.matches(repo, rtype, req.if_none_exist)
                    if len(found) > 1:
                        raise FhirError(412, [Issue("multiple-matches", "ifNoneExist matches several resources",
                                                    (f"{entry.path}.request.ifNoneExist",))])
                    if found:
                        entry.result = FhirResult(200, found[0])
                        reference = found[0].reference
                    else:
                        entry.new_id = new_id()
                        reference = f"{rtype}/{entry.new_id}"
                else:
                    entry.new_id = new_id()
                    reference = f"{rtype}/{entry.new_id}"
                if entry.full_url:
                    mapping[entry.full_url] = reference
            elif req.method == "PUT" and rtype:
                if req.route.resource_id:
                    target = f"{rtype}/{req.route.resource_id}"
                else:  # a conditional update: resolve which resource it is now, so others can point at it
                    found = conditional.matches(repo, rtype, interactions.search_params(req.params))
                    if len(found) > 1:
                        raise FhirError(412, [Issue("multiple-matches", "the conditional update matches several resources",
                                                    (f"{entry.path}.request.url",))])
                    body = interactions.resource_body(req, rtype)
                    resource_id = found[0].id if found else str(body.get("id") or new_id())
                    body["id"] = resource_id
                    req.route = Route("instance", rtype, resource_id)
                    target = f"{rtype}/{resource_id}"
                if entry.full_url:
                    mapping[entry.full_url] = target
        except FhirError as exc:
            raise _entry_error(entry.index, exc) from None


def _run_transaction(repo: Repository, entries: list[Entry]) -> None:
    ordered = sorted(entries, key=lambda e: (_PHASE[e.request.method], e.index))
    mapping: dict[str, str] = {}
    resolved: dict[str, str] = {}

    def resolve(reference: str) -> str:
        if reference not in resolved:
            resolved[reference] = conditional.resolve_reference(repo, reference)
        return resolved[reference]

    with transaction.atomic():
        for entry in (e for e in ordered if e.request.method == "DELETE"):
            _run_entry(repo, entry)
        _assign_create_ids(repo, [e for e in ordered if e.request.method in ("POST", "PUT")], mapping)
        for entry in ordered:
            if entry.request.method in ("POST", "PUT") and isinstance(entry.request.body, dict):
                try:
                    _rewrite_references(entry.request.body, mapping, resolve)
                except FhirError as exc:
                    raise _entry_error(entry.index, exc) from None
        creates = [e for e in ordered if e.request.method == "POST" and e.result is None]
        resources = []
        for entry in creates:
            resource = entry.request.body
            try:
                _check_valid(resource)
            except FhirError as exc:
                raise _entry_error(entry.index, exc) from None
            resources.append(resource)
        if creates:
            stored = write_creates(repo, resources, [e.new_id or "" for e in creates])
            for entry, s in zip(creates, stored, strict=True):
                entry.result = FhirResult(201, s, location=True)
        for entry in ordered:
            if entry.request.method in ("PUT", "PATCH", "GET", "HEAD"):
                _run_entry(repo, entry)


def _run_entry(repo: Repository, entry: Entry) -> None:
    try:
        entry.result = interactions.dispatch(repo, entry.request)
    except FhirError as exc:
        raise _entry_error(entry.index, exc) from None


def _run_batch(repo: Repository, entries: list[Entry]) -> None:
    for entry in sorted(entries, key=lambda e: (_PHASE[e.request.method], e.index)):
        try:
            with transaction.atomic():
                entry.result = interactions.dispatch(repo, entry.request)
        except FhirError as exc:
            rooted = _entry_error(entry.index, exc)
            entry.result = FhirResult(exc.status, body=render.dumps(operation_outcome(rooted.issues)))


# --- response ---------------------------------------------------------------------------------------
def _response_entry(entry: Entry, prefer: str, base: str, instants: dict[datetime, str]) -> bytes:
    result = entry.result
    assert result is not None
    stored = result.stored
    response: dict[str, object] = {"status": render.status_line(result.status)}
    full_url = None
    resource = None
    if stored is not None:
        response["etag"] = stored.etag
        # The creates of a transaction share one lastUpdated: format it once.
        last_modified = instants.get(stored.last_updated)
        if last_modified is None:
            last_modified = instants[stored.last_updated] = format_instant(stored.last_updated)
        response["lastModified"] = last_modified
        if not stored.deleted:
            full_url = f"{base}/{stored.reference}"
            if result.location:
                response["location"] = render.versioned_url(base, stored)
            if prefer == RETURN_REPRESENTATION or entry.request.method in ("GET", "HEAD"):
                resource = stored.content.encode()
    elif "ETag" in result.headers:
        response["etag"] = result.headers["ETag"]
    if result.body is not None:
        if result.status >= 400:
            response["outcome"] = orjson.Fragment(result.body)  # already-serialised OperationOutcome
        else:
            resource = result.body
    elif prefer == RETURN_OUTCOME and result.issues:
        resource = render.outcome_bytes(result.issues)
    return render.entry_bytes(full_url=full_url, resource=resource, response=response)


def process_bundle(repo: Repository, req: FhirRequest) -> FhirResult:
    with fewer_collections():
        return _process_bundle(repo, req)


def _process_bundle(repo: Repository, req: FhirRequest) -> FhirResult:
    bundle = req.body
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        raise FhirError(400, [Issue("invalid", f"POST to the base takes a batch or transaction Bundle, not {found}",
                                    ("resourceType",))])
    kind = bundle.get("type")
    if kind not in ("batch", "transaction"):
        raise FhirError(400, [Issue("code-invalid", f"Bundle.type '{kind}' cannot be processed; use batch or transaction",
                                    ("Bundle.type",))])
    entries = _parse_entries(bundle, req)
    if kind == "transaction":
        urls = [e.full_url for e in entries if e.full_url]
        if len(urls) != len(set(urls)):
            duplicate = next(u for u in urls if urls.count(u) > 1)
            raise FhirError(400, [Issue("duplicate", f"fullUrl {duplicate} appears twice", ("Bundle.entry.fullUrl",))])
        try:
            _run_transaction(repo, entries)
        except FhirError as exc:
            if exc.status == 403:
                # The refusal's own audit row rolled back with the transaction: record it again, outside.
                repo.audit_event("transaction", outcome="4", reason=str(exc))
            raise
    else:
        _run_batch(repo, entries)
    # A Bundle answer repeats each resource only when asked (Prefer: return=representation): a
    # transaction of thousands of resources should not echo them all back by default.
    prefer = req.prefer_return or RETURN_MINIMAL
    instants: dict[datetime, str] = {}
    body = render.bundle_bytes(
        f"{kind}-response", (_response_entry(e, prefer, req.base, instants) for e in entries), bundle_id=new_id(),
        timestamp=format_instant(timezone.now()),
    )
    return FhirResult(200, body=body)
