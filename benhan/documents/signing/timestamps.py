"""RFC 3161 timestamps for PAdES-B-T: a trusted time on the signature, from a timestamp authority (TSA).

Vietnamese lawful CAs run TSAs; the URL is configured with BENHAN_TSA_URL (setting or environment).
Without one, signatures are PAdES-B-B and the signing time is the server's own record.
"""

from __future__ import annotations

import os

import httpx
from asn1crypto import tsp
from django.conf import settings
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from .keys import SigningError


class HttpTimeStamper(TimeStamper):
    """The RFC 3161 HTTP transport (POST application/timestamp-query), over httpx."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        super().__init__()

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, content=req.dump(),
                                             headers={"Content-Type": "application/timestamp-query"})
        except httpx.HTTPError as exc:
            raise SigningError(f"không kết nối được dịch vụ cấp dấu thời gian: {exc}") from exc
        if response.status_code != 200 or response.headers.get("Content-Type") != "application/timestamp-reply":
            raise TimestampRequestError(f"dịch vụ cấp dấu thời gian trả lời không hợp lệ (HTTP {response.status_code})")
        return tsp.TimeStampResp.load(response.content)


def configured_timestamper() -> TimeStamper | None:
    url = getattr(settings, "BENHAN_TSA_URL", "") or os.environ.get("BENHAN_TSA_URL", "")
    return HttpTimeStamper(url) if url else None
