"""The server's VAPID key pair (RFC 8292): push services accept our pushes only when signed by the
key the browser subscribed with. The private key lives in a PEM file outside the repository:
BENHAN_VAPID_KEY_FILE, else var/vapid_private.pem generated on first use (like the secret key)."""

from __future__ import annotations

import base64
import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02


def key_file() -> Path:
    explicit = getattr(settings, "NOTIFICATIONS_VAPID_KEY_FILE", "") or os.environ.get("BENHAN_VAPID_KEY_FILE", "")
    return Path(explicit) if explicit else Path(settings.VAR_DIR) / "vapid_private.pem"


@cache
def _load(path: str) -> Vapid02:
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        vapid = Vapid02()
        vapid.generate_keys()
        pem = vapid.private_pem()
        # Written aside and linked into place: a second process starting at the same moment either
        # wins the link or loads the winner's complete file, never a half-written one.
        temp = file.with_name(f".{file.name}.{os.getpid()}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        try:
            os.link(temp, file)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return Vapid02.from_file(str(file))


def vapid() -> Vapid02:
    return _load(str(key_file()))


def public_key() -> str:
    """The applicationServerKey the browser subscribes with: the raw P-256 point, base64url."""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subject() -> str:
    """Who the push service may contact about our pushes (a mailto: or https: URL, RFC 8292 §2.1)."""
    from .texts import base_url

    return str(getattr(settings, "NOTIFICATIONS_VAPID_SUBJECT", "") or os.environ.get("BENHAN_VAPID_SUBJECT", "")
               or base_url())
