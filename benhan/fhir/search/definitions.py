"""The search parameters of R4, from the generated table definitions/search_params.json.

scripts/gen_search_params.py makes the table from the official SearchParameter and
StructureDefinition resources; this module turns it into `SearchParam` objects with their
expressions compiled once (see paths.py), and answers "which parameters does type T have".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from .paths import Expression, compile_expression

_TABLE = Path(__file__).parent / "definitions" / "search_params.json"

# Parameters of every resource that are answered from fhir_resource columns, not index rows.
ROW_PARAMS = {"_id": "token", "_lastUpdated": "date"}
# Defined by R4 but not offered here; a search naming them gets a clear 400 (or a lenient warning).
UNSUPPORTED = {
    "_query": "named queries are not supported",
    "_filter": "the _filter parameter is not supported",
    "_list": "the _list parameter is not supported",
}


@dataclass(frozen=True)
class Component:
    type: str
    expression: Expression


@dataclass(frozen=True)
class SearchParam:
    resource_type: str  # the base the parameter was defined on (a concrete type, or Resource)
    code: str
    type: str
    expression: Expression | None
    targets: tuple[str, ...] = ()
    components: tuple[Component, ...] = field(default=())
    # Top-level JSON keys the expression starts from; None when it may read anything (FHIRPath,
    # or a composite over the whole resource). Lets the indexer skip absent elements cheaply.
    roots: frozenset[str] | None = None


@cache
def _table() -> dict[str, Any]:
    return orjson.loads(_TABLE.read_bytes())


def resource_types() -> frozenset[str]:
    return frozenset(_table()["resource_types"])


def _build(base: str, code: str, entry: dict[str, Any]) -> SearchParam:
    expr = compile_expression(entry["expr"]) if entry.get("expr") is not None else None
    comps = tuple(Component(c["type"], compile_expression(c["expr"])) for c in entry.get("components", ()))
    return SearchParam(base, code, entry["type"], expr, tuple(entry.get("targets", ())), comps,
                       _roots(entry.get("expr")))


def _roots(parts: list[dict[str, Any]] | None) -> frozenset[str] | None:
    roots: set[str] = set()
    for part in parts or ():
        steps = part.get("path")
        if not steps:  # FHIRPath, or the resource itself
            return None
        roots.update(steps[0]["keys"])
    return frozenset(roots)


@cache
def params_for(resource_type: str) -> dict[str, SearchParam]:
    """Every parameter of a type, the common ones (_tag, _profile, ...) included."""
    table = _table()["params"]
    out: dict[str, SearchParam] = {}
    for base in ("Resource", "DomainResource", resource_type):
        if base == "DomainResource" and resource_type in ("Bundle", "Parameters", "Binary"):
            continue
        for code, entry in table.get(base, {}).items():
            out[code] = _build(resource_type, code, entry)
    return out


@cache
def indexed_params(resource_type: str) -> tuple[SearchParam, ...]:
    """The parameters whose values the indexer stores for this type."""
    return tuple(
        p for code, p in params_for(resource_type).items()
        if code not in ROW_PARAMS and code not in UNSUPPORTED and p.type != "special"
        and (p.expression is not None)
    )


def summary_elements(resource_type: str) -> frozenset[str]:
    return frozenset(_table()["summary"].get(resource_type, ()))


def mandatory_elements(resource_type: str) -> frozenset[str]:
    return frozenset(_table()["mandatory"].get(resource_type, ()))
