"""E-mail through Django's SMTP backend, to the server configured by NOTIFICATIONS_EMAIL_* settings
(BENHAN_EMAIL_HOST, _PORT, _USER, _PASSWORD, _TLS, _FROM in the environment)."""

from __future__ import annotations

import os
import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ..texts import TITLE, with_link
from .base import DeliveryError

if TYPE_CHECKING:
    from ..models import Notification


def _conf(name: str, default: str = "") -> str:
    return str(getattr(settings, f"NOTIFICATIONS_EMAIL_{name}", None) or os.environ.get(f"BENHAN_EMAIL_{name}", default))


class EmailChannel:
    def send(self, notification: Notification) -> None:
        host = _conf("HOST")
        if not host:
            raise DeliveryError("no SMTP server configured (BENHAN_EMAIL_HOST)")
        connection = get_connection("django.core.mail.backends.smtp.EmailBackend", host=host,
                                     port=int(_conf("PORT", "25")), username=_conf("USER") or None,
                                     password=_conf("PASSWORD") or None, use_tls=_conf("TLS") == "1", timeout=20)
        message = EmailMessage(TITLE, with_link(notification.text, notification.link) + "\n",
                               _conf("FROM", "benhan@localhost"), [notification.address], connection=connection)
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"the mail server refuses this address: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc}") from exc
