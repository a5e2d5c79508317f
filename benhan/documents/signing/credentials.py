"""From a user to something that signs: their active credential, its key file or its remote CA."""

from __future__ import annotations

import os
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


def remote_provider(base_url: str) -> RemoteSigningProvider:
    """The HTTP provider for a CA's signing service; the facility's API token comes from the environment."""
    conf = getattr(settings, "BENHAN_REMOTE_SIGNING", {})
    return HttpRemoteSigningProvider(
        base_url,
        token=os.environ.get("BENHAN_REMOTE_SIGNING_TOKEN", ""),
        poll_interval=float(conf.get("poll_interval", 2.0)),
        timeout=float(conf.get("timeout", 180.0)),
    )


def signer_for(credential: SigningCredential) -> DigestSigner:
    cert = load_pem_chain(credential.certificate_pem)[0]
    chain = load_pem_chain(credential.chain_pem)
    if credential.kind == SigningCredential.Kind.REMOTE:
        return RemoteSigner(cert, chain, provider=remote_provider(credential.remote_url),
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
