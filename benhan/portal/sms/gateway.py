"""The SMS brandname gateway over HTTP.

Assumed protocol (the common shape of Vietnamese brandname gateways' REST APIs; adapt here when a
provider is chosen): POST <url> with header `X-Api-Key: <key>` and JSON body
`{"phone": "84xxxxxxxxx", "message": "...", "brandname": "..."}`; any 2xx answer whose JSON does not
say `"status": "error"` means accepted. Phones go out in the international 84 form most gateways want.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

from .base import SmsError, SmsSender

log = logging.getLogger(__name__)


def international(phone: str) -> str:
    return "84" + phone[1:] if phone.startswith("0") else phone


class HttpSmsGateway:
    def __init__(self, url: str, api_key: str, brandname: str = "BENHAN", timeout: float = 5.0) -> None:
        self.url = url
        self.api_key = api_key
        self.brandname = brandname
        self.timeout = timeout

    def send(self, phone: str, message: str) -> None:
        body = json.dumps({"phone": international(phone), "message": message, "brandname": self.brandname}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Api-Key": self.api_key})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                answer = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS gateway unreachable or refused: {exc}") from exc
        try:
            parsed = json.loads(answer or b"{}")
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict) and parsed.get("status") == "error":
            raise SmsError(f"SMS gateway refused the message: {parsed.get('message', '')}")


class LogSender:
    """Development only (no gateway configured): the message goes to the server log instead of a phone."""

    def send(self, phone: str, message: str) -> None:
        log.warning("SMS to %s (no BENHAN_SMS_URL configured): %s", phone, message)


class UnconfiguredSender:
    """No gateway and no explicit opt-in to logging: refuse, rather than leave login codes in logs."""

    def send(self, phone: str, message: str) -> None:
        raise SmsError("Chưa cấu hình dịch vụ tin nhắn SMS (BENHAN_SMS_URL); vui lòng liên hệ cơ sở y tế.")


def configured_sender() -> SmsSender:
    url = getattr(settings, "PORTAL_SMS_URL", "")
    if url:
        return HttpSmsGateway(url, getattr(settings, "PORTAL_SMS_API_KEY", ""),
                              getattr(settings, "PORTAL_SMS_BRANDNAME", "BENHAN"))
    # Codes in the server log are for a local demo only, and only when asked for (make run does).
    if settings.DEBUG or getattr(settings, "PORTAL_SMS_TO_LOG", False):
        return LogSender()
    return UnconfiguredSender()
