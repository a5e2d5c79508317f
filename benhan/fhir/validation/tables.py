"""The generated validation tables, compiled once into linked Node and Elem objects.

scripts/gen_validation_tables.py writes ``benhan/fhir/definitions/validation.json.gz``; this module
reads it on first use and turns every element record into an ``Elem`` whose checks are already
resolved (primitive check function, child Node, value-set codes, reference targets), so the walker
does dictionary look-ups only.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .extensions import compile_rules
from .primitives import PrimitiveCheck, build_checks

ARTEFACT = Path(__file__).resolve().parent.parent / "definitions" / "validation.json.gz"

# Types whose JSON value is a whole resource, validated by its own resourceType.
RESOURCE = "Resource"


class Node:
    """A complex type, resource or backbone element: what may appear inside its JSON object."""

    __slots__ = ("name", "elems", "required", "choices", "checks", "is_resource")

    def __init__(self, name: str, is_resource: bool = False) -> None:
        self.name = name  # "Patient", "Quantity", "Patient.contact": the key invariants attach to
        self.elems: dict[str, Elem] = {}
        # (element name for the diagnostics, JSON keys any one of which satisfies min >= 1)
        self.required: tuple[tuple[str, tuple[str, ...]], ...] = ()
        # choice JSON key -> element name, to catch valueString and valueQuantity side by side
        self.choices: dict[str, str] = {}
        self.checks: tuple[Callable[..., None], ...] = ()
        self.is_resource = is_resource


class Elem:
    """One JSON key of a Node, with everything needed to check its value."""

    __slots__ = ("key", "name", "dot_name", "type", "min", "max", "many", "prim", "node",
                 "codes", "codings", "value_set", "targets", "is_resource", "is_local_uri")

    def __init__(self, key: str, name: str, type_name: str, min_: int, max_: str) -> None:
        self.key = key
        self.name = name  # FHIRPath step: "gender", "value.ofType(Quantity)"
        self.dot_name = "." + name
        self.type = type_name
        self.min = min_
        self.max = None if max_ == "*" else int(max_)  # None: unbounded
        self.many = max_ != "1"  # R4 JSON: arrays exactly where the base definition allows > 1
        self.prim: PrimitiveCheck | None = None
        self.node: Node | None = None
        self.codes: frozenset[str] | None = None  # required binding on a code
        self.codings: frozenset[tuple[str, str]] | None = None  # required binding on Coding(s)
        self.value_set: str | None = None
        self.targets: frozenset[str] | None = None  # None: any resource type
        self.is_resource = type_name == RESOURCE
        self.is_local_uri = type_name in ("uri", "url", "canonical")


class Tables:
    """Everything compiled from the artefact; one instance per process."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.fhir_version: str = raw["fhirVersion"]
        self.resource_types = frozenset(raw["resources"])
        self.primitive_checks = build_checks(raw["primitives"])
        self.unexpanded: dict[str, str] = raw["unexpanded"]
        self._valuesets: dict[str, dict[str, list[str]]] = raw["valuesets"]
        self.extensions = compile_rules(raw["extensions"], self._valuesets)
        raw_types: dict[str, Any] = raw["types"]
        self.types: dict[str, Node] = {}
        self.paths: dict[str, Node] = {}  # "Questionnaire.item" -> Node, for contentReference
        pending: list[tuple[Elem, str]] = []
        for name, spec in raw_types.items():
            node = Node(name, is_resource=spec["kind"] == "resource")
            self.types[name] = node
        for name, spec in raw_types.items():
            self._fill(self.types[name], name, spec["elements"], pending)
        for elem, ref in pending:
            elem.node = self.paths[ref]
        if "id" in self.primitive_checks:
            # Resource.id is of type id (the snapshot records its FHIRPath type, string).
            for name in self.resource_types:
                self.types[name].elems["id"].prim = self.primitive_checks["id"]

    def _fill(self, node: Node, path: str, elements: dict[str, Any], pending: list[tuple[Elem, str]]) -> None:
        self.paths[path] = node
        required: list[tuple[str, tuple[str, ...]]] = []
        for name, record in elements.items():
            # contentReference records carry no type: they reuse a backbone element's children.
            types: list[str] = record.get("t", ["BackboneElement"])
            choice = bool(record.get("x"))
            keys: list[str] = []
            for type_name in types:
                key = name + type_name[0].upper() + type_name[1:] if choice else name
                step = f"{name}.ofType({type_name})" if choice else name
                elem = Elem(key, step, type_name, record["min"], record["max"])
                self._resolve(elem, record, f"{path}.{name}", pending)
                node.elems[key] = elem
                if choice:
                    node.choices[key] = name
                keys.append(key)
                if elem.prim is not None:
                    keys.append("_" + key)  # a primitive carried only by extensions counts
            if record["min"] > 0:
                required.append((name, tuple(keys)))
        node.required = tuple(required)

    def _resolve(self, elem: Elem, record: dict[str, Any], path: str, pending: list[tuple[Elem, str]]) -> None:
        if "cr" in record:
            pending.append((elem, record["cr"]))
        elif "c" in record:
            child = Node(path)
            self._fill(child, path, record["c"], pending)
            elem.node = child
        elif elem.type in self.primitive_checks:
            elem.prim = self.primitive_checks[elem.type]
        elif elem.type != RESOURCE:
            pending.append((elem, elem.type))
        if "r" in record and record["r"] != [RESOURCE]:
            elem.targets = frozenset(record["r"])
        vs = record.get("b")
        if vs and vs in self._valuesets:
            elem.value_set = vs
            systems = self._valuesets[vs]
            if elem.type == "code":
                elem.codes = frozenset(c for codes in systems.values() for c in codes)
            elif elem.type in ("Coding", "CodeableConcept"):
                elem.codings = frozenset((s, c) for s, codes in systems.items() for c in codes)

    def node_at(self, path: str) -> Node | None:
        """The Node of a type or backbone path such as "Patient" or "Patient.contact"."""
        return self.paths.get(path)


_tables: Tables | None = None
_lock = threading.Lock()


def tables() -> Tables:
    """The compiled tables, read from the artefact on first use."""
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                from .invariants import attach

                loaded = Tables(orjson.loads(gzip.decompress(ARTEFACT.read_bytes())))
                attach(loaded)
                _tables = loaded
    return _tables
