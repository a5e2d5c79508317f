"""TOTP two-factor rules: who must use it, enrolment with a QR code, and verification.

Which roles must use a second factor is configurable (`BENHAN_TOTP_REQUIRED_ROLES`, comma-separated
role codes, in the environment or in settings); doctors sign clinical entries and admins manage
accounts, so both require it by default. Anyone who has enrolled a device is asked for it anyway.
"""

from __future__ import annotations

import os
from base64 import b32encode

import segno
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

DEFAULT_REQUIRED_ROLES = frozenset({User.Role.DOCTOR, User.Role.FACILITY_ADMIN})
DEVICE_NAME = "benhan"
ISSUER = "benhan"


def required_roles() -> frozenset[str]:
    configured = os.environ.get("BENHAN_TOTP_REQUIRED_ROLES")
    if configured is None:
        configured_setting = getattr(settings, "BENHAN_TOTP_REQUIRED_ROLES", None)
        if configured_setting is None:
            return DEFAULT_REQUIRED_ROLES
        return frozenset(configured_setting)
    return frozenset(r.strip() for r in configured.split(",") if r.strip())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def requires_two_factor(user: User) -> bool:
    return user.role in required_roles() or confirmed_device(user) is not None


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled; the same one across page reloads until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=DEVICE_NAME).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The base32 key, grouped by four for typing into an app by hand when the camera fails."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG data URI (the CSP allows data: images, not inline scripts)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=4))


def throttled(device: TOTPDevice) -> bool:
    """django-otp slows retries after wrong codes (1 s, 2 s, 4 s…)."""
    allowed, _ = device.verify_is_allowed()
    return not allowed


def verify(device: TOTPDevice, token: str) -> bool:
    token = "".join(token.split())
    if not (token.isdigit() and len(token) == device.digits):
        return False
    return bool(device.verify_token(token))


def confirm(device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment with the first code the app shows; older devices are removed."""
    if not verify(device, token):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def reset(user: User) -> None:
    """An admin resets a lost phone: the staff member enrols again at next login."""
    TOTPDevice.objects.filter(user=user).delete()
