"""`$validate` at type and instance level: check a resource against R4 without storing it.

The answer is always 200 with an OperationOutcome (the outcome is the result, not an error); a
malformed request (no resource, another resource type) is a 400.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from ..errors import FhirError, Issue, operation_outcome
from ..repository import validate
from ..rest.render import CONTENT_TYPE, dumps
from . import OperationCall, operation

MODES = ("create", "update", "delete")


def _resource_of(body: Any) -> Any:
    """The resource to check: the body itself, or the `resource` parameter of a Parameters body."""
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        for p in body.get("parameter") or ():
            if isinstance(p, dict) and p.get("name") == "resource":
                return p.get("resource")
        return None
    return body


def validate_call(call: OperationCall) -> list[Issue]:
    mode = next((v for k, v in call.params if k == "mode"), "")
    if mode and mode not in MODES:
        raise FhirError(400, [Issue("invalid", f"mode={mode} is not one of {', '.join(MODES)}", ("mode",))])
    if call.resource_id and call.resource_type:
        # The instance must exist and be visible to the caller (an audited read).
        call.repo.read(call.resource_type, call.resource_id)
        if mode == "delete":
            return []
    resource = _resource_of(call.body)
    if resource is None:
        raise FhirError(400, [Issue("required", "$validate needs a resource in the body (or a 'resource' parameter)")])
    if isinstance(resource, dict) and call.resource_type and resource.get("resourceType") != call.resource_type:
        raise FhirError(400, [Issue("invalid", f"resourceType is '{resource.get('resourceType')}' but the URL names "
                                    f"{call.resource_type}", ("resourceType",))])
    issues = validate(resource)
    if call.resource_id and isinstance(resource, dict) and resource.get("id") not in (None, call.resource_id):
        issues.append(Issue("invalid", f"the resource id '{resource.get('id')}' differs from the URL id",
                            (f"{call.resource_type}.id",)))
    if mode == "update" and isinstance(resource, dict) and "id" not in resource:
        issues.append(Issue("required", "an update needs the resource id", (f"{call.resource_type}.id",)))
    return issues


@operation("validate", levels={"type", "instance"}, methods={"POST"})
def validate_operation(call: OperationCall) -> HttpResponse:
    issues = validate_call(call)
    call.repo.audit_event("operation", resource_type=call.resource_type or "", resource_id=call.resource_id or "",
                          query="$validate")
    if not any(i.severity in ("error", "fatal") for i in issues):
        issues = [*issues, Issue("informational", "no errors found", severity="information")]
    return HttpResponse(dumps(operation_outcome(issues)), content_type=CONTENT_TYPE)
