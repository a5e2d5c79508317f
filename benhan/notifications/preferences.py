"""Choosing channels in the app: per profile the phone can open, and the e-mail address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from benhan.portal.access import Opened, opened_profiles
from benhan.portal.models import Account

from .models import Channel, Contact, Preference, PushSubscription
from .recipients import DEFAULT_FAMILY, DEFAULT_OWNER


class PreferenceError(Exception):
    pass


@dataclass
class ProfileChoice:
    opened: Opened
    channels: list[str]


def choices(account: Account, posted: Any = None) -> list[ProfileChoice]:
    """Each profile with its saved channels, or with what was just posted (a refused form keeps the ticks)."""
    saved = {p.profile_id: p.channels for p in Preference.objects.filter(account=account)}
    out = []
    for o in opened_profiles(account):
        channels = posted.getlist(f"channels-{o.profile.pk}") if posted is not None else \
            saved.get(o.profile.pk, DEFAULT_OWNER if o.can_manage else DEFAULT_FAMILY)
        out.append(ProfileChoice(o, channels))
    return out


def email_of(account: Account) -> str:
    return Contact.objects.filter(account=account).values_list("email", flat=True).first() or ""


def save(account: Account, form: Any) -> None:
    """`form` maps `channels-<profile id>` to the chosen channel values (a QueryDict's getlist) and `email`."""
    email = str(form.get("email", "")).strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise PreferenceError(_("Địa chỉ thư điện tử không hợp lệ.")) from exc
    wanted = {c.opened.profile.pk: [v for v in form.getlist(f"channels-{c.opened.profile.pk}") if v in Channel.values]
              for c in choices(account)}
    if any(Channel.EMAIL in v for v in wanted.values()) and not email:
        raise PreferenceError(_("Nhập địa chỉ thư điện tử để nhận thông báo qua thư."))
    with transaction.atomic():
        Contact.objects.update_or_create(account=account, defaults={"email": email})
        for profile_id, channels in wanted.items():
            Preference.objects.update_or_create(account=account, profile_id=profile_id, defaults={"channels": channels})


def subscribe(account: Account, data: Any, user_agent: str = "") -> PushSubscription:
    """Keep a browser's PushSubscription (its toJSON(): endpoint and keys) for this phone's account."""
    try:
        endpoint, keys = str(data["endpoint"]), data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (KeyError, TypeError) as exc:
        raise PreferenceError(_("Đăng ký nhận thông báo không hợp lệ.")) from exc
    if not endpoint.startswith(("https://", "http://")) or not p256dh or not auth or len(endpoint) > 1000:
        raise PreferenceError(_("Đăng ký nhận thông báo không hợp lệ."))
    sub, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"account": account, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:200]})
    return sub


def unsubscribe(account: Account, endpoint: str) -> int:
    return PushSubscription.objects.filter(account=account, endpoint=endpoint).delete()[0]
