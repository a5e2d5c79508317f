from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from benhan.portal import otp
from benhan.portal.models import OtpChallenge
from benhan.portal.sms import HttpSmsGateway, SmsError, configured_sender

from .sms_standin import Gateway

PHONE = "0912345678"
pytestmark = pytest.mark.django_db


def test_a_code_texted_through_the_gateway_verifies_once_and_is_stored_only_as_a_hash(sms: Gateway) -> None:
    challenge = otp.send_code(configured_sender(), PHONE, "login", ip="10.0.0.1")
    code = sms.last_code(PHONE)
    assert sms.messages[-1]["phone"] == "84912345678" and sms.messages[-1]["brandname"] == "BENHAN"
    assert code not in challenge.code_hash and len(challenge.code_hash) == 64
    assert otp.verify_code(challenge.pk, code, "login").challenge.phone == PHONE
    with pytest.raises(otp.OtpError) as again:
        otp.verify_code(challenge.pk, code, "login")
    assert again.value.code == "expired"


def test_a_code_expires_after_five_minutes(sms: Gateway) -> None:
    challenge = otp.send_code(configured_sender(), PHONE, "login")
    OtpChallenge.objects.filter(pk=challenge.pk).update(expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(otp.OtpError) as refused:
        otp.verify_code(challenge.pk, sms.last_code(PHONE), "login")
    assert refused.value.code == "expired"
    assert challenge.expires - challenge.created == timedelta(minutes=5)


def test_after_five_wrong_codes_even_the_right_one_is_refused(sms: Gateway) -> None:
    challenge = otp.send_code(configured_sender(), PHONE, "login")
    right = sms.last_code(PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(otp.OtpError, match=f"Còn {left} lần thử"):
            otp.verify_code(challenge.pk, wrong, "login")
    with pytest.raises(otp.OtpError) as fifth:
        otp.verify_code(challenge.pk, wrong, "login")
    assert fifth.value.code == "attempts"
    with pytest.raises(otp.OtpError) as sixth:
        otp.verify_code(challenge.pk, right, "login")
    assert sixth.value.code == "attempts"


def test_a_login_code_does_not_confirm_a_link(sms: Gateway) -> None:
    challenge = otp.send_code(configured_sender(), PHONE, "login")
    with pytest.raises(otp.OtpError):
        otp.verify_code(challenge.pk, sms.last_code(PHONE), "link")


def test_sending_is_limited_per_phone_and_nothing_is_texted_beyond_the_limit(sms: Gateway) -> None:
    for _ in range(otp.PHONE_MAX_SENDS):
        otp.send_code(configured_sender(), PHONE, "login", ip="10.0.0.1")
    with pytest.raises(otp.OtpError) as refused:
        otp.send_code(configured_sender(), PHONE, "login", ip="10.0.0.2")
    assert refused.value.code == "rate_limited"
    assert len(sms.messages) == otp.PHONE_MAX_SENDS
    OtpChallenge.objects.update(created=timezone.now() - otp.PHONE_WINDOW - timedelta(seconds=1))
    otp.send_code(configured_sender(), PHONE, "login")  # the window has passed


def test_sending_is_limited_per_ip_across_phones(sms: Gateway) -> None:
    for i in range(otp.IP_MAX_SENDS):
        otp.send_code(configured_sender(), f"09123456{i:02d}", "login", ip="203.0.113.9")
    with pytest.raises(otp.OtpError) as refused:
        otp.send_code(configured_sender(), "0988888888", "login", ip="203.0.113.9")
    assert refused.value.code == "rate_limited"
    otp.send_code(configured_sender(), "0988888888", "login", ip="203.0.113.10")


def test_a_gateway_refusal_leaves_no_usable_code(sms: Gateway) -> None:
    sms.fail = True
    with pytest.raises(otp.OtpError) as refused:
        otp.send_code(configured_sender(), PHONE, "login")
    assert refused.value.code == "sms"
    assert OtpChallenge.objects.get().used is not None


def test_the_gateway_client_reports_a_wrong_api_key_and_an_unreachable_gateway(sms: Gateway) -> None:
    with pytest.raises(SmsError):
        HttpSmsGateway(sms.url, "wrong-key").send(PHONE, "x")
    with pytest.raises(SmsError):
        HttpSmsGateway("http://127.0.0.1:9/sms", "k", timeout=1).send(PHONE, "x")
    assert sms.messages == []


def test_without_a_gateway_codes_are_refused_rather_than_logged_unless_asked_for(settings) -> None:
    from benhan.portal.sms import LogSender

    settings.PORTAL_SMS_URL, settings.DEBUG, settings.PORTAL_SMS_TO_LOG = "", False, False
    with pytest.raises(otp.OtpError) as refused:
        otp.send_code(configured_sender(), PHONE, "login")
    assert "Chưa cấu hình" in str(refused.value.__cause__)
    assert not OtpChallenge.objects.filter(phone=PHONE, used__isnull=True).exists()  # no usable code was left
    settings.PORTAL_SMS_TO_LOG = True
    assert isinstance(configured_sender(), LogSender)
