"""Sending a Subscription's notifications: the outbox transport for destinations "sub:<id>".

Each notification is one HTTP request to the subscriber's endpoint with its channel headers: an
empty POST, an id-only history Bundle POSTed, or the resource version PUT to [endpoint]/[type]/[id]
(read through the repository as the Subscription's creator, so it is checked and audited). A 2xx
answer delivers it; anything else is retried by the outbox with its backoff. After
BENHAN_SUBSCRIPTION_MAX_FAILURES failures in a row the Subscription goes to error with the reason
in Subscription.error and its pending notifications are held (dead-lettered) until it is active again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from django.conf import settings

from benhan.exchange.models import OutboxMessage
from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.fhir.rest.render import dumps

from .models import Registration

Ack = dict[str, Any]


class Undeliverable(Exception):
    """The endpoint did not take the notification (the outbox tries again)."""


def max_failures() -> int:
    return int(getattr(settings, "BENHAN_SUBSCRIPTION_MAX_FAILURES", 10))


def header_dict(registration: Registration) -> dict[str, str]:
    return {name.strip(): value.strip() for name, _c, value in (h.partition(":") for h in registration.headers)}


def _fhir_base() -> str:
    return str(getattr(settings, "BENHAN_BASE_URL", "")).rstrip("/") + "/fhir"


def _post(registration: Registration, body: dict[str, Any], client: httpx.Client) -> httpx.Response:
    headers = header_dict(registration)
    if registration.payload == Registration.Payload.EMPTY:
        return client.post(registration.endpoint, content=b"", headers=headers)
    reference = f"{body['type']}/{body['id']}"
    if registration.payload == Registration.Payload.ID_ONLY:
        bundle = {"resourceType": "Bundle", "type": "history", "entry": [{
            "fullUrl": f"{_fhir_base()}/{reference}/_history/{body['version']}",
            "request": {"method": body["method"], "url": reference},
            "response": {"status": "201 Created" if body["method"] == "POST" else "200 OK"}}]}
        return client.post(registration.endpoint, content=dumps(bundle),
                           headers={**headers, "Content-Type": "application/fhir+json"})
    owner = Actor(registration.owner_kind or "client", registration.owner_id, registration.owner_display,
                  parse_scopes(registration.owner_scopes.split()), frozenset({registration.tenant}))
    resource = Repository(owner, registration.tenant, purpose="HOPERAT").vread(body["type"], body["id"], int(body["version"]))
    return client.put(f"{registration.endpoint.rstrip('/')}/{reference}", content=dumps(resource.json()),
                      headers={**headers, "Content-Type": "application/fhir+json"})


def _fail(registration: Registration, reason: str) -> Ack:
    """One more failure in a row; at the limit the Subscription goes to error and this one is held."""
    from .status import set_status

    registration.failures += 1
    Registration.objects.filter(pk=registration.pk).update(failures=registration.failures)
    if registration.failures >= max_failures():
        set_status(registration, Registration.Status.ERROR,
                   f"{registration.failures} failed deliveries in a row; last: {reason}")
        return {"status": "refused", "permanent": True, "detail": reason}
    return {"status": "failed", "permanent": False, "detail": reason}


def send_notifications(messages: list[OutboxMessage], client: httpx.Client, now: datetime) -> list[Ack]:
    """Acknowledgements in order; after a failure the rest of the batch waits for the next round."""
    acks: list[Ack] = []
    held = ""
    for message in messages:
        registration = Registration.objects.filter(subscription_id=message.body.get("subscription", "")).first()
        if registration is None or registration.status in (Registration.Status.OFF, Registration.Status.ERROR):
            state = registration.status if registration else "deleted"
            acks.append({"status": "refused", "permanent": True, "detail": f"the Subscription is {state}"})
            continue
        if registration.status == Registration.Status.REQUESTED or held:
            acks.append({"status": "failed", "permanent": False, "detail": held or "waiting for activation"})
            continue
        try:
            answer = _post(registration, message.body, client)
            if not 200 <= answer.status_code < 300:
                raise Undeliverable(f"HTTP {answer.status_code}: {answer.text[:200]}")
        except FhirError as exc:  # the creator may no longer read it: stop, say why
            from .status import set_status

            set_status(registration, Registration.Status.ERROR, f"notification refused: {exc}")
            acks.append({"status": "refused", "permanent": True, "detail": str(exc)})
            continue
        except (httpx.HTTPError, Undeliverable) as exc:
            held = f"{type(exc).__name__}: {exc}"
            acks.append(_fail(registration, held))
            continue
        if registration.failures:
            Registration.objects.filter(pk=registration.pk).update(failures=0)
        acks.append({"status": "applied"})
    return acks
