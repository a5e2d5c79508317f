"""HTTP views of bulk export: the status URL (GET polls, DELETE cancels) and the NDJSON files.

Both authenticate like the FHIR API (benhan.fhir.rest.auth) and answer only the caller that
started the export.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from .. import audit
from ..errors import FhirError, Issue
from ..rest.auth import authenticate, client_ip
from ..rest.render import error_response
from . import export as exports

JSON = "application/json"


@csrf_exempt  # token-authenticated; a session DELETE still needs CSRF, checked by authenticate()
def status(request: HttpRequest, export_id: str) -> HttpResponse:
    try:
        actor = authenticate(request)
        export = exports.owned_export(actor, export_id)
        if request.method == "DELETE":
            exports.cancel_export(export)
            audit.record(actor, "operation", resource_type="", query=f"DELETE {request.path}",
                         source_ip=client_ip(request))
            return HttpResponse(status=202)
        if request.method not in ("GET", "HEAD"):
            raise FhirError(405, [Issue("not-supported", "the status URL takes GET or DELETE")])
        code, headers, body = exports.status_response(export)
        response = HttpResponse(body, status=code, content_type=JSON if body else None)
        for name, value in headers.items():
            response[name] = value
        return response
    except FhirError as exc:
        return error_response(exc)


def file(request: HttpRequest, export_id: str, name: str) -> HttpResponseBase:
    try:
        actor = authenticate(request)
        export = exports.owned_export(actor, export_id)
        path = exports.file_path(export, name)
    except FhirError as exc:
        return error_response(exc)
    # Exported data leaves the server here: one audit entry per file fetched.
    audit.record(actor, "operation", resource_type=name.split("-", 1)[0].split(".", 1)[0],
                 query=f"GET {request.path}", source_ip=client_ip(request))
    return FileResponse(path.open("rb"), content_type=exports.NDJSON)
