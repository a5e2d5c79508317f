"""A patient app's access token → the FHIR Actor it acts as, checked afresh on every request.

The actor is a patient actor limited to the consenting profile's records and to the token's
`patient/...` scopes, so the repository (not this module) refuses anything outside that compartment
and audits it. The authorization's state is read on each request: a revoked or expired consent, or
a child's record the parent may no longer open, ends the token at once.
"""

from __future__ import annotations

from django.utils import timezone

from benhan.fhir.access import Actor, parse_scopes

from .models import Token
from .server import live_profile


def actor_for_access_token(token_checksum: str) -> Actor | None:
    now = timezone.now()
    token = (Token.objects.filter(checksum=token_checksum, kind=Token.Kind.ACCESS)
             .select_related("authorization", "authorization__account", "authorization__application",
                             "authorization__profile").first())
    if token is None or token.revoked is not None or token.expires <= now:
        return None
    authorization = token.authorization
    opened = live_profile(authorization, now)
    if opened is None:
        return None
    scopes = tuple(s for s in parse_scopes(token.scope.split()) if s.context == "patient")
    application = authorization.application
    return Actor(
        "patient",
        f"smart:{authorization.pk}",
        display=f"{application.name} ({opened.profile.display_name})",
        scopes=scopes,
        facilities=None,  # the person's records at every facility on this server, as in the app
        patient_ids=opened.patient_ids,
        extra={"client_id": application.client_id},
    )
