"""Node side of the patient index: every Patient written here is reported to the hub, in the same
transaction (through the outbox), so the provincial index never misses a record."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from benhan.fhir.store import Stored


def hub_code() -> str:
    return str(getattr(settings, "BENHAN_EXCHANGE_HUB", ""))


def report_patients(written: list[tuple[Stored, dict[str, Any] | None]]) -> None:
    hub = hub_code()
    if not hub:
        return
    from .outbox import enqueue
    from .patient_index import demographics_of

    for stored, resource in written:
        if stored.resource_type != "Patient" or resource is None or not stored.tenant or stored.tenant == hub:
            continue
        enqueue(stored.tenant, hub, "mpi.register", {"patient_id": stored.id, "demographics": demographics_of(resource)})
