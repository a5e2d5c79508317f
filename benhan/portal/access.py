"""Which profiles a phone may open, and the Repository that opens one.

Every clinical read in the patient app goes through a Repository whose Actor is a patient actor
limited to the profile's linked Patient ids: the repository (not this app) refuses anything outside
those compartments, and audits it. A family member's grant narrows the scopes too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.repository import Repository

from .models import Account, Profile, ProxyGrant

ADULT_AGE = 16
ALL_RECORDS = ("patient/*.read",)
# Results only: the reports and their values, the person's name, and the signed lab papers' PDFs.
RESULTS_ONLY = ("patient/Patient.read", "patient/DiagnosticReport.read", "patient/Observation.read")


@dataclass(frozen=True)
class Opened:
    """A profile as this phone may see it."""

    profile: Profile
    patient_ids: frozenset[str]
    scopes: tuple[str, ...]
    via: str  # own, child, grant
    grant: ProxyGrant | None = None

    @property
    def results_only(self) -> bool:
        return self.scopes == RESULTS_ONLY

    @property
    def can_manage(self) -> bool:
        """Only the account holder (for self or a child) grants and revokes access."""
        return self.via in ("own", "child")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def is_minor(profile: Profile, today: date | None = None) -> bool:
    if profile.birth_date is None:
        return False
    return age_on(profile.birth_date, today or timezone.localdate()) < ADULT_AGE


def _ids(profile: Profile) -> frozenset[str]:
    return frozenset(profile.records.values_list("patient_id", flat=True))


def active_grants(phone: str) -> list[ProxyGrant]:
    now = timezone.now()
    return list(ProxyGrant.objects.filter(Q(grantee_phone=phone), revoked__isnull=True, expires__gt=now)
                .select_related("profile", "profile__account").order_by("profile__display_name"))


def opened_profiles(account: Account) -> list[Opened]:
    """The account's own profile, its children while under 16, and the profiles granted to its phone."""
    out: list[Opened] = []
    for profile in account.profiles.order_by("relation", "created"):
        if profile.relation == Profile.Relation.CHILD and not is_minor(profile):
            continue  # at 16 the child's record is the child's own; the parent's access ends
        out.append(Opened(profile, _ids(profile), ALL_RECORDS, "own" if profile.relation == "self" else "child"))
    for grant in active_grants(account.phone):
        if grant.profile.account_id == account.pk:
            continue
        scopes = ALL_RECORDS if grant.scope == ProxyGrant.Scope.RECORDS else RESULTS_ONLY
        out.append(Opened(grant.profile, _ids(grant.profile), scopes, "grant", grant))
    return out


def open_profile(account: Account, profile_id: int | str) -> Opened | None:
    """The profile if this phone may open it now, else None (the view answers 404)."""
    for opened in opened_profiles(account):
        if str(opened.profile.pk) == str(profile_id):
            return opened
    return None


def actor_for(account: Account, opened: Opened) -> Actor:
    return Actor(
        "patient",
        f"app:{account.pk}",
        display=f"{opened.profile.display_name} ({'người nhà ' + account.phone if opened.via == 'grant' else account.phone})",
        scopes=parse_scopes(opened.scopes),
        facilities=None,  # the person's records at every facility on this server
        patient_ids=opened.patient_ids,
    )


def repository_for(account: Account, opened: Opened, source_ip: str = "") -> Repository:
    return Repository(actor_for(account, opened), "", source_ip=source_ip, purpose="PATRQT")
