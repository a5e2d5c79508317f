"""Token `:in`/`:not-in` and `:below`/`:above` from the ValueSets and CodeSystems stored in this server.

No external terminology service: a value set is expanded from its own definition, at query time,
into the (system, code) pairs the token condition lists.

- ValueSet (found by canonical `url`, optionally `|version`, or as `ValueSet/id`): `compose.include`
  with explicit `concept`s, a whole stored CodeSystem (`system` alone), `filter`s `is-a`,
  `descendent-of`, `in` and `=` on the `concept` property, and `valueSet` imports (intersected, as
  R4 says); `compose.exclude` the same way. Without `compose`, a stored `expansion.contains` is used.
- CodeSystem hierarchy: nested `concept`s, and `parent`/`child` concept properties.
- `code:below=system|code` is the code and its descendants, `:above` the code and its ancestors.

Anything else (a filter op we do not evaluate, a value set or code system not stored here) is an
error naming the parameter, never a silently empty or partial answer. Only resources of the
tenants the searcher may read are used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection

from benhan.fhir.models import ResourceRow

Code = tuple[str, str]  # (system, code)


class TerminologyError(Exception):
    pass


@dataclass
class CodeSystemTree:
    url: str
    codes: list[str] = field(default_factory=list)
    children: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def link(self, parent: str, child: str) -> None:
        self.children[parent].add(child)
        self.parents[child].add(parent)

    def _walk(self, code: str, edges: dict[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        todo = [code]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def descendants(self, code: str) -> set[str]:
        return self._walk(code, self.children)

    def ancestors(self, code: str) -> set[str]:
        return self._walk(code, self.parents)

    def require(self, code: str) -> None:
        if code not in self.codes:
            raise TerminologyError(f"code '{code}' is not in the CodeSystem {self.url}")


class Terminology:
    """Look-ups for one search, over the tenants it may read (None: all)."""

    def __init__(self, tenants: frozenset[str] | None) -> None:
        self.tenants = tenants
        self._cache: dict[tuple[str, str], dict[str, Any] | None] = {}

    # --- stored resources -------------------------------------------------------------------------
    def _find(self, rtype: str, ref: str) -> dict[str, Any] | None:
        key = (rtype, ref)
        if key not in self._cache:
            self._cache[key] = self._load(rtype, ref)
        return self._cache[key]

    def _load(self, rtype: str, ref: str) -> dict[str, Any] | None:
        from .indexer import TABLES

        table = ResourceRow._meta.db_table
        where = "r.resource_type = %s AND r.deleted = %s"
        params: list[Any] = [rtype, False]
        url, _, version = ref.partition("|")
        if url.startswith(f"{rtype}/") and "://" not in url:
            where += " AND r.resource_id = %s"
            params.append(url[len(rtype) + 1 :])
        else:
            where += (f" AND r.resource_id IN (SELECT u.resource_id FROM {TABLES['uri']} u WHERE u.resource_type = %s"
                      " AND u.param = 'url' AND u.value = %s)")
            params += [rtype, url]
        if self.tenants is not None:
            where += f" AND r.tenant IN ({', '.join(['%s'] * len(self.tenants))})"
            params += sorted(self.tenants)
        with connection.cursor() as cur:
            cur.execute(f"SELECT r.content FROM {table} r WHERE {where} ORDER BY r.id DESC", params)  # noqa: S608
            found = [orjson.loads(row[0]) for row in cur.fetchall()]
        if version:
            found = [r for r in found if r.get("version") == version]
        return found[0] if found else None

    def code_system(self, url: str) -> CodeSystemTree:
        cs = self._find("CodeSystem", url)
        if cs is None:
            raise TerminologyError(f"no CodeSystem {url} is stored in this server")
        tree = CodeSystemTree(url.partition("|")[0])

        def walk(concepts: Any, parent: str | None) -> None:
            for concept in concepts if isinstance(concepts, list) else ():
                code = concept.get("code") if isinstance(concept, dict) else None
                if not isinstance(code, str):
                    continue
                tree.codes.append(code)
                if parent is not None:
                    tree.link(parent, code)
                for prop in concept.get("property", ()):
                    other = prop.get("valueCode") if isinstance(prop, dict) else None
                    if isinstance(other, str) and prop.get("code") == "parent":
                        tree.link(other, code)
                    elif isinstance(other, str) and prop.get("code") == "child":
                        tree.link(code, other)
                walk(concept.get("concept"), code)

        walk(cs.get("concept"), None)
        return tree

    # --- :below / :above ------------------------------------------------------------------------
    def subsumption(self, system: str, code: str, below: bool) -> set[Code]:
        tree = self.code_system(system)
        tree.require(code)
        related = tree.descendants(code) if below else tree.ancestors(code)
        return {(tree.url, c) for c in {code, *related}}

    # --- :in / :not-in -----------------------------------------------------------------------------
    def expand(self, ref: str, depth: int = 0) -> set[Code]:
        if depth > 8:
            raise TerminologyError(f"the value set {ref} imports value sets too deeply (a cycle?)")
        vs = self._find("ValueSet", ref)
        if vs is None:
            raise TerminologyError(f"no ValueSet {ref} is stored in this server")
        compose = vs.get("compose")
        if isinstance(compose, dict) and compose.get("include"):
            codes: set[Code] = set()
            for inc in compose["include"]:
                codes |= self._include(inc, depth)
            for exc in compose.get("exclude", ()):
                codes -= self._include(exc, depth)
            return codes
        contains = (vs.get("expansion") or {}).get("contains")
        if contains:
            return set(_contained(contains))
        raise TerminologyError(f"the ValueSet {ref} has neither compose.include nor expansion.contains")

    def _include(self, inc: dict[str, Any], depth: int) -> set[Code]:
        system = inc.get("system")
        result: set[Code] | None = None
        for ref in inc.get("valueSet", ()):
            expanded = self.expand(ref, depth + 1)
            result = expanded if result is None else result & expanded
        if system:
            codes = self._system_codes(system, inc)
            result = codes if result is None else {c for c in result if c in codes}
        if result is None:
            raise TerminologyError("a compose.include has neither system nor valueSet")
        return result

    def _system_codes(self, system: str, inc: dict[str, Any]) -> set[Code]:
        if inc.get("concept"):
            return {(system, c["code"]) for c in inc["concept"] if isinstance(c, dict) and isinstance(c.get("code"), str)}
        tree = self.code_system(system)
        selected: set[str] = set(tree.codes)
        for f in inc.get("filter", ()):
            op, prop, value = f.get("op"), f.get("property"), f.get("value", "")
            if op in ("is-a", "descendent-of") and prop == "concept":
                tree.require(value)
                chosen = tree.descendants(value) | ({value} if op == "is-a" else set())
            elif op == "=" and prop == "concept":
                chosen = {value}
            elif op == "in" and prop == "concept":
                chosen = {v.strip() for v in value.split(",")}
            else:
                raise TerminologyError(f"the value set filter '{prop} {op}' is not supported here")
            selected &= chosen
        return {(system, c) for c in selected}


def _contained(entries: Any) -> list[Code]:
    out: list[Code] = []
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict):
            if isinstance(entry.get("system"), str) and isinstance(entry.get("code"), str):
                out.append((entry["system"], entry["code"]))
            out.extend(_contained(entry.get("contains")))
    return out


def codes_sql(a: str, codes: set[Code]) -> tuple[str, list[Any]]:
    """Token rows (alias `a`) whose (system, code) is one of `codes`, grouped by system."""
    by_system: dict[str, list[str]] = defaultdict(list)
    for system, code in sorted(codes):
        by_system[system].append(code)
    if not by_system:
        return "1 = 0", []
    parts, params = [], []
    for system, cs in by_system.items():
        parts.append(f"({a}.system = %s AND {a}.code IN ({', '.join(['%s'] * len(cs))}))")
        params += [system, *cs]
    return " OR ".join(parts), params
