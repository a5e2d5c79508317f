"""The search parameters of R4, from the generated table definitions/search_params.json.

scripts/gen_search_params.py makes the table from the official SearchParameter and
StructureDefinition resources; this module turns it into `SearchParam` objects with their
expressions compiled once (see paths.py), and answers "which parameters does type T have".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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


def composite_key(code: str, index: int) -> str:
    """The param under which component `index` of composite `code` is stored, unless it shares an
    earlier component's rows (`Component.key`): `code-value-quantity#1`."""
    return f"{code}#{index}"


@dataclass(frozen=True)
class Component:
    type: str
    expression: Expression  # evaluated on each element the composite's expression selects
    source: str | None = None  # the FHIRPath text of `expression`
    # The param its index rows are stored under: its own composite_key, or that of the first
    # component of the type with the same rows (see _share_components).
    key: str = ""
    # `%resource.x` in R4: read from the resource, paired with each element (MolecularSequence's
    # referenceSeq.chromosome with every variant's coordinates).
    from_resource: bool = False


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
    source: str | None = None  # a composite's FHIRPath text (the part for this base)
    # The param its index rows are stored under: its code, or the key of a composite component
    # that always has the same values (see _share_plain). Composites use their components' keys.
    key: str = ""


@cache
def _table() -> dict[str, Any]:
    return orjson.loads(_TABLE.read_bytes())


def resource_types() -> frozenset[str]:
    return frozenset(_table()["resource_types"])


def _build(base: str, code: str, entry: dict[str, Any]) -> SearchParam:
    expr = compile_expression(entry["expr"]) if entry.get("expr") is not None else None
    comps = tuple(Component(c["type"], compile_expression(c["expr"]), c.get("source"), composite_key(code, k),
                            bool(c.get("from_resource")))
                  for k, c in enumerate(entry.get("components", ())))
    return SearchParam(base, code, entry["type"], expr, tuple(entry.get("targets", ())), comps,
                       _roots(entry.get("expr")), entry.get("source"), code)


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
    entries: dict[str, dict[str, Any]] = {}
    for base in ("Resource", "DomainResource", resource_type):
        if base == "DomainResource" and resource_type in ("Bundle", "Parameters", "Binary"):
            continue
        for code, entry in table.get(base, {}).items():
            out[code] = _build(resource_type, code, entry)
            entries[code] = entry
    _share_components(out)
    _share_plain(out, entries)
    return out


def _indexed(code: str, param: SearchParam) -> bool:
    return code not in ROW_PARAMS and code not in UNSUPPORTED and param.type != "special" \
        and param.expression is not None


def _share_components(params: dict[str, SearchParam]) -> None:
    """Point components that always have the same index rows at one storage key.

    Two components of one type's composites have the same rows (apart from the param column) when
    the composites select the same elements (same expression text, so `grp` numbers them alike) and
    the components read the same value from each element with the same type: Observation's four
    `code-value-*` all store `code` of the Observation as tokens. The first such component in
    definition order keeps its own key and is the only one the indexer writes; the others' searches
    read its rows. Without source texts (an older table) nothing is shared.
    """
    first: dict[tuple[str, str, str], str] = {}
    for code, param in params.items():
        if param.type != "composite" or not _indexed(code, param) or param.source is None:
            continue
        components = []
        for component in param.components:
            key = component.key
            if component.source is not None:
                key = first.setdefault((param.source, component.source, component.type), key)
            components.append(replace(component, key=key))
        params[code] = replace(param, components=tuple(components))


def _paths(parts: list[dict[str, Any]] | None) -> list[list[Any]] | None:
    """The step lists of an expression that is a union of plain paths; None if any part is not one."""
    if not parts or any(set(part) != {"path"} for part in parts):
        return None
    return [part["path"] for part in parts]


def _path_set(paths: list[list[Any]]) -> tuple[str, ...]:
    return tuple(sorted(orjson.dumps(path, option=orjson.OPT_SORT_KEYS).decode() for path in paths))


# Elements whose values never give rows of a kind: a SampledData has no `value` element in R4 (the
# validator refuses one), and the quantity extractor reads `value`. R4's quantity parameters on
# Observation read `value as SampledData` beside `value as Quantity`; their composites do not.
_NO_ROWS: dict[str, frozenset[str]] = {"quantity": frozenset({"valueSampledData"})}


def _with_rows(kind: str, paths: list[list[Any]]) -> list[list[Any]]:
    """The paths that can give rows of `kind` (a path ends in one step that names its elements)."""
    never = _NO_ROWS.get(kind, frozenset())
    return [path for path in paths if not (path and set(path[-1]["keys"]) <= never)]


def _share_plain(params: dict[str, SearchParam], entries: dict[str, dict[str, Any]]) -> None:
    """Point plain parameters at a composite component that always has their values (decision 30).

    A composite's component k reads, from each element its expression selects, the component's
    expression: with plain paths on both sides that is the path `element path + component path` for
    every pair, evaluated by the same step walk. When those paths are exactly a plain parameter's
    paths (same type), the parameter's values are the component's values, only numbered by element
    in `grp` (plain rows have 0, which no plain search reads): Observation's `code` is
    `code-value-concept#0`, `combo-code` is `combo-code-value-concept#0`. The plain parameter then
    stores nothing and its searches read the component's key. References are left alone: includes,
    chains and compartments name them by code.
    """
    composed: dict[tuple[str, tuple[str, ...]], str] = {}
    for code, param in params.items():
        if param.type != "composite" or not _indexed(code, param) or param.source is None:
            continue
        outer = _paths(entries[code].get("expr"))
        if outer is None:
            continue
        for component, raw in zip(param.components, entries[code].get("components", ()), strict=True):
            inner = _paths(raw.get("expr"))
            if inner is None or component.from_resource:
                continue
            paths = _with_rows(component.type, [head + tail for head in outer for tail in inner])
            composed.setdefault((component.type, _path_set(paths)), component.key)
    if not composed:
        return
    for code, param in params.items():
        if param.type in ("composite", "reference") or not _indexed(code, param):
            continue
        plain = _paths(entries[code].get("expr"))
        key = composed.get((param.type, _path_set(_with_rows(param.type, plain)))) if plain is not None else None
        if key is not None:
            params[code] = replace(param, key=key)


@cache
def indexed_params(resource_type: str) -> tuple[SearchParam, ...]:
    """The parameters whose values the indexer stores for this type."""
    return tuple(p for code, p in params_for(resource_type).items() if _indexed(code, p))


def summary_elements(resource_type: str) -> frozenset[str]:
    return frozenset(_table()["summary"].get(resource_type, ()))


def mandatory_elements(resource_type: str) -> frozenset[str]:
    return frozenset(_table()["mandatory"].get(resource_type, ()))
