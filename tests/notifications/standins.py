"""Local stand-ins that speak the real protocols: a web push service (RFC 8030) that checks the VAPID
JWT (RFC 8292) and decrypts the aes128gcm payload (RFC 8291) with the subscription's private key made
in the test; Zalo's ZNS template endpoint; an SMTP server (aiosmtpd)."""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from aiosmtpd.controller import Controller
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _answer(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any] | None = None) -> None:
    data = json.dumps(payload or {}).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


# --- web push ------------------------------------------------------------------------------------
@dataclass
class Browser:
    """A browser's side of a subscription: its ECDH key pair and auth secret (never leave the test)."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict[str, Any]:
        raw = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                        serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64u(raw), "auth": b64u(self.auth)}}


@dataclass
class PushService:
    url: str = ""
    application_server_key: str = ""  # the VAPID public key the browser subscribed with
    browsers: dict[str, Browser] = field(default_factory=dict)
    delivered: list[dict[str, Any]] = field(default_factory=list)  # decrypted payloads
    refused: list[str] = field(default_factory=list)
    answer: int = 201  # set 503 to fail, 410 for a dropped subscription

    def new_browser(self) -> Browser:
        name = b64u(os.urandom(9))
        browser = Browser(f"{self.url}/push/{name}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.browsers[name] = browser
        return browser


def check_vapid(authorization: str, audience: str, expected_key: str) -> dict[str, Any]:
    """RFC 8292 §3: `vapid t=<JWT>, k=<public key>`; ES256 over the JWT with k; aud, exp and sub."""
    if not authorization.startswith("vapid "):
        raise ValueError("not a vapid Authorization")
    parts = dict(p.strip().split("=", 1) for p in authorization[6:].split(","))
    token, key = parts["t"], parts["k"]
    if key != expected_key:
        raise ValueError("signed with a key other than the subscription's applicationServerKey")
    header_b64, claims_b64, signature_b64 = token.split(".")
    if json.loads(unb64u(header_b64)).get("alg") != "ES256":
        raise ValueError("alg is not ES256")
    signature = unb64u(signature_b64)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(key))
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ValueError("bad JWT signature") from exc
    claims: dict[str, Any] = json.loads(unb64u(claims_b64))
    if claims.get("aud") != audience:
        raise ValueError(f"aud {claims.get('aud')} is not {audience}")
    if not time.time() < int(claims.get("exp", 0)) <= time.time() + 24 * 3600:
        raise ValueError("exp missing, past, or more than 24 hours ahead")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:", "http:")):
        raise ValueError("sub is not a mailto: or https: URL")
    return claims


@contextmanager
def push_service(application_server_key: str) -> Iterator[PushService]:
    service = PushService(application_server_key=application_server_key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            browser = service.browsers.get(self.path.rsplit("/", 1)[-1])
            if browser is None:
                return _answer(self, 404, {"error": "no such subscription"})
            try:
                check_vapid(self.headers.get("Authorization", ""), service.url, service.application_server_key)
                if self.headers.get("Content-Encoding") != "aes128gcm" or not self.headers.get("TTL"):
                    raise ValueError("Content-Encoding aes128gcm and TTL are required")
                plain = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth,
                                         version="aes128gcm")
            except (ValueError, KeyError) as exc:
                service.refused.append(str(exc))
                return _answer(self, 403 if "JWT" in str(exc) or "key" in str(exc) else 400, {"error": str(exc)})
            if service.answer != 201:
                return _answer(self, service.answer, {"error": "unavailable"})
            service.delivered.append({"browser": browser.endpoint, **json.loads(plain)})
            return _answer(self, 201)

        def log_message(self, *args: object) -> None:
            pass

    server, service.url = _serve(Handler)
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


# --- Zalo ZNS ------------------------------------------------------------------------------------
ZNS_TOKEN = "oa-access-token-for-tests"


@dataclass
class Zns:
    url: str = ""
    templates: set[str] = field(default_factory=lambda: {"301234"})
    sent: list[dict[str, Any]] = field(default_factory=list)
    error: int = 0  # force a ZNS error code


def validate_zns(headers: Any, body: dict[str, Any], zns: Zns) -> tuple[int, str]:
    """The checks the ZNS API makes, as documented: token, phone 84…, approved template, data map."""
    if headers.get("access_token") != ZNS_TOKEN:
        return -124, "Access token is invalid"
    phone = str(body.get("phone", ""))
    if not (phone.startswith("84") and phone.isdigit() and len(phone) == 11):
        return -108, "Phone number is invalid"
    if str(body.get("template_id")) not in zns.templates:
        return -131, "Template is not approved"
    data = body.get("template_data")
    if not isinstance(data, dict) or not data or len(data) > 10 or not all(isinstance(v, str) for v in data.values()):
        return -115, "template_data is invalid"
    if not body.get("tracking_id"):
        return -100, "tracking_id is required"
    return 0, "Success"


@contextmanager
def zns_service() -> Iterator[Zns]:
    zns = Zns()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            error, message = (zns.error, "forced") if zns.error else validate_zns(self.headers, body, zns)
            if error:
                return _answer(self, 200, {"error": error, "message": message})
            zns.sent.append(body)
            return _answer(self, 200, {"error": 0, "message": "Success",
                                       "data": {"msg_id": str(len(zns.sent)), "sent_time": str(int(time.time() * 1000))}})

        def log_message(self, *args: object) -> None:
            pass

    server, base = _serve(Handler)
    zns.url = base + "/message/template"
    try:
        yield zns
    finally:
        server.shutdown()
        server.server_close()


# --- SMTP ----------------------------------------------------------------------------------------
@dataclass
class Mailbox:
    port: int = 0
    messages: list[Message] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox()

    class Handler:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
            if address in box.refuse:
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            box.messages.append(message_from_bytes(envelope.content))
            return "250 Message accepted"

    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check connects to the given one)
        probe.bind(("127.0.0.1", 0))
        box.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
