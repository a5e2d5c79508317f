"""One-time codes sent by SMS: six digits, kept only as an HMAC, valid 5 minutes, 5 tries, and sends
limited per phone and per IP (counted from the challenge rows themselves)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Account, OtpChallenge
from .sms import SmsError, SmsSender

CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
PHONE_WINDOW = timedelta(minutes=15)
PHONE_MAX_SENDS = 3
IP_WINDOW = timedelta(hours=1)
IP_MAX_SENDS = 10


class OtpError(Exception):
    """Shown to the patient as is (Vietnamese)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code  # rate_limited, expired, attempts, wrong, sms


def code_hash(challenge_salt: str, code: str) -> str:
    # Keyed by the server secret: a copy of the table alone does not let anyone test the 10^6 codes.
    return hmac.new(settings.SECRET_KEY.encode(), f"{challenge_salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _check_rate(phone: str, ip: str) -> None:
    now = timezone.now()
    if OtpChallenge.objects.filter(phone=phone, created__gte=now - PHONE_WINDOW).count() >= PHONE_MAX_SENDS:
        raise OtpError(_("Đã gửi quá nhiều mã tới số điện thoại này. Vui lòng thử lại sau 15 phút."), "rate_limited")
    if ip and OtpChallenge.objects.filter(ip=ip, created__gte=now - IP_WINDOW).count() >= IP_MAX_SENDS:
        raise OtpError(_("Đã gửi quá nhiều mã từ thiết bị này. Vui lòng thử lại sau."), "rate_limited")


def send_code(sender: SmsSender, phone: str, purpose: str, *, ip: str = "", account: Account | None = None,
              payload: dict[str, Any] | None = None) -> OtpChallenge:
    """Create a challenge and text its code; the SMS carries the code only, never health data."""
    _check_rate(phone, ip)
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    challenge = OtpChallenge.objects.create(purpose=purpose, phone=phone, ip=ip, code_hash="", created=now,
                                            expires=now + CODE_TTL, account=account, payload=payload or {})
    challenge.code_hash = code_hash(str(challenge.pk), code)
    challenge.save(update_fields=["code_hash"])
    try:
        sender.send(phone, _("Ma xac thuc benhan cua ban: %(code)s (hieu luc 5 phut). Khong chia se ma nay.")
                    % {"code": code})
    except SmsError as exc:
        challenge.used = now  # never usable: the patient did not get it
        challenge.save(update_fields=["used"])
        raise OtpError(_("Không gửi được tin nhắn. Vui lòng thử lại."), "sms") from exc
    return challenge


@dataclass
class Verified:
    challenge: OtpChallenge


def verify_code(challenge_id: int | str, code: str, purpose: str) -> Verified:
    """Spend one try of a challenge; the code is compared in constant time and works once."""
    with transaction.atomic():
        challenge = OtpChallenge.objects.select_for_update().filter(pk=challenge_id, purpose=purpose).first()
        if challenge is None or challenge.used is not None:
            raise OtpError(_("Mã đã được dùng hoặc không còn hiệu lực. Vui lòng lấy mã mới."), "expired")
        if timezone.now() >= challenge.expires:
            raise OtpError(_("Mã đã hết hạn. Vui lòng lấy mã mới."), "expired")
        if challenge.attempts >= MAX_ATTEMPTS:
            raise OtpError(_("Đã nhập sai quá nhiều lần. Vui lòng lấy mã mới."), "attempts")
        challenge.attempts += 1
        ok = hmac.compare_digest(challenge.code_hash, code_hash(str(challenge.pk), (code or "").strip()))
        if ok:
            challenge.used = timezone.now()
        challenge.save(update_fields=["attempts", "used"])
    if not ok:
        left = MAX_ATTEMPTS - challenge.attempts
        if left <= 0:
            raise OtpError(_("Đã nhập sai quá nhiều lần. Vui lòng lấy mã mới."), "attempts")
        raise OtpError(_("Mã không đúng. Còn %(n)s lần thử.") % {"n": left}, "wrong")
    return Verified(challenge)
