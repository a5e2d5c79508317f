"""The REST API's door to the search engine (benhan.fhir.search), which the search module owns.

Search requests are answered by the engine's Bundle; conditional interactions and conditional
references ask the same engine which resources match, so there is one search, not two.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import orjson

from ..errors import FhirError, Issue
from ..repository import Repository
from ..store import Stored


def _engine() -> Any:
    engine = import_module("benhan.fhir.search")
    if not hasattr(engine, "search"):
        raise FhirError(501, [Issue("not-supported", "search is not available on this server yet")])
    return engine


def _as_bytes(bundle: Any) -> bytes:
    if isinstance(bundle, bytes):
        return bundle
    if isinstance(bundle, str):
        return bundle.encode()
    if isinstance(bundle, dict):
        return orjson.dumps(bundle)
    for attr in ("content", "body"):
        value = getattr(bundle, attr, None)
        if isinstance(value, bytes | str):
            return value if isinstance(value, bytes) else value.encode()
    render = getattr(bundle, "render", None) or getattr(bundle, "to_bytes", None)
    if callable(render):
        out = render()
        return out if isinstance(out, bytes) else str(out).encode()
    raise TypeError(f"cannot render a search result of type {type(bundle).__name__}")


def search(repo: Repository, resource_type: str | None, params: list[tuple[str, str]], base: str) -> bytes:
    return _as_bytes(_engine().search(repo, resource_type, params, base))


def matches(repo: Repository, resource_type: str, params: list[tuple[str, str]]) -> list[Stored]:
    """Resources of `resource_type` matching the criteria; two are enough to know it is not one."""
    criteria = [(k, v) for k, v in params if k not in ("_count", "_sort", "_include", "_revinclude")]
    bundle = orjson.loads(search(repo, resource_type, [*criteria, ("_count", "2")], ""))
    found: list[Stored] = []
    for entry in bundle.get("entry", ()):
        if entry.get("search", {}).get("mode", "match") != "match":
            continue
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == resource_type and resource.get("id"):
            found.append(repo.read(resource_type, resource["id"]))
    return found
