"""PIXm identifier cross-reference at the hub: `GET /fhir/Patient/$ihe-pix?sourceIdentifier=system|value`.

Answers the same person's records at the other facilities as a Parameters resource (targetIdentifier
per record: system https://benhan.vn/fhir/sid/patient/<facility>, value the patient id), optionally
only those of `targetSystem`. Needs a read scope on Patient; every call is audited.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from benhan.fhir.access import READ
from benhan.fhir.errors import FhirError, Issue
from benhan.fhir.operations import OperationCall, operation
from benhan.fhir.rest.render import CONTENT_TYPE, dumps

from .patient_index import RECORD_SYSTEM_PREFIX, cross_references, record_by_identifier


@operation("ihe-pix", levels={"type"}, types={"Patient"}, methods={"GET"})
def ihe_pix(call: OperationCall) -> HttpResponse:
    call.repo.policy.check_type(call.repo.actor, "Patient", READ)
    source = next((v for k, v in call.params if k == "sourceIdentifier"), "")
    targets = {v for k, v in call.params if k == "targetSystem"}
    if "|" not in source:
        raise FhirError(400, [Issue("required", "sourceIdentifier must be system|value", ("sourceIdentifier",))])
    system, value = source.split("|", 1)
    record = record_by_identifier(system, value)
    if record is None:
        raise FhirError(404, [Issue("not-found", f"no patient with identifier {source} in the index", ("sourceIdentifier",))])
    parameters: list[dict[str, Any]] = []
    for other in [record, *cross_references(record.facility, record.patient_id)]:
        target_system = RECORD_SYSTEM_PREFIX + other.facility
        if (targets and target_system not in targets) or other.pk == record.pk and system.startswith(RECORD_SYSTEM_PREFIX):
            continue
        parameters.append({"name": "targetIdentifier", "valueIdentifier": {"system": target_system, "value": other.patient_id}})
    call.repo.audit_event("operation", resource_type="Patient", query=f"$ihe-pix sourceIdentifier={source}")
    return HttpResponse(dumps({"resourceType": "Parameters", "parameter": parameters}), content_type=CONTENT_TYPE)
