"""`$export` kick-off at system, `Patient` and `Group/[id]` level (Bulk Data Access IG).

Thin: the work is in benhan.fhir.bulk.export (validation, recording, queueing) and
benhan.fhir.bulk.tasks (the worker writing NDJSON). Answers 202 with Content-Location: the status URL.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse

from ..bulk import export as exports
from ..errors import FhirError
from . import OperationCall, operation


def _request_url(call: OperationCall) -> str:
    base = str(settings.FHIR_BASE_URL)
    root = base[: -len("/fhir")] if base.endswith("/fhir") else base
    return root + call.request.get_full_path()


@operation("export", levels={"system", "type", "instance"}, types={"Patient", "Group"}, methods={"GET", "POST"})
def export(call: OperationCall) -> HttpResponse:
    if call.level == "system":
        level = "system"
    elif call.level == "type" and call.resource_type == "Patient":
        level = "patient"
    elif call.level == "instance" and call.resource_type == "Group":
        level = "group"
    else:
        raise FhirError(404, [exports.Issue("not-supported", "$export is offered at /$export, /Patient/$export "
                                            "and /Group/[id]/$export")])
    try:
        started = exports.start_export(
            call.repo, level=level, params=call.params, prefer=call.request.headers.get("Prefer", ""),
            request_url=_request_url(call), group_id=call.resource_id or "",
        )
    except FhirError as exc:
        if exc.status == 403:
            call.repo.audit_event("operation", outcome="4", resource_type=call.resource_type or "",
                                  resource_id=call.resource_id or "", query=_request_url(call), reason=str(exc))
        raise
    response = HttpResponse(status=202)
    response["Content-Location"] = exports.status_url(started)
    return response
