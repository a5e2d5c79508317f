from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from benhan.fhir.errors import FhirError
from benhan.portal import family, records
from benhan.portal.access import open_profile, opened_profiles, repository_for
from benhan.portal.models import Account, ProxyGrant

from .conftest import PHONE, World
from .helpers import linked_account, log_in
from .sms_standin import Gateway

pytestmark = pytest.mark.django_db
DAUGHTER = "0977000111"


def test_a_granted_phone_sees_the_profile_until_the_grant_is_revoked(world: World) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional, world.binh_provincial)
    grant = family.grant_access(owner, opened, "+84 977 000 111", "records", 30)
    daughter = Account.objects.create(phone=DAUGHTER)
    (shared,) = opened_profiles(daughter)
    assert shared.via == "grant" and shared.patient_ids == opened.patient_ids and not shared.can_manage
    assert len(records.visits(repository_for(daughter, shared), shared.patient_ids)) == 1
    family.revoke_access(owner, grant.pk)
    assert opened_profiles(daughter) == [] and open_profile(daughter, opened.profile.pk) is None


def test_a_grant_ends_by_itself_at_its_expiry(world: World) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    family.grant_access(owner, opened, DAUGHTER, "records", 7)
    daughter = Account.objects.create(phone=DAUGHTER)
    assert len(opened_profiles(daughter)) == 1
    ProxyGrant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert opened_profiles(daughter) == []


def test_a_results_only_grant_reads_signed_results_but_the_repository_refuses_visits(world: World) -> None:
    world.lab_report(world.binh_regional)
    owner, opened = linked_account(PHONE, world.binh_regional)
    family.grant_access(owner, opened, DAUGHTER, "results", 30)
    daughter = Account.objects.create(phone=DAUGHTER)
    (shared,) = opened_profiles(daughter)
    repo = repository_for(daughter, shared)
    assert [r.title for r in records.results(repo, shared.patient_ids)] == ["Sinh hoá máu"]
    with pytest.raises(FhirError) as refused:
        records.visits(repo, shared.patient_ids)
    assert refused.value.status == 403


def test_only_the_holder_grants_and_revokes_and_bad_grants_are_refused(world: World) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    grant = family.grant_access(owner, opened, DAUGHTER, "records", 30)
    daughter = Account.objects.create(phone=DAUGHTER)
    (shared,) = opened_profiles(daughter)
    with pytest.raises(family.FamilyError):
        family.grant_access(daughter, shared, "0966000222", "records", 30)  # no re-sharing
    with pytest.raises(family.FamilyError):
        family.revoke_access(daughter, grant.pk)
    for phone, scope, days in [("123", "records", 30), (PHONE, "records", 30), (DAUGHTER, "all", 30),
                               (DAUGHTER, "records", 0), (DAUGHTER, "records", 366)]:
        with pytest.raises(family.FamilyError):
            family.grant_access(owner, opened, phone, scope, days)


def test_granting_and_revoking_through_the_pages(world: World, sms: Gateway) -> None:
    _owner, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    sharing = f"/app/ho-so/{opened.profile.pk}/chia-se/"
    assert client.post(sharing, {"phone": DAUGHTER, "scope": "results", "days": "14"}).status_code == 302
    grant = ProxyGrant.objects.get()
    assert grant.scope == "results" and DAUGHTER in client.get(sharing).content.decode()
    other = Client()
    log_in(other, sms, DAUGHTER)
    assert other.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/").status_code == 200
    assert other.get(f"/app/ho-so/{opened.profile.pk}/giay-to/").status_code == 404
    assert other.get(sharing).status_code == 404
    assert client.post(f"{sharing}{grant.pk}/thu-hoi/").status_code == 302
    assert other.get(f"/app/ho-so/{opened.profile.pk}/ket-qua/").status_code == 404
