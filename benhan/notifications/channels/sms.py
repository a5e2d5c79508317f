"""SMS through the patient app's brandname gateway adapter (benhan/portal/sms), the link in the text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from benhan.portal.sms import SmsError, configured_sender

from ..texts import with_link
from .base import DeliveryError

if TYPE_CHECKING:
    from ..models import Notification


class SmsChannel:
    def send(self, notification: Notification) -> None:
        try:
            configured_sender().send(notification.address, with_link(notification.text, notification.link))
        except SmsError as exc:
            raise DeliveryError(str(exc)) from exc
