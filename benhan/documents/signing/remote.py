"""Remote signing through a Vietnamese CA's signing service (VNPT SmartCA, Viettel MySign and the like).

These services keep the signer's key in the CA's HSM and ask the signer to approve each signature on
their phone. Their public documentation describes the same three-step shape, which this module
speaks over HTTP JSON:

    GET  {base}/v1/credentials/{credential_id}
         -> 200 {"credential_id", "status": "active", "certificates": [base64 DER, leaf first]}
    POST {base}/v1/signatures
         {"credential_id", "hash": base64, "hash_algorithm": "SHA-256", "description", "request_id"}
         -> 202 {"transaction_id", "status": "pending", "expires_in": seconds}
    GET  {base}/v1/signatures/{transaction_id}
         -> 200 {"status": "pending"}                                   (the signer has not answered)
         -> 200 {"status": "approved", "signature": base64, "certificates": [base64 DER, leaf first]}
         -> 200 {"status": "rejected" | "expired", "message": "..."}

Every request carries `Authorization: Bearer <token>` (the facility's API credential with the CA).
A provider that differs (field names, OAuth token endpoint) gets its own RemoteSigningProvider.
"""

from __future__ import annotations

import base64
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from .keys import DigestSigner, SigningError, verify_digest_signature


class RemoteSigningRejected(SigningError):
    pass


class RemoteSigningTimeout(SigningError):
    pass


class RemoteSigningUnavailable(SigningError):
    """The CA's service could not be reached or answered 5xx/429: worth trying again later."""


class RemoteSigningProvider(ABC):
    """What benhan needs from a remote-signing CA."""

    @abstractmethod
    def certificate_chain(self, credential_id: str) -> list[x509.Certificate]: ...

    @abstractmethod
    def sign_hash(self, credential_id: str, digest: bytes, hash_name: str, description: str) -> bytes: ...


def _certs(items: list[str]) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(base64.b64decode(i)) for i in items]


@dataclass
class HttpRemoteSigningProvider(RemoteSigningProvider):
    base_url: str
    token: str
    poll_interval: float = 2.0
    timeout: float = 180.0  # how long the signer has to approve on their phone
    http_timeout: float = 15.0  # one HTTP exchange with the CA
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep

    def _http(self) -> httpx.Client:
        if self.client is None:
            self.client = httpx.Client(base_url=self.base_url.rstrip("/"), timeout=self.http_timeout,
                                       headers={"Authorization": f"Bearer {self.token}"})
        return self.client

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RemoteSigningUnavailable(f"không kết nối được dịch vụ ký số từ xa ({type(exc).__name__})") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise RemoteSigningUnavailable(f"dịch vụ ký số từ xa tạm thời lỗi HTTP {response.status_code}")
        return self._json(response)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise SigningError(f"dịch vụ ký số từ xa trả lỗi HTTP {response.status_code}: {response.text[:200]}")
        body = response.json()
        if not isinstance(body, dict):
            raise SigningError("dịch vụ ký số từ xa trả về dữ liệu không hợp lệ")
        return body

    def certificate_chain(self, credential_id: str) -> list[x509.Certificate]:
        body = self._call("GET", f"/v1/credentials/{credential_id}")
        if body.get("status") != "active":
            raise SigningError(f"chứng thư số từ xa không hoạt động (trạng thái {body.get('status')})")
        return _certs(body.get("certificates") or [])

    def sign_hash(self, credential_id: str, digest: bytes, hash_name: str, description: str) -> bytes:
        submitted = self._call("POST", "/v1/signatures", json={
            "credential_id": credential_id,
            "hash": base64.b64encode(digest).decode(),
            "hash_algorithm": hash_name.upper().replace("SHA", "SHA-"),
            "description": description,
            "request_id": str(uuid.uuid4()),
        })
        transaction_id = submitted["transaction_id"]
        deadline = time.monotonic() + self.timeout
        while True:
            body = self._call("GET", f"/v1/signatures/{transaction_id}")
            status = body.get("status")
            if status == "approved":
                return base64.b64decode(body["signature"])
            if status == "rejected":
                raise RemoteSigningRejected(f"người ký đã từ chối yêu cầu ký ({body.get('message', '')})".replace(" ()", ""))
            if status == "expired":
                raise RemoteSigningTimeout("yêu cầu ký đã hết hạn trên dịch vụ ký số từ xa")
            if time.monotonic() >= deadline:
                raise RemoteSigningTimeout(f"quá {self.timeout:g} giây chưa được người ký xác nhận")
            self.sleep(self.poll_interval)


@dataclass
class RemoteSigner(DigestSigner):
    """Signs through a provider; checks each returned signature against the certificate before use."""

    provider: RemoteSigningProvider | None = None
    credential_id: str = ""

    def sign_digest(self, digest: bytes, hash_name: str, description: str = "") -> bytes:
        assert self.provider is not None
        signature = self.provider.sign_hash(self.credential_id, digest, hash_name, description)
        try:
            verify_digest_signature(self.certificate, signature, digest, hash_name)
        except InvalidSignature as exc:
            raise SigningError("chữ ký trả về từ dịch vụ ký số từ xa không khớp chứng thư số") from exc
        return signature
