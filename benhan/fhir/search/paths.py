"""Evaluating search-parameter expressions over resource JSON.

Nearly every R4 expression is a simple path (`Patient.name`, `(Observation.value as Quantity)`,
`Encounter.subject.where(resolve() is Patient)`, `Patient.telecom.where(system='phone')`); the
generator compiles those into steps of JSON keys, and `_walk` follows them with plain dict and list
access, which is many times faster than a FHIRPath engine. The dozen expressions that are not
simple paths are evaluated by fhirpathpy, compiled once per expression.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Expression = Callable[[dict[str, Any]], list[Any]]


def _reference_type(value: Any) -> str:
    """The type a Reference points at (`resolve() is T` without resolving), or '' if unknown."""
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str):
            parts = ref.split("/_history")[0].rstrip("/").split("/")
            if len(parts) >= 2:
                return parts[-2]
        rtype = value.get("type")
        if isinstance(rtype, str):
            return rtype
    return ""


def _one_key(key: str) -> Expression:
    """`Type.key`, most of R4's expressions: one dict lookup, without the general step machinery."""

    def evaluate(resource: dict[str, Any]) -> list[Any]:
        if not isinstance(resource, dict):
            return []
        value = resource.get(key)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    return evaluate


def _path_expression(steps: list[dict[str, Any]]) -> Expression:
    if len(steps) == 1 and len(steps[0]["keys"]) == 1 and not steps[0].get("where") \
            and not steps[0].get("ref_types"):
        return _one_key(steps[0]["keys"][0])
    compiled = [
        (tuple(s["keys"]), tuple(s["where"]) if s.get("where") else None, tuple(s.get("ref_types", ())))
        for s in steps
    ]

    # The steps run in one loop, not as a function each: the indexer evaluates ~30 expressions per
    # resource on an import.
    def evaluate(resource: dict[str, Any]) -> list[Any]:
        nodes: list[Any] = [resource]
        for keys, where, ref_types in compiled:
            out: list[Any] = []
            for node in nodes:
                if not isinstance(node, dict):
                    continue
                for key in keys:
                    value = node.get(key)
                    if value is None:
                        continue
                    if isinstance(value, list):
                        out.extend(value)
                    else:
                        out.append(value)
            if where is not None:
                field, literal = where
                out = [v for v in out if isinstance(v, dict) and v.get(field) == literal]
            if ref_types:
                out = [v for v in out if _reference_type(v) in ref_types]
            nodes = out
            if not nodes:
                break
        return nodes

    return evaluate


def _fhirpath_expression(text: str) -> Expression:
    from fhirpathpy import compile as fp_compile
    from fhirpathpy.models import models

    compiled = fp_compile(text, models["r4"])

    def evaluate(resource: dict[str, Any]) -> list[Any]:
        try:
            result = compiled(resource, {})
        except Exception:  # fhirpathpy raises bare Exceptions on functions it lacks (e.g. resolve())
            return []
        return [v for v in result if v is not None] if isinstance(result, list) else []

    return evaluate


def compile_expression(parts: list[dict[str, Any]]) -> Expression:
    """One callable for the union (`|`) of compiled parts."""
    evaluators = [
        _path_expression(p["path"]) if "path" in p else _fhirpath_expression(p["fhirpath"]) for p in parts
    ]
    if len(evaluators) == 1:
        return evaluators[0]

    def union(resource: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for e in evaluators:
            out.extend(e(resource))
        return out

    return union
