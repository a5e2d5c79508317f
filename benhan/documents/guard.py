"""A signed document never changes: the store refuses a new version of a signed PDF or its Provenance.

The listener runs inside the writing transaction, so the refusal rolls the write back whatever
path (REST, bulk import, a workflow) attempted it. Corrections are new documents, never edits.
"""

from __future__ import annotations

from typing import Any

from ..fhir.errors import FhirError, Issue
from ..fhir.store import Stored
from .models import SignedDocument


def refuse_changes_to_signed_bytes(written: list[tuple[Stored, dict[str, Any] | None]]) -> None:
    for stored, _resource in written:
        if stored.version_id == 1 or stored.resource_type not in ("Binary", "Provenance"):
            continue
        field = "binary_id" if stored.resource_type == "Binary" else "provenance_id"
        if SignedDocument.objects.filter(**{field: stored.id}).exists():
            raise FhirError(409, [Issue(
                "business-rule",
                f"{stored.reference} thuộc một giấy tờ đã ký số và không được sửa; hãy lập bản đính chính",
            )])
