"""The Subscription's creator, found in the audit trail, as the Actor notifications read as: a
subscriber never receives more than its creator may read (scopes and facilities, as they stand now)."""

from __future__ import annotations

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.models import AuditRow


def creator(subscription_id: str) -> Actor | None:
    row = (AuditRow.objects.filter(resource_type="Subscription", resource_id=subscription_id, outcome="0",
                                   interaction__in=("create", "update", "patch"))
           .exclude(actor_kind="system").order_by("-id").first())
    if row is None:
        return None
    if row.actor_kind == "user":
        from benhan.accounts.actors import actor_for_user
        from benhan.accounts.models import User

        user = User.objects.filter(pk=row.actor_id, is_active=True).first() if row.actor_id.isdigit() else None
        return actor_for_user(user) if user is not None else None
    if row.actor_kind == "client":
        from benhan.accounts.clients import ClientProfile

        profile = ClientProfile.objects.filter(application__client_id=row.actor_id).select_related("application").first()
        if profile is None:
            return None
        facilities = None if profile.all_facilities else frozenset(profile.facility_codes.split())
        return Actor("client", row.actor_id, profile.application.name or row.actor_id,
                     parse_scopes(profile.allowed_scopes.split()), facilities)
    return None


def as_actor(kind: str, actor_id: str, display: str, scopes: str, facilities: frozenset[str] | None) -> Actor:
    return Actor(kind, actor_id, display, parse_scopes(scopes.split()), facilities)
