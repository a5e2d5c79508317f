"""A local stand-in OpenID Connect provider (the shape of a national e-ID): discovery, authorize, token
and JWKS on 127.0.0.1, issuing real RS256-signed ID tokens. Its authorize step logs in `person`
without a screen; the test can spoil one thing (nonce, audience, expiry, signing key, issuer) to
prove the client refuses it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "benhan-app"
CLIENT_SECRET = "standin-secret"


@dataclass
class Provider:
    url: str = ""
    person: dict[str, Any] = field(default_factory=lambda: {"sub": "vneid-0001", "phone_number": "0912345678",
                                                            "phone_number_verified": True, "cccd": "079068012345"})
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, private=True))
    spoil: str = ""  # nonce, aud, exp, key, iss
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": nonce, **self.person}
        if self.spoil == "nonce":
            claims["nonce"] = "another-" + nonce
        elif self.spoil == "aud":
            claims["aud"] = "another-client"
        elif self.spoil == "exp":
            claims["iat"], claims["exp"] = now - 900, now - 600
        elif self.spoil == "iss":
            claims["iss"] = "https://evil.example"
        key = RSAKey.generate_key(2048, private=True) if self.spoil == "key" else self.key
        key.ensure_kid()
        if self.spoil == "key":
            kid = self.key.kid
            assert kid is not None, "running() gives the provider's key a kid"
            key = RSAKey.import_key(key.as_dict(private=True), {"kid": kid})  # same kid, wrong key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


@contextmanager
def running() -> Iterator[Provider]:
    provider = Provider()
    provider.key.ensure_kid()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, {
                    "issuer": provider.url, "authorization_endpoint": f"{provider.url}/authorize",
                    "token_endpoint": f"{provider.url}/token", "jwks_uri": f"{provider.url}/jwks",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                })
            elif parts.path == "/jwks":
                self._json(200, {"keys": [{**provider.key.as_dict(private=False), "use": "sig", "alg": "RS256"}]})
            elif parts.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if q.get("client_id") != CLIENT_ID or q.get("code_challenge_method") != "S256":
                    self._json(400, {"error": "invalid_request"})
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = q
                self.send_response(302)
                self.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
                self.end_headers()
            else:
                self._json(404, {})

        def do_POST(self) -> None:  # noqa: N802
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
            provider.token_requests.append(form)
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {basic}":
                self._json(401, {"error": "invalid_client"})
                return
            asked = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if asked is None or asked["redirect_uri"] != form.get("redirect_uri") or asked["code_challenge"] != challenge:
                self._json(400, {"error": "invalid_grant"})
                return
            self._json(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                             "id_token": provider.id_token(asked.get("nonce", ""))})

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
