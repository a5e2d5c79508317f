"""Where key material lives: files under settings.VAR_DIR/pki, private keys encrypted at rest.

Private keys never enter the database or the repository. The passphrase that encrypts them comes from
BENHAN_PKI_PASSPHRASE; an installation without it gets a generated one kept 0600 beside the keys, so
a copied database alone never yields a usable key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from django.conf import settings


def pki_dir() -> Path:
    path = Path(getattr(settings, "BENHAN_PKI_DIR", "") or Path(settings.VAR_DIR) / "pki")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def passphrase() -> bytes:
    if env := os.environ.get("BENHAN_PKI_PASSPHRASE"):
        return env.encode()
    path = pki_dir() / "passphrase"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(32).encode())
    return path.read_bytes().strip()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def save_private_key(relative: str, key: PrivateKeyTypes) -> str:
    """Write the key encrypted (PKCS#8, best available cipher) and return its path relative to pki_dir()."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase()),
    )
    _write_private(pki_dir() / relative, pem)
    return relative


def load_private_key(relative: str) -> PrivateKeyTypes:
    return serialization.load_pem_private_key((pki_dir() / relative).read_bytes(), password=passphrase())
