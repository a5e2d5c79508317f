from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from benhan.portal import linking
from benhan.portal.access import opened_profiles
from benhan.portal.models import Account, ActivationCode, LinkedRecord, Profile
from benhan.portal.sms import configured_sender

from .conftest import PHONE, World
from .sms_standin import Gateway

pytestmark = pytest.mark.django_db
BIRTH = date(1968, 3, 12)


def test_cccd_birth_date_and_the_code_sent_to_the_phone_on_file_link_every_facilitys_record(
        world: World, sms: Gateway) -> None:
    account = Account.objects.create(phone="0901111222")  # a new phone: the code goes to the record's phone
    challenge, shown = linking.start_cccd_link(configured_sender(), account, "079068012345", BIRTH, "self")
    assert shown == "091****678"
    profile = linking.confirm_cccd_link(account, challenge.pk, sms.last_code(PHONE))
    assert profile.relation == Profile.Relation.SELF and profile.display_name == "Nguyễn Văn Bình"
    assert set(profile.records.values_list("patient_id", "facility")) == {
        (world.binh_regional, "79001"), (world.binh_provincial, "79010")}
    (opened,) = opened_profiles(account)
    assert opened.patient_ids == {world.binh_regional, world.binh_provincial}


def test_a_wrong_birth_date_is_refused_like_an_unknown_cccd_and_texts_nobody(world: World, sms: Gateway) -> None:
    account = Account.objects.create(phone=PHONE)
    with pytest.raises(linking.LinkError) as wrong_birth:
        linking.start_cccd_link(configured_sender(), account, "079068012345", date(1968, 3, 13), "self")
    with pytest.raises(linking.LinkError) as unknown:
        linking.start_cccd_link(configured_sender(), account, "079068099999", BIRTH, "self")
    assert str(wrong_birth.value) == str(unknown.value) and wrong_birth.value.code == "not_found"
    assert sms.messages == [] and not LinkedRecord.objects.exists()


def test_guessing_birth_dates_stops_after_five_failures(world: World, sms: Gateway) -> None:
    account = Account.objects.create(phone=PHONE)
    for day in range(1, 6):
        with pytest.raises(linking.LinkError):
            linking.start_cccd_link(configured_sender(), account, "079068012345", date(1968, 1, day), "self")
    with pytest.raises(linking.LinkError) as limited:
        linking.start_cccd_link(configured_sender(), account, "079068012345", BIRTH, "self")
    assert limited.value.code == "rate_limited" and sms.messages == []


def test_a_link_code_confirms_only_for_the_account_that_asked(world: World, sms: Gateway) -> None:
    asking = Account.objects.create(phone="0901111222")
    other = Account.objects.create(phone="0903333444")
    challenge, _shown = linking.start_cccd_link(configured_sender(), asking, "079068012345", BIRTH, "self")
    with pytest.raises(linking.LinkError):
        linking.confirm_cccd_link(other, challenge.pk, sms.last_code(PHONE))
    assert not LinkedRecord.objects.exists()


def test_an_activation_code_links_its_record_once_and_is_stored_hashed(world: World) -> None:
    code = linking.issue_activation_code(world.regional_repo, world.cuc)
    row = ActivationCode.objects.get()
    assert code.replace("-", "") not in row.code_hash and row.facility == "79001"
    first = Account.objects.create(phone="0987654321")
    profile = linking.redeem_activation_code(first, code.lower(), "self")
    assert list(profile.records.values_list("patient_id", flat=True)) == [world.cuc]
    with pytest.raises(linking.LinkError) as again:
        linking.redeem_activation_code(Account.objects.create(phone="0905555666"), code, "self")
    assert again.value.code == "used"
    assert LinkedRecord.objects.count() == 1


def test_an_expired_activation_code_links_nothing(world: World) -> None:
    code = linking.issue_activation_code(world.regional_repo, world.cuc)
    ActivationCode.objects.update(expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(linking.LinkError) as refused:
        linking.redeem_activation_code(Account.objects.create(phone="0987654321"), code, "self")
    assert refused.value.code == "expired" and not LinkedRecord.objects.exists()


def test_a_parent_links_a_child_under_16_as_a_separate_profile_but_not_an_adult(world: World) -> None:
    from .conftest import _register

    child = _register(world.regional_repo, "Nguyễn Minh An", (timezone.localdate() - timedelta(days=365 * 8))
                      .strftime("%d/%m/%Y"), "male", "", PHONE)
    parent = Account.objects.create(phone=PHONE)
    linking.redeem_activation_code(parent, linking.issue_activation_code(world.regional_repo, child), "child")
    adult_code = linking.issue_activation_code(world.regional_repo, world.cuc)
    with pytest.raises(linking.LinkError) as adult:
        linking.redeem_activation_code(parent, adult_code, "child")
    assert adult.value.code == "not_minor"
    assert ActivationCode.objects.filter(used__isnull=True).count() == 1  # the refused code is still usable
    (kid,) = opened_profiles(parent)
    assert kid.via == "child" and kid.patient_ids == {child} and kid.can_manage


def test_a_childs_profile_closes_to_the_parent_at_16(world: World) -> None:
    parent = Account.objects.create(phone=PHONE)
    profile = linking.join(parent, "child", "Nguyễn Minh An", timezone.localdate() - timedelta(days=365 * 10),
                           [(world.cuc, "79001")], "activation")
    assert [o.profile for o in opened_profiles(parent)] == [profile]
    Profile.objects.filter(pk=profile.pk).update(birth_date=timezone.localdate().replace(year=timezone.localdate().year - 16))
    assert opened_profiles(parent) == []


def test_the_activation_code_command_issues_a_code_only_for_the_named_facilitys_record(world: World) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("activation_code", "79001", world.cuc, stdout=out)
    code = out.getvalue().split()[0]
    profile = linking.redeem_activation_code(Account.objects.create(phone="0987654321"), code, "self")
    assert list(profile.records.values_list("patient_id", flat=True)) == [world.cuc]
    with pytest.raises(CommandError):
        call_command("activation_code", "79010", world.cuc, stdout=StringIO())


def test_another_persons_record_never_joins_my_own_profile(world: World) -> None:
    me = Account.objects.create(phone=PHONE)
    linking.redeem_activation_code(me, linking.issue_activation_code(world.regional_repo, world.binh_regional), "self")
    with pytest.raises(linking.LinkError) as refused:
        linking.redeem_activation_code(me, linking.issue_activation_code(world.regional_repo, world.cuc), "self")
    assert refused.value.code == "other_person"
    assert list(LinkedRecord.objects.values_list("patient_id", flat=True)) == [world.binh_regional]
    assert ActivationCode.objects.filter(used__isnull=True).count() == 1  # the refused code stays usable
