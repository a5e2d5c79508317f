"""Zalo ZNS (Zalo Notification Service): a pre-approved template sent to a phone number through the
facility's Zalo Official Account.

Protocol (developers.zalo.me, "Gửi ZNS"): POST https://business.openapi.zalo.me/message/template with
header `access_token: <OA access token>` and JSON `{"phone": "84…", "template_id": "…",
"template_data": {…}, "tracking_id": "…"}`; the answer is `{"error": 0, "message": "Success",
"data": {"msg_id": …}}`, or a negative `error` code. The template (approved by Zalo beforehand) holds
the neutral words; benhan fills only the notice's kind and the link's path, never clinical content.
Template ids per kind come from BENHAN_ZNS_TEMPLATES (`result_ready=123,referral_arrived=456`) or
one BENHAN_ZNS_TEMPLATE_ID for every kind.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import httpx
from django.conf import settings

from benhan.portal.sms.gateway import international

from ..texts import absolute
from .base import DeliveryError

if TYPE_CHECKING:
    from ..models import Notification

DEFAULT_URL = "https://business.openapi.zalo.me/message/template"
# Codes after which the same request cannot succeed (invalid phone, no usable Zalo account on the
# number, template not approved): dead-lettered at once. Any other code (expired access token,
# quota, Zalo's own errors) is retried with backoff while an operator fixes it.
PERMANENT = {-108, -109, -118, -119, -131}
KIND_WORDS = {"result_ready": "Kết quả mới", "appointment_reminder": "Lịch hẹn sắp tới",
              "question_answered": "Câu hỏi đã có trả lời", "referral_arrived": "Giấy chuyển tuyến mới"}


def _conf(name: str, default: str = "") -> str:
    return str(getattr(settings, f"NOTIFICATIONS_ZNS_{name}", None) or os.environ.get(f"BENHAN_ZNS_{name}", default))


def templates() -> dict[str, str]:
    pairs = [p.split("=", 1) for p in _conf("TEMPLATES").split(",") if "=" in p]
    return {k.strip(): v.strip() for k, v in pairs}


class ZnsSender:
    def __init__(self, url: str, access_token: str, template_ids: dict[str, str], default_template: str,
                 timeout: float = 10.0) -> None:
        self.url, self.access_token, self.timeout = url, access_token, timeout
        self.template_ids, self.default_template = template_ids, default_template

    def payload(self, notification: Notification) -> dict[str, object]:
        template = self.template_ids.get(notification.kind, self.default_template)
        if not template:
            raise DeliveryError(f"no ZNS template for {notification.kind}", permanent=True)
        return {"phone": international(notification.address), "template_id": template,
                "template_data": {"loai_thong_bao": KIND_WORDS.get(notification.kind, "Thông báo mới"),
                                  "duong_dan": absolute(notification.link)},
                "tracking_id": f"benhan-{notification.pk}"}

    def send(self, notification: Notification) -> None:
        if not self.access_token:
            raise DeliveryError("no ZNS access token configured (BENHAN_ZNS_ACCESS_TOKEN)")
        try:
            response = httpx.post(self.url, json=self.payload(notification), timeout=self.timeout,
                                  headers={"access_token": self.access_token})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"ZNS unreachable: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        error = answer.get("error") if isinstance(answer, dict) else None
        if response.status_code >= 500 or not isinstance(error, int):
            raise DeliveryError(f"ZNS answered HTTP {response.status_code}")
        if error != 0:
            raise DeliveryError(f"ZNS error {error}: {answer.get('message', '')}", permanent=error in PERMANENT)


def configured() -> ZnsSender:
    return ZnsSender(_conf("URL", DEFAULT_URL), _conf("ACCESS_TOKEN"), templates(), _conf("TEMPLATE_ID"))
