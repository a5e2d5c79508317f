"""The resource types the API stores: every concrete R4 type.

The list is generated from the official StructureDefinitions by scripts/gen_resource_types.py.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import orjson

_TABLE = Path(__file__).parent / "resource_types.json"


@cache
def resource_types() -> frozenset[str]:
    return frozenset(orjson.loads(_TABLE.read_bytes()))


def is_resource_type(name: str) -> bool:
    return name in resource_types()
