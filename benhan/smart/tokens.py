"""A patient app's access token → the FHIR Actor it acts as, checked afresh on every request.

The actor is a patient actor limited to the consenting profile's records and to the token's
`patient/...` scopes, so the repository (not this module) refuses anything outside that compartment
and audits it. The authorization's state is read on each request: a revoked or expired consent, or
a child's record the parent may no longer open, ends the token at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from benhan.fhir.access import Actor, parse_scopes
from benhan.portal.access import ADULT_AGE, age_on
from benhan.portal.models import LinkedRecord, Profile

from .models import Authorization, Token


@cache
def _sql() -> str:
    """One statement, one row per linked record: this runs before every FHIR request of an app, and the
    ORM's query compilation for the joins cost more than the query itself."""
    from oauth2_provider.models import get_application_model

    apps = get_application_model()._meta.db_table
    return (
        f"SELECT t.expires, t.revoked, t.scope, z.id, z.expires, z.revoked, z.account_id, p.account_id, p.relation, "
        f"p.birth_date, p.display_name, a.name, a.client_id, r.patient_id "
        f"FROM {Token._meta.db_table} t JOIN {Authorization._meta.db_table} z ON z.id = t.authorization_id "
        f"JOIN {Profile._meta.db_table} p ON p.id = z.profile_id JOIN {apps} a ON a.id = z.application_id "
        f"LEFT JOIN {LinkedRecord._meta.db_table} r ON r.profile_id = p.id "
        f"WHERE t.checksum = %s AND t.kind = %s"
    )


def _when(value: object) -> datetime | None:
    if value is None:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else value  # SQLite hands back text
    assert isinstance(moment, datetime)
    return timezone.make_aware(moment, UTC) if timezone.is_naive(moment) else moment


def _day(value: object) -> date | None:
    return parse_date(value) if isinstance(value, str) else value  # type: ignore[return-value]


def actor_for_access_token(token_checksum: str) -> Actor | None:
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [token_checksum, Token.Kind.ACCESS.value])
        rows = cursor.fetchall()
    if not rows:
        return None
    (expires, revoked, scope, authorization_id, consent_expires, consent_revoked, account_id, owner_id, relation,
     birth, display_name, app_name, client_id, _patient) = rows[0]
    now = timezone.now()
    if revoked is not None or consent_revoked is not None:
        return None
    if (_when(expires) or now) <= now or (_when(consent_expires) or now) <= now or owner_id != account_id:
        return None
    born = _day(birth)
    if relation == Profile.Relation.CHILD and (born is None or age_on(born, timezone.localdate()) >= ADULT_AGE):
        return None  # at 16 the child's record is the child's own (as access.opened_profiles rules)
    scopes = tuple(s for s in parse_scopes(str(scope).split()) if s.context == "patient")
    return Actor(
        "patient",
        f"smart:{authorization_id}",
        display=f"{app_name} ({display_name})",
        scopes=scopes,
        facilities=None,  # the person's records at every facility on this server, as in the app
        patient_ids=frozenset(str(r[-1]) for r in rows if r[-1] is not None),
        extra={"client_id": client_id},
    )
