"""Events become notices in the outbox: in the event's transaction, for whoever may open the record,
on the channels they chose, and never with health data in them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from benhan.core.events import emit
from benhan.jobs.models import Job
from benhan.notifications.models import Notification, Preference
from benhan.portal.models import ProxyGrant
from tests.portal.conftest import OTHER_PHONE, PHONE, World
from tests.portal.helpers import linked_account

pytestmark = pytest.mark.django_db

HEALTH_WORDS = ("Glucose", "8,2", "Creatinin", "Nguyễn", "Bình", "Thủ Đức", "Trung tâm", "mmol")


def test_a_signed_result_leaves_a_content_free_sms_notice_with_a_link_for_the_record_holder(world: World) -> None:
    account, opened = linked_account(PHONE, world.binh_regional)
    report = world.lab_report(world.binh_regional, glucose="8,2")
    (notice,) = Notification.objects.all()
    assert (notice.account, notice.channel, notice.address, notice.kind) == (account, "sms", PHONE, "result_ready")
    assert notice.link == f"/app/ho-so/{opened.profile.pk}/ket-qua/{report}/"
    assert notice.text == "Bạn có kết quả mới trong Sổ sức khoẻ."
    assert not any(word in notice.text + notice.link for word in HEALTH_WORDS)
    assert Job.objects.filter(kind="notifications.deliver", status="queued").exists()


def test_a_report_not_yet_signed_announces_nothing(world: World) -> None:
    linked_account(PHONE, world.binh_regional)
    world.lab_report(world.binh_regional, sign=False)
    assert not Notification.objects.exists()


def test_a_notice_rolls_back_with_the_change_that_caused_it(world: World) -> None:
    linked_account(PHONE, world.binh_regional)
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("result_ready", patient=f"Patient/{world.binh_regional}", facility="79001", link="/app/")
        assert Notification.objects.count() == 1
        raise RuntimeError("the signing failed")
    assert not Notification.objects.exists()


def test_each_person_gets_the_channels_they_chose_and_family_hear_only_what_their_grant_shows(world: World) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    relative, _ = linked_account(OTHER_PHONE, world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    ProxyGrant.objects.create(profile=opened.profile, grantee_phone=OTHER_PHONE, scope=ProxyGrant.Scope.RESULTS,
                              expires=timezone.now() + timedelta(days=5))
    Preference.objects.create(account=owner, profile=opened.profile, channels=["zns"])
    Preference.objects.create(account=relative, profile=opened.profile, channels=["sms"])

    emit("result_ready", patient=f"Patient/{world.binh_regional}", facility="79001", link="/app/ho-so/{profile}/ket-qua/")
    got = sorted(Notification.objects.values_list("address", "channel"))
    assert got == [(PHONE, "zns"), (OTHER_PHONE, "sms")]

    Notification.objects.all().delete()
    emit("referral_arrived", patient=f"Patient/{world.binh_regional}", facility="79001", link="/app/ho-so/{profile}/")
    assert list(Notification.objects.values_list("address", flat=True)) == [PHONE]  # results-only: not a referral


def test_a_revoked_or_expired_grant_hears_nothing_and_a_silenced_holder_neither(world: World) -> None:
    owner, opened = linked_account(PHONE, world.binh_regional)
    linked_account(OTHER_PHONE, world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    grant = ProxyGrant.objects.create(profile=opened.profile, grantee_phone=OTHER_PHONE, scope=ProxyGrant.Scope.RECORDS,
                                      expires=timezone.now() + timedelta(days=5), revoked=timezone.now())
    Preference.objects.create(account=owner, profile=opened.profile, channels=[])
    emit("result_ready", patient=f"Patient/{world.binh_regional}", facility="79001", link="/app/")
    grant.revoked, grant.expires = None, timezone.now() - timedelta(seconds=1)
    grant.save()
    emit("result_ready", patient=f"Patient/{world.binh_regional}", facility="79001", link="/app/")
    assert not Notification.objects.exists()
