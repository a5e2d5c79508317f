"""The PATCH interaction with JSON Patch (RFC 6902), applied to the current version.

A patch may not change what the resource is (its type or id) and may not write the meta the server
keeps (versionId, lastUpdated); everything else is checked by validation of the result.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import FhirError, Issue

_PROTECTED = ("/resourceType", "/id", "/meta/versionId", "/meta/lastUpdated")


def apply_json_patch(resource: dict[str, Any], operations: Any) -> dict[str, Any]:
    import jsonpatch
    import jsonpointer

    if not isinstance(operations, list):
        raise FhirError(400, [Issue("structure", "a JSON Patch body is an array of operations")])
    for i, op in enumerate(operations):
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise FhirError(400, [Issue("structure", f"patch operation {i} needs 'op' and 'path'")])
        path = str(op["path"])
        if op["op"] != "test" and any(path == p or path.startswith(p + "/") for p in _PROTECTED):
            raise FhirError(422, [Issue("processing", f"patch operation {i} may not change {path}")])
    try:
        patched = jsonpatch.JsonPatch(operations).apply(copy.deepcopy(resource))
    except jsonpatch.JsonPatchTestFailed as exc:
        raise FhirError(422, [Issue("processing", f"a JSON Patch test failed: {exc}")]) from exc
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise FhirError(422, [Issue("processing", f"the JSON Patch cannot be applied: {exc}")]) from exc
    if not isinstance(patched, dict):
        raise FhirError(422, [Issue("processing", "the patched document is not a resource")])
    return patched
