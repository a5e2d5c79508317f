"""A stand-in for a remote-signing CA (the VNPT SmartCA / Viettel MySign shape) on 127.0.0.1.

A real HTTP server in a thread, with its own root key and one signing key per credential, speaking
the protocol documented in benhan.documents.signing.remote. `behaviour` decides what the simulated
signer does on their phone: approve (after some polls), reject, or never answer.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

HASHES = {"SHA-256": hashes.SHA256(), "SHA-384": hashes.SHA384(), "SHA-512": hashes.SHA512()}


def _name(cn: str, **extra: str) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    attrs += [x509.NameAttribute(NameOID.SERIAL_NUMBER, v) for v in extra.values()]
    return x509.Name(attrs)


@dataclass
class Credential:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    behaviour: str = "approve"  # approve | reject | never | wrong-key
    approve_after_polls: int = 1


@dataclass
class StandinRemoteCA:
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    credentials: dict[str, Credential] = field(default_factory=dict)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests_seen: list[tuple[str, str]] = field(default_factory=list)
    unavailable: int = 0  # the next N signature requests are answered 503 (the CA's service is down)
    delay_seconds: float = 0.0  # every answer waits this long (a slow CA)

    def __post_init__(self) -> None:
        self.root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC) - timedelta(minutes=5)
        name = _name("Stand-in Remote Signing Root CA")
        self.root = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.root_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(self.root_key, hashes.SHA256())
        )
        self._server: ThreadingHTTPServer | None = None

    @property
    def root_pem(self) -> str:
        return self.root.public_bytes(serialization.Encoding.PEM).decode()

    def add_credential(self, credential_id: str, holder: str, licence: str) -> Credential:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC) - timedelta(minutes=5)
        cert = (
            x509.CertificateBuilder().subject_name(_name(holder, serial=f"CCHN:{licence}"))
            .issuer_name(self.root.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(self.root_key, hashes.SHA256())
        )
        self.credentials[credential_id] = Credential(key, cert)
        return self.credentials[credential_id]

    def _chain(self, credential_id: str) -> list[str]:
        return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                for c in (self.credentials[credential_id].cert, self.root)]

    # --- protocol ------------------------------------------------------------------------------
    def handle(self, method: str, path: str, auth: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        self.requests_seen.append((method, path))
        if auth != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}
        parts = path.strip("/").split("/")
        if method == "GET" and parts[:2] == ["v1", "credentials"] and len(parts) == 3:
            if parts[2] not in self.credentials:
                return 404, {"error": "unknown credential"}
            return 200, {"credential_id": parts[2], "status": "active", "certificates": self._chain(parts[2])}
        if method == "POST" and parts == ["v1", "signatures"] and body is not None:
            if self.unavailable > 0:
                self.unavailable -= 1
                return 503, {"error": "service unavailable"}
            if body.get("credential_id") not in self.credentials or body.get("hash_algorithm") not in HASHES:
                return 400, {"error": "bad request"}
            tid = uuid.uuid4().hex
            self.transactions[tid] = {**body, "polls": 0}
            return 202, {"transaction_id": tid, "status": "pending", "expires_in": 300}
        if method == "GET" and parts[:2] == ["v1", "signatures"] and len(parts) == 3 and parts[2] in self.transactions:
            tx = self.transactions[parts[2]]
            tx["polls"] += 1
            cred = self.credentials[tx["credential_id"]]
            if cred.behaviour == "reject":
                return 200, {"status": "rejected", "message": "người dùng từ chối"}
            if cred.behaviour == "never" or tx["polls"] < cred.approve_after_polls:
                return 200, {"status": "pending"}
            key = cred.key if cred.behaviour == "approve" else rsa.generate_private_key(public_exponent=65537, key_size=2048)
            signature = key.sign(base64.b64decode(tx["hash"]), padding.PKCS1v15(), Prehashed(HASHES[tx["hash_algorithm"]]))
            return 200, {"status": "approved", "signature": base64.b64encode(signature).decode(),
                         "certificates": self._chain(tx["credential_id"])}
        return 404, {"error": "not found"}

    # --- server --------------------------------------------------------------------------------
    def start(self) -> str:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method: str) -> None:
                if standin.delay_seconds:
                    time.sleep(standin.delay_seconds)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                status, payload = standin.handle(method, self.path, self.headers.get("Authorization", ""), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._reply("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._reply("POST")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
