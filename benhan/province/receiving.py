"""Hub side: apply a facility's report idempotently (the same message twice, or an older report after a
newer one, changes nothing) and keep the facility's status for the month of the report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from benhan.exchange.inbox import handler
from benhan.exchange.messages import Message
from benhan.fhir.repository import Repository

from .criteria import clean, status_of
from .models import FacilityReport, StatusMonth
from .reporting import KIND


class ReportRefused(ValueError):
    """A report that cannot be applied (the exchange answers `failed` and the sender retries)."""


def apply_report(sender: str, body: dict[str, Any], message_id: str = "") -> dict[str, Any]:
    if body.get("facility") != sender:
        # The exchange authenticated the sender; a node reports only for itself.
        raise ReportRefused(f"report for {body.get('facility')!r} sent by {sender!r}")
    as_of = datetime.fromisoformat(str(body["as_of"]))
    answers = clean(body.get("answers") or {})
    status = status_of(answers)  # recomputed here: the hub's rule, whatever the node's version said
    province = str(body.get("province", ""))[:8]
    local = timezone.localtime(as_of)
    month = f"{local.year:04d}-{local.month:02d}"
    in_month = StatusMonth.objects.select_for_update().filter(facility=sender, month=month).first()
    if in_month is None or in_month.as_of < as_of:
        StatusMonth.objects.update_or_create(facility=sender, month=month,
                                             defaults={"province": province, "status": status, "as_of": as_of})
    current = FacilityReport.objects.select_for_update().filter(facility=sender).first()
    if current is not None and current.as_of >= as_of:
        return {"applied": False, "reason": "older or same report"}
    FacilityReport.objects.update_or_create(facility=sender, defaults={
        "name": str(body.get("name", ""))[:255], "province": province, "status": status,
        "answers": answers, "figures": list(body.get("figures") or []), "as_of": as_of, "message_id": message_id,
    })
    return {"applied": True, "status": status}


@handler(KIND)
def _receive(repo: Repository, message: Message) -> dict[str, Any]:
    del repo  # figures are counts, not clinical data: nothing is written to a patient's record
    return apply_report(message.sender, message.body, message.id)
