"""From a user to something that signs: their active credential, its key file or its remote CA."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings

from ...accounts.models import User
from ..models import SigningCredential
from ..pki.authority import store_credential
from ..pki.certs import load_pem_chain
from ..pki.storage import load_private_key
from ..records import person_name
from .keys import DigestSigner, LocalKeySigner, SigningError
from .remote import HttpRemoteSigningProvider, RemoteSigner, RemoteSigningProvider


def active_credential(user: User, at: datetime | None = None) -> SigningCredential:
    """The credential a user signs with now; refused when missing, expired, not yet valid or revoked."""
    at = at or datetime.now(UTC)
    credential = SigningCredential.objects.filter(user=user, active=True).first()
    if credential is None:
        raise SigningError(f"{person_name(user)} chưa có chứng thư số để ký")
    if credential.revoked_at is not None:
        raise SigningError("chứng thư số đã bị thu hồi")
    if not credential.not_before <= at <= credential.not_after:
        raise SigningError("chứng thư số đã hết hạn hoặc chưa có hiệu lực")
    return credential


def remote_provider(base_url: str, on_wait: Callable[[], None] | None = None) -> RemoteSigningProvider:
    """The HTTP provider for a CA's signing service; the facility's API token comes from the environment.
    `on_wait` runs before each pause between polls (a job keeps its lease with it)."""
    conf = getattr(settings, "BENHAN_REMOTE_SIGNING", {})

    def pause(seconds: float) -> None:
        if on_wait is not None:
            on_wait()
        time.sleep(seconds)

    return HttpRemoteSigningProvider(
        base_url,
        token=os.environ.get("BENHAN_REMOTE_SIGNING_TOKEN", ""),
        poll_interval=float(conf.get("poll_interval", 2.0)),
        timeout=float(conf.get("timeout", 180.0)),
        http_timeout=float(conf.get("http_timeout", 15.0)),
        sleep=pause,
    )


def is_remote(user: User) -> bool:
    """Whether the user's active credential lives with a remote CA (signing then waits for their phone)."""
    return SigningCredential.objects.filter(user=user, active=True, kind=SigningCredential.Kind.REMOTE).exists()


def signer_for(credential: SigningCredential, on_wait: Callable[[], None] | None = None) -> DigestSigner:
    cert = load_pem_chain(credential.certificate_pem)[0]
    chain = load_pem_chain(credential.chain_pem)
    if credential.kind == SigningCredential.Kind.REMOTE:
        return RemoteSigner(cert, chain, provider=remote_provider(credential.remote_url, on_wait),
                            credential_id=credential.remote_credential_id)
    try:
        key = load_private_key(credential.key_path)
    except FileNotFoundError as exc:
        raise SigningError("không tìm thấy tệp khóa bí mật của chứng thư số trên máy chủ") from exc
    except ValueError as exc:  # wrong passphrase: BENHAN_PKI_PASSPHRASE changed since the key was stored
        raise SigningError("không mở được khóa bí mật: cụm mật khẩu BENHAN_PKI_PASSPHRASE không đúng") from exc
    return LocalKeySigner(cert, chain, key=key)


def enroll_remote(user: User, base_url: str, credential_id: str,
                  provider: RemoteSigningProvider | None = None) -> SigningCredential:
    """Register a user's certificate held by a remote-signing CA (fetched from the CA, not typed in)."""
    provider = provider or remote_provider(base_url)
    certs = provider.certificate_chain(credential_id)
    if not certs:
        raise SigningError("dịch vụ ký số từ xa không trả về chứng thư số")
    return store_credential(user, SigningCredential.Kind.REMOTE, certs[0], certs[1:],
                            remote_url=base_url, remote_credential_id=credential_id)
