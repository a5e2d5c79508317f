"""Delivery on each channel against a local stand-in of its service, retries with backoff, and the
dead letter. Every payload leaving the server is checked for health data."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from benhan.jobs.worker import Worker
from benhan.notifications.delivery import backoff, deliver_due, retry_dead
from benhan.notifications.models import Contact, Notification, Preference, PushSubscription
from benhan.notifications.preferences import subscribe
from tests.portal.conftest import PHONE, World
from tests.portal.helpers import linked_account
from tests.portal.sms_standin import Gateway

from .standins import Mailbox, PushService, Zns
from .test_outbox import HEALTH_WORDS

pytestmark = pytest.mark.django_db


def _no_health_data(payload: Any) -> None:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    assert not [w for w in HEALTH_WORDS if w in text], text


def _subscribed(world: World, channels: list[str]) -> tuple[Any, Any]:
    account, opened = linked_account(PHONE, world.binh_regional)
    Preference.objects.create(account=account, profile=opened.profile, channels=channels)
    Contact.objects.create(account=account, email="binh@example.vn")
    return account, opened


def test_a_result_reaches_the_patient_by_web_push_sms_zalo_and_email_with_only_a_neutral_notice_and_link(
        world: World, push: PushService, sms: Gateway, zns: Zns, mailbox: Mailbox) -> None:
    account, opened = _subscribed(world, ["webpush", "sms", "zns", "email"])
    browser = push.new_browser()
    subscribe(account, browser.subscription(), "test phone")
    report = world.lab_report(world.binh_regional, glucose="8,2")
    link = f"/app/ho-so/{opened.profile.pk}/ket-qua/{report}/"

    Worker(kinds=["notifications.deliver"]).run(burst=True)

    assert Notification.objects.filter(status="sent").count() == 4, list(Notification.objects.values("channel", "last_error"))
    (pushed,) = push.delivered  # decrypted by the stand-in with the browser's own keys, after checking VAPID
    assert pushed["url"] == link and pushed["body"] == "Bạn có kết quả mới trong Sổ sức khoẻ."
    (text,) = [m for m in sms.messages if m["phone"] == "84912345678"]
    assert text["message"].endswith(f"Xem tại: http://127.0.0.1:8000{link}") or link in text["message"]
    (zalo,) = zns.sent
    assert zalo["phone"] == "84912345678" and zalo["template_id"] == "301234"
    assert zalo["template_data"]["duong_dan"].endswith(link) and zalo["tracking_id"].startswith("benhan-")
    (mail,) = mailbox.messages
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)  # a single-part message decodes to its bytes
    assert mail["To"] == "binh@example.vn" and link in body.decode()
    for payload in (pushed, text, zalo, mail.as_string(), body.decode()):
        _no_health_data(payload)


def test_a_push_signed_by_another_vapid_key_is_refused_by_the_push_service(world: World, push: PushService,
                                                                           settings: Any, tmp_path: Any) -> None:
    account, _ = _subscribed(world, ["webpush"])
    subscribe(account, push.new_browser().subscription())
    settings.NOTIFICATIONS_VAPID_KEY_FILE = str(tmp_path / "another.pem")  # not the key the browser subscribed with
    world.lab_report(world.binh_regional)
    report = deliver_due()
    assert report.dead == 1 and not push.delivered
    assert "applicationServerKey" in push.refused[0]


def test_a_failing_gateway_is_retried_with_growing_waits_then_dead_lettered_and_an_operator_can_resend(
        world: World, sms: Gateway, settings: Any) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    _subscribed(world, ["sms"])
    world.lab_report(world.binh_regional)
    sms.fail = True
    now = timezone.now()
    assert deliver_due(now=now).retried == 1
    first = Notification.objects.get()
    assert first.attempts == 1 and first.next_attempt_at == now + timedelta(seconds=backoff(1))
    assert deliver_due(now=now).retried == 0  # not due before its backoff
    later = first.next_attempt_at
    assert deliver_due(now=later).retried == 1
    assert Notification.objects.get().next_attempt_at == later + timedelta(seconds=backoff(2)) > later + timedelta(seconds=backoff(1))
    report = deliver_due(now=Notification.objects.get().next_attempt_at)
    dead = Notification.objects.get()
    assert report.dead == 1 and dead.status == "dead" and dead.attempts == 3 and "suspended" in dead.last_error

    sms.fail = False
    assert retry_dead([dead.pk]) == 1
    assert deliver_due().sent == 1 and len(sms.messages) == 1


def test_a_subscription_the_browser_dropped_is_dead_at_once_and_forgotten(world: World, push: PushService) -> None:
    account, _ = _subscribed(world, ["webpush"])
    subscribe(account, push.new_browser().subscription())
    world.lab_report(world.binh_regional)
    push.answer = 410
    report = deliver_due()
    assert report.dead == 1 and not PushSubscription.objects.exists()


def test_a_push_service_outage_is_retried(world: World, push: PushService) -> None:
    account, _ = _subscribed(world, ["webpush"])
    subscribe(account, push.new_browser().subscription())
    world.lab_report(world.binh_regional)
    push.answer = 503
    assert deliver_due().retried == 1
    push.answer = 201
    assert deliver_due(now=Notification.objects.get().next_attempt_at).sent == 1 and len(push.delivered) == 1


def test_zalo_refusing_the_number_is_final_but_a_bad_access_token_is_retried(world: World, zns: Zns, settings: Any) -> None:
    _subscribed(world, ["zns"])
    world.lab_report(world.binh_regional)
    settings.NOTIFICATIONS_ZNS_ACCESS_TOKEN = "expired"
    report = deliver_due()
    assert report.retried == 1 and "-124" in Notification.objects.get().last_error
    settings.NOTIFICATIONS_ZNS_ACCESS_TOKEN = "oa-access-token-for-tests"
    zns.error = -118  # the number has no Zalo account
    assert deliver_due(now=Notification.objects.get().next_attempt_at).dead == 1


def test_an_address_the_mail_server_refuses_is_dead_at_once(world: World, mailbox: Mailbox) -> None:
    _subscribed(world, ["email"])
    mailbox.refuse.add("binh@example.vn")
    world.lab_report(world.binh_regional)
    assert deliver_due().dead == 1 and not mailbox.messages


def test_a_notice_too_old_to_help_is_dead_lettered_instead_of_sent(world: World, sms: Gateway) -> None:
    _subscribed(world, ["sms"])
    world.lab_report(world.binh_regional)
    Notification.objects.update(created=timezone.now() - timedelta(days=8))  # the gateway was down for a week
    assert deliver_due().dead == 1 and not sms.messages
    assert retry_dead(list(Notification.objects.values_list("id", flat=True))) == 0  # stale news stays dead


def test_an_operator_lists_dead_letters_without_addresses_and_queues_them_again(world: World, sms: Gateway,
                                                                               settings: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    _subscribed(world, ["sms"])
    world.lab_report(world.binh_regional)
    sms.fail = True
    assert deliver_due().dead == 1
    listing = StringIO()
    call_command("notifications_dead", stdout=listing)
    assert "sms\tresult_ready" in listing.getvalue() and PHONE not in listing.getvalue()
    out = StringIO()
    call_command("notifications_dead", "--retry-all", stdout=out)
    assert "queued again: 1" in out.getvalue() and Notification.objects.get().status == "pending"
