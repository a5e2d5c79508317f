"""The notification settings page in the app, and the web push subscription endpoint."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from benhan.notifications.models import Contact, Preference, PushSubscription
from tests.portal.conftest import PHONE, World
from tests.portal.helpers import linked_account, log_in
from tests.portal.sms_standin import Gateway

from .standins import PushService

pytestmark = pytest.mark.django_db


def test_the_patient_chooses_channels_per_profile_and_an_email_address(world: World, sms: Gateway) -> None:
    account, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    page = client.get("/app/thong-bao/").content.decode()
    assert "Nguyễn Văn Bình" in page and f'name="channels-{opened.profile.pk}" value="sms" checked' in page
    saved = client.post("/app/thong-bao/", {f"channels-{opened.profile.pk}": ["webpush", "email", "fax"],
                                            "email": "binh@example.vn"})
    assert saved.status_code == 302
    assert Preference.objects.get(account=account).channels == ["webpush", "email"]
    assert Contact.objects.get(account=account).email == "binh@example.vn"


def test_email_without_an_address_is_refused_in_vietnamese_and_nothing_is_saved(world: World, sms: Gateway) -> None:
    _account, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    refused = client.post("/app/thong-bao/", {f"channels-{opened.profile.pk}": ["email"], "email": ""})
    assert refused.status_code == 400 and "Nhập địa chỉ thư điện tử" in refused.content.decode()
    bad = client.post("/app/thong-bao/", {f"channels-{opened.profile.pk}": ["sms"], "email": "không-phải-thư"})
    assert bad.status_code == 400 and not Preference.objects.exists()


def test_a_profile_the_phone_cannot_open_cannot_be_given_preferences(world: World, sms: Gateway) -> None:
    _account, _opened = linked_account(PHONE, world.binh_regional)
    _other, theirs = linked_account("0911111111", world.cuc, name="Trần Thị Cúc", birth="1990-07-05")
    client = Client()
    log_in(client, sms, PHONE)
    client.post("/app/thong-bao/", {f"channels-{theirs.profile.pk}": ["sms"]})
    assert not Preference.objects.filter(profile=theirs.profile).exists()


def test_a_browser_subscription_is_kept_for_the_account_and_removed_on_request(world: World, sms: Gateway,
                                                                              push: PushService) -> None:
    account, _ = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    sub = push.new_browser().subscription()
    assert client.post("/app/thong-bao/push/", json.dumps(sub), content_type="application/json").status_code == 200
    assert PushSubscription.objects.get().account == account
    bad = client.post("/app/thong-bao/push/", json.dumps({"endpoint": "x"}), content_type="application/json")
    assert bad.status_code == 400
    client.post("/app/thong-bao/push/huy/", json.dumps({"endpoint": sub["endpoint"]}), content_type="application/json")
    assert not PushSubscription.objects.exists()
    assert Client().post("/app/thong-bao/push/", json.dumps(sub), content_type="application/json").status_code == 302


def test_the_settings_and_share_pages_read_in_english_when_chosen(world: World, sms: Gateway) -> None:
    _account, opened = linked_account(PHONE, world.binh_regional)
    client = Client()
    log_in(client, sms, PHONE)
    client.cookies["django_language"] = "en"
    assert "Turn on notifications on this phone" in client.get("/app/thong-bao/").content.decode()
    response = client.get(f"/app/ho-so/{opened.profile.pk}/lien-ket/")
    share = response.content.decode()
    assert response.status_code == 200, share[-3000:]
    assert "Share with a doctor by link or QR code" in share and ">Prescription" in share
