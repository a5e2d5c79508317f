"""`Patient/[id]/$everything` and `Patient/$everything` (thin: parse, call, audit, respond)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse

from ..bulk import everything as logic
from ..bulk.params import date_window, instant_param, int_param, types_param
from ..errors import FhirError
from . import OperationCall, operation

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


@operation("everything", levels={"type", "instance"}, types={"Patient"}, methods={"GET", "POST"})
def patient_everything(call: OperationCall) -> HttpResponse:
    repo = call.repo
    patient_id = call.resource_id if call.level == "instance" else None
    query_text = "$everything" + ("?" + "&".join(f"{k}={v}" for k, v in call.params) if call.params else "")
    try:
        start, end = date_window(call.params)
        q = logic.EverythingQuery(
            patient_id=patient_id,
            types=types_param(call.params),
            since=instant_param(call.params, "_since"),
            start=start,
            end=end,
            count=int_param(call.params, "_count", logic.DEFAULT_COUNT, 1, logic.MAX_COUNT),
            offset=int_param(call.params, "_offset", 0, 0, 10**9),
            params=call.params,
        )
        page = logic.everything_page(repo, q, settings.FHIR_BASE_URL)
    except FhirError as exc:
        if exc.status == 403:
            repo.audit_event("operation", outcome="4", resource_type="Patient", resource_id=patient_id or "",
                             patient_id=patient_id or "", query=query_text, reason=str(exc))
        raise
    # One audit entry per patient whose record the page discloses (one, at instance level).
    for pid in page.patient_ids:
        repo.audit_event("operation", resource_type="Patient", resource_id=pid, patient_id=pid, query=query_text)
    return HttpResponse(page.body, content_type=CONTENT_TYPE)
