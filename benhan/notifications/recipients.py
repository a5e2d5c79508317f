"""Who hears of an event for a Patient record, and on which channels.

Everyone who can open the record in the app: the holder of the profile the record is linked to
(a parent while the child is under 16), and family members holding an unexpired grant. A grant for
results only hears only of results. Each chooses channels per profile; until they choose, the holder
gets SMS (the phone they log in with) and a family member nothing (they opt in)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from benhan.portal.access import is_minor
from benhan.portal.models import Account, Profile, ProxyGrant

from .models import Channel, Preference

DEFAULT_OWNER = [Channel.SMS.value]
DEFAULT_FAMILY: list[str] = []
RESULTS_ONLY_KINDS = ("result_ready",)


@dataclass(frozen=True)
class Recipient:
    account: Account
    profile: Profile
    channels: tuple[str, ...]


def _owner_may_open(profile: Profile) -> bool:
    return profile.relation == Profile.Relation.SELF or is_minor(profile)


def recipients(patient_id: str, kind: str) -> list[Recipient]:
    profiles = list(Profile.objects.filter(records__patient_id=patient_id).select_related("account").distinct())
    pairs: list[tuple[Account, Profile, bool]] = [(p.account, p, True) for p in profiles if _owner_may_open(p)]
    grants = ProxyGrant.objects.filter(profile__in=profiles, revoked__isnull=True, expires__gt=timezone.now())
    if kind not in RESULTS_ONLY_KINDS:
        grants = grants.filter(scope=ProxyGrant.Scope.RECORDS)
    by_phone = {a.phone: a for a in Account.objects.filter(phone__in=grants.values("grantee_phone"))}
    for grant in grants.select_related("profile"):
        account = by_phone.get(grant.grantee_phone)
        if account is not None and account.pk != grant.profile.account_id:
            pairs.append((account, grant.profile, False))
    chosen = {(p.account_id, p.profile_id): p.channels for p in
              Preference.objects.filter(profile__in=profiles, account__in=[a for a, _p, _o in pairs])}
    out = []
    for account, profile, owner in pairs:
        channels = chosen.get((account.pk, profile.pk), DEFAULT_OWNER if owner else DEFAULT_FAMILY)
        if channels:
            out.append(Recipient(account, profile, tuple(c for c in channels if c in Channel.values)))
    return out
