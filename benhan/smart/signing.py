"""The server's RSA key for ID tokens (RS256), and its public half as a JWKS.

Like the Django secret key: from a file named by BENHAN_SMART_SIGNING_KEY in production, else a key
generated once into var/ (never in the repository).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from joserfc import jwt
from joserfc.jwk import RSAKey


def _key_path() -> Path:
    named = getattr(settings, "SMART_SIGNING_KEY_FILE", "")
    return Path(named) if named else Path(settings.VAR_DIR) / "smart_signing_key.pem"


@cache
def signing_key() -> RSAKey:
    path = _key_path()
    if not path.exists():
        key = RSAKey.generate_key(2048, private=True)
        path.write_bytes(key.as_pem(private=True))
        path.chmod(0o600)
    key = RSAKey.import_key(path.read_bytes())
    key.ensure_kid()
    return key


def jwks() -> dict[str, Any]:
    public = signing_key().as_dict(private=False)
    return {"keys": [{**public, "use": "sig", "alg": "RS256"}]}


def sign(claims: dict[str, Any]) -> str:
    key = signing_key()
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
