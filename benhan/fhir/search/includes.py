"""`_include` and `_revinclude`: the resources a page's matches point at, or that point at them.

Each round is one query on the reference index for the whole page and one query per target type
on fhir_resource (no query per resource). `:iterate` repeats a round over what the previous round
added, up to MAX_ROUNDS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from .compiler import RESOURCE_TABLE
from .definitions import params_for, resource_types
from .errors import SearchParamError
from .indexer import TABLES

MAX_ROUNDS = 4
Key = tuple[str, str]  # (resource_type, resource_id)


@dataclass(frozen=True)
class IncludeSpec:
    reverse: bool
    source_type: str  # the type holding the reference ("*" for every type)
    param: str  # the reference parameter ("*" for all)
    target_type: str  # "" for any
    iterate: bool


def parse_include(name: str, value: str) -> IncludeSpec:
    base, _, modifier = name.partition(":")
    reverse = base == "_revinclude"
    if modifier not in ("", "iterate", "recurse"):
        raise SearchParamError(name, f"'{name}': the only modifier is ':iterate'")
    if value == "*":
        return IncludeSpec(reverse, "*", "*", "", bool(modifier))
    parts = value.split(":")
    if len(parts) not in (2, 3):
        raise SearchParamError(name, f"'{value}' is not Type:parameter[:targetType] or *")
    source, param = parts[0], parts[1]
    target = parts[2] if len(parts) == 3 else ""
    if source not in resource_types() or (target and target not in resource_types()):
        raise SearchParamError(name, f"'{value}' names an unknown resource type")
    if param != "*":
        definition = params_for(source).get(param)
        if definition is None or definition.type != "reference":
            raise SearchParamError(name, f"'{param}' is not a reference parameter of {source}")
    return IncludeSpec(reverse, source, param, target, bool(modifier))


def _in_list(column: str, values: list[str]) -> tuple[str, list[Any]]:
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _by_type(keys: set[Key] | list[Key]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rtype, rid in keys:
        out.setdefault(rtype, []).append(rid)
    return out


Row = tuple[str, str, int, object, str, str]  # type, id, version, last_updated, tenant, content


def _round(spec: IncludeSpec, sources: set[Key], visible: Callable[[str], tuple[str, list[Any]]]) -> list[Row]:
    """The visible, current resources the sources point at (forward) or that point at them (reverse):
    one query per source type, joining the reference index to fhir_resource."""
    found: list[Row] = []
    table = TABLES["reference"]
    near, far = ("target", "resource") if spec.reverse else ("resource", "target")
    with connection.cursor() as cursor:
        for rtype, ids in sorted(_by_type(sources).items()):
            if not spec.reverse and spec.source_type not in ("*", rtype):
                continue
            ids.sort()
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                where, params = _in_list(f"x.{near}_id", chunk)
                sql = (f"SELECT DISTINCT r.resource_type, r.resource_id, r.version_id, r.last_updated, r.tenant, r.content"
                       f" FROM {table} x JOIN {RESOURCE_TABLE} r ON r.resource_type = x.{far}_type"
                       f" AND r.resource_id = x.{far}_id WHERE x.{near}_type = %s AND {where} AND r.deleted = %s")
                params = [rtype, *params, False]
                if spec.reverse and spec.source_type != "*":
                    sql += " AND x.resource_type = %s"
                    params.append(spec.source_type)
                if spec.param != "*":
                    sql += " AND x.param = %s"
                    params.append(spec.param)
                else:
                    sql += " AND x.param NOT LIKE %s"  # component rows of composites are not references
                    params.append("%#%")
                if spec.target_type and not spec.reverse:
                    sql += " AND x.target_type = %s"
                    params.append(spec.target_type)
                extra, extra_params = visible("r")
                cursor.execute(sql + extra + " ORDER BY r.resource_type, r.resource_id", [*params, *extra_params])
                found.extend(cursor.fetchall())
    return found


def resolve_includes(
    specs: list[IncludeSpec], matches: list[Key], readable: Callable[[str], bool],
    visible: Callable[[str], tuple[str, list[Any]]],
) -> list[Row]:
    seen: set[Key] = set(matches)
    included: list[Row] = []
    frontier: set[Key] = set(matches)
    for round_no in range(MAX_ROUNDS):
        active = [s for s in specs if round_no == 0 or s.iterate]
        if not active or not frontier:
            break
        added: set[Key] = set()
        for spec in active:
            for row in _round(spec, frontier, visible):
                key = (row[0], row[1])
                if key not in seen and readable(row[0]):
                    seen.add(key)
                    added.add(key)
                    included.append(row)
        frontier = added
    return included
