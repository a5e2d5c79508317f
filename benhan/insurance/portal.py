"""Client for the social-security (BHXH) appraisal portal: take a token, then upload signed envelopes.

Protocol (VN-STANDARDS.md §2.5): POST form `username`, `password` (MD5 hex) to `api/token/take`,
which answers `APIKey {access_token, id_token, expires_in}`; then POST form-encoded `username,
loaiHoSo, maTinh, maCSKCB, fileHSBase64` to `api/qd130/guiHoSoXmlQD<version>` with headers
`accessToken`, `tokenId`, `passwordHash`; the answer carries `maKetQua`, `maGiaoDich`, `thongDiep`.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class PortalError(RuntimeError):
    """The portal refused the request (`retryable` when trying again later may succeed)."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class SubmissionReceipt:
    code: str  # maKetQua
    transaction_id: str  # maGiaoDich
    message: str  # thongDiep


class ClaimPortal(Protocol):
    def submit(self, facility_code: str, signed_envelope: bytes) -> SubmissionReceipt: ...


@dataclass
class BhxhPortalClient:
    base_url: str
    username: str
    password: str
    version: str = "3176"
    timeout: float = 30.0
    max_attempts: int = 4
    backoff_seconds: float = 1.0
    transport: httpx.BaseTransport | None = None
    _token: tuple[str, str, float] | None = field(default=None, init=False, repr=False)

    @property
    def password_hash(self) -> str:
        # The portal takes the MD5 of the password: its protocol, not our choice of hash.
        return hashlib.md5(self.password.encode(), usedforsecurity=False).hexdigest()

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url.rstrip("/") + "/", timeout=self.timeout, transport=self.transport)

    def _login(self, client: httpx.Client) -> tuple[str, str]:
        if self._token and self._token[2] > time.monotonic() + 30:
            return self._token[0], self._token[1]
        response = client.post("api/token/take", data={"username": self.username, "password": self.password_hash})
        body = self._json(response)
        key = body.get("APIKey") or {}
        if response.status_code != 200 or not key.get("access_token"):
            raise PortalError(f"đăng nhập cổng BHXH thất bại: {body.get('thongDiep') or response.status_code}",
                              code=str(body.get("maKetQua", response.status_code)),
                              retryable=response.status_code in RETRYABLE_STATUS)
        self._token = (key["access_token"], key.get("id_token", ""), time.monotonic() + float(key.get("expires_in", 300)))
        return self._token[0], self._token[1]

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def submit(self, facility_code: str, signed_envelope: bytes) -> SubmissionReceipt:
        """Upload one signed envelope, retrying transient failures with exponential backoff."""
        last: PortalError | None = None
        for attempt in range(self.max_attempts):
            if attempt:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            try:
                return self._submit_once(facility_code, signed_envelope)
            except httpx.TransportError as exc:
                last = PortalError(f"không kết nối được cổng BHXH: {exc}", retryable=True)
            except PortalError as exc:
                if not exc.retryable:
                    raise
                last = exc
        assert last is not None
        raise last

    def _submit_once(self, facility_code: str, signed_envelope: bytes) -> SubmissionReceipt:
        with self._client() as client:
            access, token_id = self._login(client)
            response = client.post(
                f"api/qd130/guiHoSoXmlQD{self.version}",
                headers={"accessToken": access, "tokenId": token_id, "passwordHash": self.password_hash},
                data={
                    "username": self.username,
                    "loaiHoSo": self.version,
                    "maTinh": facility_code[:2],
                    "maCSKCB": facility_code,
                    "fileHSBase64": base64.b64encode(signed_envelope).decode(),
                },
            )
        body = self._json(response)
        if response.status_code == 401:
            self._token = None  # expired on their side: log in again on the next attempt
            raise PortalError("phiên đăng nhập cổng BHXH đã hết hạn", code="401", retryable=True)
        code = str(body.get("maKetQua", response.status_code))
        if response.status_code != 200 or code != "200":
            raise PortalError(body.get("thongDiep") or f"cổng BHXH trả lỗi {response.status_code}", code=code,
                              retryable=response.status_code in RETRYABLE_STATUS)
        return SubmissionReceipt(code, str(body.get("maGiaoDich", "")), str(body.get("thongDiep", "")))


def configured_portal(facility_code: str) -> BhxhPortalClient | None:
    """The portal client for a facility from settings (`BHXH_PORTAL_URL`, `BHXH_PORTAL_USERNAMES`) and the
    password from the environment (`BENHAN_BHXH_PASSWORD`, never in the repository); None when unset."""
    import os

    from django.conf import settings

    url = getattr(settings, "BHXH_PORTAL_URL", "")
    username = getattr(settings, "BHXH_PORTAL_USERNAMES", {}).get(facility_code, "")
    password = os.environ.get("BENHAN_BHXH_PASSWORD", "")
    if not (url and username and password):
        return None
    return BhxhPortalClient(url, username, password, version=getattr(settings, "BHYT_XML_VERSION", "3176"))
