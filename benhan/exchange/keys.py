"""Each facility's exchange signing key (EC P-256), kept under var/ and never in the repository."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from jwcrypto import jwk


def _key_dir() -> Path:
    path = Path(getattr(settings, "EXCHANGE_KEY_DIR", settings.VAR_DIR / "exchange"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def facility_key(code: str) -> jwk.JWK:
    """The private key a facility signs its messages with; made on first use."""
    path = _key_dir() / f"{code}.jwk"
    if path.exists():
        return jwk.JWK.from_json(path.read_text())
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid=code)
    # Create with 0600 from the start so the private key is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.export_private())
    return key


def public_jwk(code: str) -> dict[str, Any]:
    public: dict[str, Any] = json.loads(facility_key(code).export_public())
    public["kid"] = code
    return public
