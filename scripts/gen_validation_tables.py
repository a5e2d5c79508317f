"""Generate benhan/fhir/definitions/validation.json.gz from the official R4 definitions.

The validator (benhan.fhir.validation) walks resources against these tables instead of the
StructureDefinitions themselves: a StructureDefinition snapshot is ~100 times larger than what
validation needs, and reading it at every start would cost seconds.

Tables written:
- ``types``: for each resource and complex data type (base definitions only, no profiles), its
  elements as a tree keyed by element name: min, max, type codes, required binding, reference
  targets, and either inline children (backbone elements) or a contentReference path.
- ``primitives``: for each primitive type, its JSON kind and the regex from the definition.
- ``extensions``: for each extension defined in the package, the types its value[x] may take
  (none for a complex extension), a required binding, and the same for its nested extensions.
- ``valuesets``: each value set bound with strength "required" anywhere in those types, expanded
  from the package's ValueSet and CodeSystem resources as ``{system: [codes]}``.
- ``unexpanded``: the required value sets we could not expand from the package, with the reason;
  their bindings are not checked.

Run scripts/fetch_fhir_package.sh first.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "build" / "fhir-r4" / "package"
OUT = ROOT / "benhan" / "fhir" / "definitions" / "validation.json.gz"

FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"
SD_PREFIX = "http://hl7.org/fhir/StructureDefinition/"
# FHIRPath system types only appear for the few elements whose FHIR type is given by extension;
# these are the fallbacks when the extension is missing.
SYSTEM_TYPES = {
    "http://hl7.org/fhirpath/System.String": "string",
    "http://hl7.org/fhirpath/System.Boolean": "boolean",
    "http://hl7.org/fhirpath/System.Integer": "integer",
    "http://hl7.org/fhirpath/System.Decimal": "decimal",
    "http://hl7.org/fhirpath/System.Date": "date",
    "http://hl7.org/fhirpath/System.DateTime": "dateTime",
    "http://hl7.org/fhirpath/System.Time": "time",
}
JSON_KINDS = {"boolean": "boolean", "integer": "integer", "positiveInt": "integer",
              "unsignedInt": "integer", "decimal": "decimal"}


def _load(pattern: str) -> Iterable[dict[str, Any]]:
    for f in sorted(PACKAGE.glob(pattern)):
        yield json.loads(f.read_text(encoding="utf-8"))


def _type_code(t: dict[str, Any]) -> str:
    code: str = t["code"]
    if code.startswith("http://hl7.org/fhirpath/"):
        for ext in t.get("extension", []):
            if ext.get("url") == FHIR_TYPE_EXT:
                return str(ext.get("valueUrl") or ext.get("valueUri"))
        return SYSTEM_TYPES.get(code, "string")
    return code


def _is_base_definition(sd: dict[str, Any]) -> bool:
    if sd.get("kind") not in ("resource", "complex-type"):
        return False
    if sd.get("derivation") == "constraint":
        return False
    return sd["id"] == sd["type"]


def _targets(types: list[dict[str, Any]], profile_types: dict[str, str]) -> list[str]:
    targets: list[str] = []
    for t in types:
        if t["code"] != "Reference":
            continue
        for url in t.get("targetProfile", []):
            name = profile_types.get(url, url.rsplit("/", 1)[-1])
            if name not in targets:
                targets.append(name)
    return ["Resource"] if "Resource" in targets else targets


def _element_tree(sd: dict[str, Any], profile_types: dict[str, str], bindings: set[str]) -> dict[str, Any]:
    """The snapshot as nested ``{name: record}``; records of backbone elements carry ``c``."""
    elements = sd["snapshot"]["element"]
    root_path = elements[0]["path"]
    nodes: dict[str, dict[str, Any]] = {root_path: {}}
    for el in elements[1:]:
        path: str = el["path"]
        parent, _, name = path.rpartition(".")
        record: dict[str, Any] = {"min": el["min"], "max": el["max"]}
        if name.endswith("[x]"):
            name = name[:-3]
            record["x"] = 1
        if "contentReference" in el:
            record["cr"] = el["contentReference"].lstrip("#")
        else:
            record["t"] = [_type_code(t) for t in el.get("type", [])]
            targets = _targets(el.get("type", []), profile_types)
            if targets:
                record["r"] = targets
        binding = el.get("binding") or {}
        if binding.get("strength") == "required" and binding.get("valueSet"):
            vs = binding["valueSet"].split("|", 1)[0]
            record["b"] = vs
            bindings.add(vs)
        if parent not in nodes:
            raise SystemExit(f"{sd['id']}: {path} comes before its parent")
        nodes[parent][name] = record
        nodes[path] = record.setdefault("c", {})
    _drop_empty_children(nodes[root_path])
    return nodes[root_path]


def _drop_empty_children(node: dict[str, Any]) -> None:
    for record in node.values():
        if not record["c"]:
            del record["c"]
        else:
            _drop_empty_children(record["c"])


def _value_rule(element: dict[str, Any] | None, bindings: set[str]) -> dict[str, Any]:
    """What an extension's value[x] may be: ``{"t": [types]}``, ``{"t": []}`` when it takes none."""
    if element is None or element["max"] == "0":
        return {"t": []}
    rule: dict[str, Any] = {"t": [_type_code(t) for t in element.get("type", [])]}
    binding = element.get("binding") or {}
    if binding.get("strength") == "required" and binding.get("valueSet"):
        rule["b"] = binding["valueSet"].split("|", 1)[0]
        bindings.add(rule["b"])
    return rule


def _extension(sd: dict[str, Any], bindings: set[str]) -> dict[str, Any]:
    """An extension definition: its own value rule, and those of its nested extensions by url."""
    elements = {e["id"]: e for e in sd["snapshot"]["element"]}
    rule = _value_rule(elements.get("Extension.value[x]"), bindings)
    parts: dict[str, Any] = {}
    for eid, element in elements.items():
        if eid.startswith("Extension.extension:") and "." not in eid[len("Extension.extension:"):]:
            url = elements.get(f"{eid}.url", {}).get("fixedUri")
            if url and element["max"] != "0":
                parts[url] = _value_rule(elements.get(f"{eid}.value[x]"), bindings)
    if parts:
        rule["parts"] = parts
    return rule


def _primitive(sd: dict[str, Any]) -> dict[str, Any]:
    value = next(e for e in sd["snapshot"]["element"] if e["path"] == f"{sd['id']}.value")
    regex = None
    for ext in value["type"][0].get("extension", []):
        if ext.get("url") == REGEX_EXT:
            regex = ext["valueString"]
    return {"json": JSON_KINDS.get(sd["id"], "string"), "regex": regex}


class ValueSetExpander:
    """Expands value sets from the package's own ValueSet and CodeSystem resources only."""

    def __init__(self) -> None:
        self.valuesets = {vs["url"]: vs for vs in _load("ValueSet-*.json")}
        self.codesystems = {cs["url"]: cs for cs in _load("CodeSystem-*.json")}

    def expand(self, url: str, seen: frozenset[str] = frozenset()) -> dict[str, set[str]]:
        """``{system: codes}``; raises ValueError with the reason when the package cannot tell."""
        if url in seen:
            raise ValueError(f"value set {url} includes itself")
        vs = self.valuesets.get(url)
        if vs is None:
            raise ValueError("value set not in the package")
        if "compose" not in vs:
            raise ValueError("value set has no compose")
        codes: dict[str, set[str]] = {}
        for include in vs["compose"].get("include", []):
            for system, found in self._include(include, seen | {url}).items():
                codes.setdefault(system, set()).update(found)
        for exclude in vs["compose"].get("exclude", []):
            for system, found in self._include(exclude, seen | {url}).items():
                codes.get(system, set()).difference_update(found)
        return codes

    def _include(self, include: dict[str, Any], seen: frozenset[str]) -> dict[str, set[str]]:
        result: dict[str, set[str]] | None = None
        system = include.get("system")
        if system:
            if "concept" in include:
                found = {c["code"] for c in include["concept"]}
            else:
                found = self._system_codes(system, include.get("filter", []))
            result = {system: found}
        for vs_url in include.get("valueSet", []):
            other = self.expand(vs_url.split("|", 1)[0], seen)
            result = other if result is None else {
                s: result[s] & other[s] for s in result.keys() & other.keys()}
        return result or {}

    def _system_codes(self, system: str, filters: list[dict[str, Any]]) -> set[str]:
        cs = self.codesystems.get(system)
        if cs is None:
            raise ValueError(f"code system {system} not in the package")
        if cs.get("content") != "complete":
            raise ValueError(f"code system {system} content is {cs.get('content')}")
        tree = cs.get("concept", [])
        if not filters:
            return set(_codes(tree))
        found: set[str] | None = None
        for f in filters:
            if f.get("property") == "concept" and f.get("op") in ("is-a", "descendent-of"):
                sub = _subtree(tree, f["value"])
                if sub is None:
                    raise ValueError(f"filter value {f['value']} not in {system}")
                # descendent-of excludes the concept itself, is-a includes it.
                codes = set(_codes(sub["concept"] if f["op"] == "descendent-of" else [sub]))
            else:
                raise ValueError(f"filter {f.get('property')} {f.get('op')} not supported")
            found = codes if found is None else found & codes
        return found or set()


def _codes(concepts: list[dict[str, Any]]) -> Iterable[str]:
    for c in concepts:
        yield c["code"]
        yield from _codes(c.get("concept", []))


def _subtree(concepts: list[dict[str, Any]], code: str) -> dict[str, Any] | None:
    for c in concepts:
        if c["code"] == code:
            return {"code": code, "concept": c.get("concept", [])}
        found = _subtree(c.get("concept", []), code)
        if found is not None:
            return found
    return None


def main(argv: list[str] | None = None) -> int:
    """Write the tables to OUT, or to the path given as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    if not PACKAGE.is_dir():
        print(f"{PACKAGE} missing: run scripts/fetch_fhir_package.sh", file=sys.stderr)
        return 1
    definitions = list(_load("StructureDefinition-*.json"))
    profile_types = {sd["url"]: sd["type"] for sd in definitions}
    bindings: set[str] = set()
    types: dict[str, Any] = {}
    resources: list[str] = []
    primitives: dict[str, Any] = {}
    extensions: dict[str, Any] = {}
    for sd in definitions:
        if sd["type"] == "Extension" and sd.get("derivation") == "constraint":
            extensions[sd["url"]] = _extension(sd, bindings)
        elif sd["kind"] == "primitive-type":
            primitives[sd["id"]] = _primitive(sd)
        elif _is_base_definition(sd):
            types[sd["id"]] = {"kind": sd["kind"], "abstract": bool(sd.get("abstract")),
                               "elements": _element_tree(sd, profile_types, bindings)}
            if sd["kind"] == "resource" and not sd.get("abstract"):
                resources.append(sd["id"])
    expander = ValueSetExpander()
    valuesets: dict[str, dict[str, list[str]]] = {}
    unexpanded: dict[str, str] = {}
    for url in sorted(bindings):
        try:
            expansion = expander.expand(url)
        except ValueError as exc:
            unexpanded[url] = str(exc)
            continue
        if not any(expansion.values()):
            unexpanded[url] = "expansion is empty"
            continue
        valuesets[url] = {s: sorted(c) for s, c in sorted(expansion.items()) if c}
    table = {"fhirVersion": "4.0.1", "resources": sorted(resources), "types": types,
             "primitives": primitives, "extensions": dict(sorted(extensions.items())),
             "valuesets": valuesets, "unexpanded": unexpanded}
    out.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(table, separators=(",", ":"), ensure_ascii=False).encode()
    # Elements keep definition order (issues are reported in that order); mtime=0 keeps the
    # artefact byte-identical between runs, so regenerating shows no git diff.
    out.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{out}: {len(resources)} resource types, {len(types)} types, {len(extensions)} extensions, "
          f"{len(valuesets)} required value sets expanded, {len(unexpanded)} not expandable, "
          f"{out.stat().st_size // 1024} KiB")
    for url, reason in unexpanded.items():
        print(f"  not expanded: {url}: {reason}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
