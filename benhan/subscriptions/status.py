"""The server's own status changes of a Subscription (active, error with its reason), written to the
FHIR resource (a new version: the subscriber reads the reason in Subscription.error)."""

from __future__ import annotations

from django.db import transaction

from benhan.fhir.access import Actor
from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository

from .matching import server_write
from .models import Registration


def set_status(registration: Registration, status: str, error: str = "") -> bool:
    """False when the subscriber changed the Subscription meanwhile (their change stands)."""
    repo = Repository(Actor.system("subscriptions"), registration.tenant)
    try:
        with server_write(), transaction.atomic():
            stored = repo.read("Subscription", registration.subscription_id)
            resource = stored.json()
            resource.pop("meta", None)
            resource["status"] = str(status)
            if error:
                resource["error"] = error[:1000]
            else:
                resource.pop("error", None)
            repo.update(resource, registration.subscription_id, if_match=stored.version_id)
            Registration.objects.filter(pk=registration.pk).update(failures=0 if status == "active" else registration.failures)
    except FhirError as exc:
        if exc.status in (404, 409, 410, 412):
            return False
        raise
    registration.refresh_from_db()
    return True
