"""Sending prescriptions to the national e-prescription system (donthuocquocgia.vn, TT 26/2025).

`Gateway` is the interface the workflows use; `HttpGateway` speaks the system's HTTP protocol as we
understand it from QĐ 808/QĐ-BYT and public integrations (see protocol.py for the assumptions).
"""

from __future__ import annotations

from .gateway import EPrescriptionError, Gateway, gateway_from_settings
from .protocol import HttpGateway, build_payload

__all__ = ["EPrescriptionError", "Gateway", "HttpGateway", "build_payload", "gateway_from_settings"]
