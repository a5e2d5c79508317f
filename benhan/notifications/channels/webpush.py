"""Web push (RFC 8030) with VAPID (RFC 8292) and the aes128gcm payload encryption (RFC 8291), by
pywebpush. The payload is the neutral notice and the link; the service worker shows it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import requests
from pywebpush import WebPushException, webpush

from ..texts import TITLE
from ..vapid import subject, vapid
from .base import DeliveryError

if TYPE_CHECKING:
    from ..models import Notification

TTL_SECONDS = 24 * 3600
GONE = (404, 410)  # the browser dropped the subscription: it never comes back


class WebPushSender:
    def send(self, notification: Notification) -> None:
        from ..models import PushSubscription

        sub = PushSubscription.objects.filter(pk=notification.address, account_id=notification.account_id).first()
        if sub is None:
            raise DeliveryError("the push subscription was removed", permanent=True)
        data = json.dumps({"title": TITLE, "body": notification.text, "url": notification.link}, ensure_ascii=False)
        try:
            webpush({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}, data,
                    vapid_private_key=vapid(), vapid_claims={"sub": subject()}, ttl=TTL_SECONDS, timeout=10)
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status in GONE:
                sub.delete()
            raise DeliveryError(f"push service answered {status}", permanent=status in GONE or status in (400, 403, 413)) from exc
        except requests.RequestException as exc:
            raise DeliveryError(f"push service unreachable: {exc}") from exc
