"""The structural walk: every JSON key of a resource against the compiled tables, in one pass.

Paths are built as the walk descends, in the FHIRPath location convention used by OperationOutcome
(``Patient.name[0].given[1]``, ``Observation.value.ofType(Quantity).value``,
``Bundle.entry[2].resource.subject``, ``Patient.contained[0].name[0]``).
"""

from __future__ import annotations

from typing import Any

from ..errors import Issue
from .primitives import PrimitiveCheck
from .references import describe_targets, parse_reference
from .tables import Elem, Node, Tables


class Scope:
    """One resource and its contained resources: what local (#id) references must resolve to."""

    __slots__ = ("local_refs", "contained", "bundle_urls", "origin")

    def __init__(self, bundle_urls: dict[str, str] | None) -> None:
        # (id after '#', allowed target types or None, path, contained id it is in, kind): kind is
        # "Reference", "canonical" (both must resolve) or "uri" (a fragment of anything, such as
        # ElementDefinition.contentReference, which only counts as a reference for dom-3).
        self.local_refs: list[tuple[str, frozenset[str] | None, str, str | None, str]] = []
        self.contained: dict[str, tuple[str, str]] = {}  # id -> (resourceType, path)
        self.bundle_urls = bundle_urls  # fullUrl -> resourceType, inside a Bundle
        self.origin: str | None = None  # id of the contained resource being walked


def _plural(n: int | None) -> str:
    return "1 item" if n == 1 else f"{n} items"


class Walker:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.element = tables.types["Element"]

    # -- resources --------------------------------------------------------------------------------

    def resource(self, res: Any, path: str | None, issues: list[Issue], bundle_urls: dict[str, str] | None) -> None:
        """Validate a top-level resource, a Bundle entry or a Parameters resource with its own scope."""
        node = self._resource_node(res, path, issues)
        if node is None:
            return
        scope = Scope(bundle_urls)
        if node.name == "Bundle":
            scope.bundle_urls = _full_urls(res)
        self.walk(res, node, path or node.name, issues, scope)
        self._close(scope, issues)

    def _resource_node(self, res: Any, path: str | None, issues: list[Issue]) -> Node | None:
        where = path or "Resource"
        if type(res) is not dict:
            issues.append(Issue("structure", "a resource must be a JSON object", (where,)))
            return None
        rtype = res.get("resourceType")
        if rtype is None:
            issues.append(Issue("structure", "resourceType is missing", (where,)))
            return None
        if type(rtype) is not str or rtype not in self.tables.resource_types:
            issues.append(Issue("not-supported", f"{rtype!r} is not an R4 resource type", (where,)))
            return None
        return self.tables.types[rtype]

    def _contained(self, res: Any, path: str, issues: list[Issue], scope: Scope) -> None:
        node = self._resource_node(res, path, issues)
        if node is None:
            return
        rid = res.get("id")
        if type(rid) is not str:
            issues.append(Issue("invariant", "a contained resource needs an id so it can be referenced", (path,)))
        elif rid in scope.contained:
            issues.append(Issue("invariant", f"two contained resources have the id '{rid}'", (f"{path}.id",)))
        else:
            scope.contained[rid] = (node.name, path)
        if "contained" in res:
            issues.append(Issue("invariant", "dom-2: a contained resource cannot contain resources", (f"{path}.contained",)))
        meta = res.get("meta")
        if type(meta) is dict:
            if "versionId" in meta or "lastUpdated" in meta:
                issues.append(Issue("invariant", "dom-4: a contained resource cannot have meta.versionId "
                                    "or meta.lastUpdated", (f"{path}.meta",)))
            if "security" in meta:
                issues.append(Issue("invariant", "dom-5: a contained resource cannot have security labels",
                                    (f"{path}.meta.security",)))
        outer, scope.origin = scope.origin, rid if type(rid) is str else None
        self.walk(res, node, path, issues, scope)
        scope.origin = outer

    def _close(self, scope: Scope, issues: list[Issue]) -> None:
        """ref-1 (local references resolve, to an allowed type) and dom-3 (contained is referenced)."""
        referenced: set[str] = set()
        refer_back: set[str | None] = set()
        for local_id, targets, path, origin, kind in scope.local_refs:
            if local_id == "":
                refer_back.add(origin)
                continue
            referenced.add(local_id)
            if kind != "Reference":
                if kind == "canonical" and local_id not in scope.contained:
                    issues.append(Issue("invariant", f"'#{local_id}' points at no contained resource", (path,)))
                continue
            found = scope.contained.get(local_id)
            if found is None:
                issues.append(Issue("invariant", f"ref-1: '#{local_id}' points at no contained resource", (path,)))
            elif targets is not None and found[0] not in targets:
                issues.append(Issue("value", f"'#{local_id}' refers to {found[0]}, but must refer to "
                                    f"{describe_targets(targets)}", (path,)))
        for cid, (_, path) in scope.contained.items():
            if cid not in referenced and cid not in refer_back:
                issues.append(Issue("invariant", f"dom-3: the contained resource '{cid}' is not referenced "
                                    "from the rest of the resource", (path,)))

    # -- elements ---------------------------------------------------------------------------------

    def walk(self, obj: dict[str, Any], node: Node, path: str, issues: list[Issue], scope: Scope) -> None:
        elems = node.elems
        choices = node.choices
        chosen: dict[str, str] | None = None
        for key, value in obj.items():
            elem = elems.get(key)
            if elem is None:
                self._other_key(obj, key, value, node, path, issues, scope)
                continue
            if choices and key in choices:
                name = choices[key]
                chosen = chosen if chosen is not None else {}
                if name in chosen:
                    issues.append(Issue("structure", f"{name}[x] appears twice ({chosen[name]} and {key})",
                                        (f"{path}.{name}",)))
                chosen[name] = key
            prim = elem.prim
            if prim is not None and not elem.many and value is not None and type(value) is not list \
                    and prim(value) is None and (elem.codes is None or value in elem.codes) \
                    and not (elem.is_local_uri and value[:1] == "#"):
                continue  # a valid single primitive: _primitive_item would add nothing (see _plain)
            at = path + elem.dot_name
            if elem.many:
                if type(value) is not list:
                    issues.append(Issue("structure", f"{elem.key} must be a JSON array", (at,)))
                    continue
                if not value:
                    issues.append(Issue("structure", "ele-1: an empty array is not allowed: leave the element out", (at,)))
                    continue
                if elem.max is not None and len(value) > elem.max:
                    issues.append(Issue("structure", f"{elem.key} allows at most {_plural(elem.max)}, "
                                        f"found {len(value)}", (at,)))
                if prim is not None:
                    for i, item in enumerate(value):
                        if item is None or not _plain(elem, prim, item):
                            self._primitive_item(elem, item, f"{at}[{i}]", obj, i, issues, scope)
                else:
                    for i, item in enumerate(value):
                        self._complex(elem, item, f"{at}[{i}]", issues, scope)
            elif type(value) is list:
                issues.append(Issue("structure", f"{elem.key} is a single value, not an array", (at,)))
            elif prim is not None:
                self._primitive_item(elem, value, at, obj, None, issues, scope)
            else:
                self._complex(elem, value, at, issues, scope)
        for name, keys in node.required:
            for k in keys:
                if k in obj:
                    break
            else:
                issues.append(Issue("required", f"{name} is required", (f"{path}.{name}",)))
        for check in node.checks:
            check(obj, path, issues)

    def _primitive_item(self, elem: Elem, value: Any, at: str, obj: dict[str, Any], index: int | None,
                        issues: list[Issue], scope: Scope) -> None:
        if value is None:
            # null is only a placeholder in an array whose _element carries the extensions.
            ext = obj.get("_" + elem.key)
            if index is None or type(ext) is not list or index >= len(ext) or ext[index] is None:
                issues.append(Issue("structure", "null is not a value: leave the element out", (at,)))
            return
        assert elem.prim is not None
        problem = elem.prim(value)
        if problem is not None:
            issues.append(Issue("value", problem, (at,)))
            return
        if elem.codes is not None and value not in elem.codes:
            issues.append(Issue("code-invalid", f"'{value}' is not in the required value set {elem.value_set}"
                                f"{_allowed(elem.codes)}", (at,)))
        elif elem.is_local_uri and value[:1] == "#":
            kind = "canonical" if elem.type == "canonical" else "uri"
            scope.local_refs.append((value[1:], None, at, scope.origin, kind))

    def _complex(self, elem: Elem, item: Any, at: str, issues: list[Issue], scope: Scope) -> None:
        if type(item) is not dict:
            issues.append(Issue("structure", f"{elem.key} must be a JSON object ({elem.type})", (at,)))
            return
        if elem.is_resource:
            if elem.key == "contained":
                self._contained(item, at, issues, scope)
            else:
                self.resource(item, at, issues, scope.bundle_urls)
            return
        if not item or (len(item) == 1 and "id" in item):
            issues.append(Issue("invariant", "ele-1: an element must have a value or children", (at,)))
            return
        assert elem.node is not None
        self.walk(item, elem.node, at, issues, scope)
        if elem.type == "Reference":
            self._reference(elem, item, at, issues, scope)
        elif elem.codings is not None:
            self._coded(elem, item, at, issues)

    def _other_key(self, obj: dict[str, Any], key: str, value: Any, node: Node, path: str,
                   issues: list[Issue], scope: Scope) -> None:
        if key == "resourceType" and node.is_resource:
            return
        if key[:1] == "_":
            elem = node.elems.get(key[1:])
            if elem is not None and elem.prim is not None:
                self._primitive_extension(elem, value, obj, path + elem.dot_name, issues, scope)
                return
        hint = ""
        if node.choices and key[:1].islower():
            stems = {name for name in node.choices.values() if key.startswith(name)}
            if stems:
                hint = f" ({stems.pop()}[x] does not allow this type)"
        issues.append(Issue("structure", f"unknown element '{key}' in {node.name}{hint}", (f"{path}.{key}",)))

    def _primitive_extension(self, elem: Elem, value: Any, obj: dict[str, Any], at: str,
                             issues: list[Issue], scope: Scope) -> None:
        """``_birthDate``: the id and extensions of a primitive, located at the primitive itself."""
        if not elem.many:
            items: list[tuple[str, Any]] = [(at, value)]
        elif type(value) is not list:
            issues.append(Issue("structure", f"_{elem.key} must be a JSON array", (at,)))
            return
        else:
            values = obj.get(elem.key)
            if type(values) is list and len(values) != len(value):
                issues.append(Issue("structure", f"_{elem.key} must have as many items as {elem.key}", (at,)))
            items = [(f"{at}[{i}]", v) for i, v in enumerate(value) if v is not None]
        for where, item in items:
            if type(item) is not dict:
                issues.append(Issue("structure", f"_{elem.key} must hold JSON objects (id and extension)", (where,)))
            elif not item:
                issues.append(Issue("invariant", "ele-1: an element must have a value or children", (where,)))
            else:
                self.walk(item, self.element, where, issues, scope)

    # -- bindings and references ------------------------------------------------------------------

    def _coded(self, elem: Elem, item: dict[str, Any], at: str, issues: list[Issue]) -> None:
        assert elem.codings is not None
        codings = item.get("coding") if elem.type == "CodeableConcept" else [item]
        if type(codings) is not list:
            issues.append(Issue("code-invalid", f"a code from the required value set {elem.value_set} is needed", (at,)))
            return
        for coding in codings:
            if type(coding) is dict:
                system, code = coding.get("system"), coding.get("code")
                if type(system) is str and type(code) is str and (system, code) in elem.codings:
                    return
        issues.append(Issue("code-invalid", f"no code is from the required value set {elem.value_set}", (at,)))

    def _reference(self, elem: Elem, item: dict[str, Any], at: str, issues: list[Issue], scope: Scope) -> None:
        declared = item.get("type")
        if type(declared) is str and elem.targets is not None:
            # Reference.type is a type name or, for resources, its StructureDefinition URL.
            name = declared.removeprefix("http://hl7.org/fhir/StructureDefinition/")
            if name in self.tables.resource_types and name not in elem.targets:
                issues.append(Issue("value", f"type {declared} is not allowed here: must be "
                                    f"{describe_targets(elem.targets)}", (at + ".type",)))
        reference = item.get("reference")
        if type(reference) is not str:
            return
        target = parse_reference(reference, scope.bundle_urls)
        where = at + ".reference"
        if target.problem is not None:
            issues.append(Issue("value", target.problem, (where,)))
        elif target.local_id is not None:
            scope.local_refs.append((target.local_id, elem.targets, where, scope.origin, "Reference"))
        elif target.type is None:
            return
        elif target.type not in self.tables.resource_types:
            if "://" not in reference:  # an absolute URL may point anywhere, even outside FHIR
                issues.append(Issue("value", f"'{target.type}' in '{reference}' is not an R4 resource type", (where,)))
        elif elem.targets is not None and target.type not in elem.targets:
            issues.append(Issue("value", f"{reference} refers to {target.type}, but must refer to "
                                    f"{describe_targets(elem.targets)}", (where,)))


def _plain(elem: Elem, prim: PrimitiveCheck, value: Any) -> bool:
    """Whether a primitive value (not None) is valid, in its value set, and no local reference:
    then _primitive_item would do nothing, and the walk skips building its path. It re-checks
    everything else, so the issues stay exactly what it reports."""
    if prim(value) is not None:
        return False
    codes = elem.codes
    if codes is not None and value not in codes:
        return False
    return not (elem.is_local_uri and value[:1] == "#")


def _allowed(codes: frozenset[str]) -> str:
    if len(codes) > 12:
        return ""
    return " (allowed: " + ", ".join(sorted(codes)) + ")"


def _full_urls(bundle: dict[str, Any]) -> dict[str, str] | None:
    """fullUrl -> resourceType of a Bundle's entries, to resolve urn:uuid references between them."""
    entries = bundle.get("entry")
    if type(entries) is not list:
        return None
    urls: dict[str, str] = {}
    for entry in entries:
        if type(entry) is dict:
            url, res = entry.get("fullUrl"), entry.get("resource")
            if type(url) is str and type(res) is dict and type(res.get("resourceType")) is str:
                urls[url] = res["resourceType"]
    return urls
