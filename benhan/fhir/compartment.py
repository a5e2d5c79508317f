"""Membership of the Patient compartment, from the official R4 CompartmentDefinition.

The table (definitions/patient_compartment.json, made by scripts/gen_compartment.py) lists, per
resource type, the element paths whose references put a resource in a patient's compartment.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson

_TABLE = Path(__file__).parent / "definitions" / "patient_compartment.json"


@cache
def compartment_paths() -> dict[str, list[list[str]]]:
    table = orjson.loads(_TABLE.read_bytes())
    return {rtype: [p.split(".") for p in paths] for rtype, paths in table.items()}


@cache
def in_patient_compartment_types() -> frozenset[str]:
    return frozenset(compartment_paths()) | {"Patient"}


def _walk(node: Any, path: list[str], out: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, path, out)
        return
    if not isinstance(node, dict):
        return
    if not path:
        ref = node.get("reference")
        if isinstance(ref, str) and ref.startswith("Patient/"):
            out.add(ref[len("Patient/") :].split("/_history")[0])
        return
    if path[0] in node:
        _walk(node[path[0]], path[1:], out)


def patient_ids_of(resource: dict[str, Any]) -> set[str]:
    """The ids of the patients in whose compartment this resource lies."""
    rtype = resource.get("resourceType", "")
    out: set[str] = set()
    if rtype == "Patient" and isinstance(resource.get("id"), str):
        out.add(resource["id"])
    for path in compartment_paths().get(rtype, ()):
        _walk(resource, path, out)
    return out
