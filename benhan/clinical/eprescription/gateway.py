"""The adapter interface to the national e-prescription system, and its configuration."""

from __future__ import annotations

import os
import re
from typing import Any, Protocol

CODE_RE = re.compile(r"^[0-9A-Za-z\-]{14}$")


class EPrescriptionError(Exception):
    """The national system refused the prescription or could not be reached; `message` is Vietnamese."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class Gateway(Protocol):
    def submit(self, payload: dict[str, Any]) -> str:
        """Send one prescription; return the 14-character national prescription code."""
        ...


def gateway_from_settings() -> Gateway | None:
    """The configured gateway, or None when this install does not send prescriptions (codes typed by hand)."""
    from .protocol import HttpGateway

    url = os.environ.get("BENHAN_EPRESCRIPTION_URL", "").strip()
    if not url:
        return None
    return HttpGateway(
        url,
        os.environ.get("BENHAN_EPRESCRIPTION_USER", ""),
        os.environ.get("BENHAN_EPRESCRIPTION_PASSWORD", ""),
        timeout=float(os.environ.get("BENHAN_EPRESCRIPTION_TIMEOUT", "10")),
    )
