"""Activation of a requested Subscription (a job, after the subscriber's write commits): check that
its creator may read what it asks for, optionally shake hands with the endpoint, then active or error.
Activating again (a subscriber sets an errored Subscription back to requested) resends the
notifications that were held back while it was in error: nothing is lost."""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from benhan.exchange.outbox import retry_dead
from benhan.fhir.access import DEFAULT_POLICY, READ
from benhan.jobs.registry import job_handler

from .delivery import header_dict
from .matching import destination
from .models import Registration
from .owner import creator
from .status import set_status

KIND = "subscriptions.activate"


def handshake(registration: Registration) -> str:
    """An empty POST to the endpoint (as a notification without payload); the problem, or ""."""
    try:
        with httpx.Client(timeout=float(getattr(settings, "BENHAN_EXCHANGE_TIMEOUT", 20.0))) as client:
            answer = client.post(registration.endpoint, content=b"", headers=header_dict(registration))
    except httpx.HTTPError as exc:
        return f"handshake failed: {type(exc).__name__}: {exc}"
    return "" if 200 <= answer.status_code < 300 else f"handshake failed: HTTP {answer.status_code}"


def activate(subscription_id: str) -> str:
    registration = Registration.objects.filter(subscription_id=subscription_id).first()
    if registration is None or registration.status != Registration.Status.REQUESTED:
        return registration.status if registration else "deleted"
    owner = creator(subscription_id)
    if owner is None:
        problem = "the Subscription's creator is unknown or no longer active"
    elif not any(s.allows(registration.resource_type, READ) for s in owner.scopes) \
            or not DEFAULT_POLICY.tenant_visible(owner, registration.tenant):
        problem = f"the creator may not read {registration.resource_type} of facility {registration.tenant}"
    else:
        Registration.objects.filter(pk=registration.pk).update(
            owner_kind=owner.kind, owner_id=owner.id, owner_display=owner.display[:255],
            owner_scopes=" ".join(f"{s.context}/{s.resource_type}.{'read' if s.read and not s.write else 'write' if not s.read else '*'}"
                                  for s in owner.scopes))
        problem = handshake(registration) if registration.handshake else ""
    status = Registration.Status.ERROR if problem else Registration.Status.ACTIVE
    if set_status(registration, status, problem) and not problem:
        retry_dead(destination=destination(subscription_id))
    return str(status)


@job_handler(KIND, max_attempts=3)
def run_activation(ctx: Any) -> dict[str, str]:
    return {"status": activate(str(ctx.payload["id"]))}
