"""A local stand-in for the BHXH appraisal portal, speaking its protocol on 127.0.0.1.

Used by the tests and for trying benhan without the real portal: it issues tokens, checks the
MD5 password, decodes the uploaded envelope, verifies its XMLDSig signature against the
certificates it trusts, and answers with a transaction id or a rejection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from cryptography import x509

from .envelope import EnvelopeError, open_envelope


@dataclass
class PortalState:
    username: str
    password: str
    trusted: Sequence[x509.Certificate]
    tokens: dict[str, str] = field(default_factory=dict)  # access token → id token
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0  # answer 503 to this many uploads (to exercise retries)


class _Handler(BaseHTTPRequestHandler):
    state: PortalState

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stand-in stays quiet
        return

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        state = self.state
        if self.path.endswith("/api/token/take"):
            expected = hashlib.md5(state.password.encode(), usedforsecurity=False).hexdigest()
            if form.get("username") != state.username or form.get("password") != expected:
                return self._reply(401, {"maKetQua": "401", "thongDiep": "Sai tên đăng nhập hoặc mật khẩu"})
            access, id_token = secrets.token_hex(16), secrets.token_hex(16)
            state.tokens[access] = id_token
            return self._reply(200, {"maKetQua": "200", "APIKey": {"access_token": access, "id_token": id_token,
                                                                   "expires_in": 3600}})
        if "/api/qd130/guiHoSoXmlQD" in self.path:
            access = self.headers.get("accessToken", "")
            if state.tokens.get(access) != self.headers.get("tokenId"):
                return self._reply(401, {"maKetQua": "401", "thongDiep": "Token không hợp lệ"})
            if state.fail_next > 0:
                state.fail_next -= 1
                return self._reply(503, {"maKetQua": "503", "thongDiep": "Hệ thống bận"})
            try:
                data = base64.b64decode(form.get("fileHSBase64", ""), validate=True)
            except ValueError:
                return self._reply(200, {"maKetQua": "205", "thongDiep": "Chuỗi base64 không hợp lệ"})
            try:
                opened = open_envelope(data, trusted=state.trusted)
            except EnvelopeError as exc:
                return self._reply(200, {"maKetQua": "400", "thongDiep": str(exc)})
            if opened.facility_code != form.get("maCSKCB"):
                return self._reply(200, {"maKetQua": "400", "thongDiep": "MACSKCB không khớp với maCSKCB"})
            transaction = f"GD{len(state.received) + 1:08d}"
            state.received.append({"transaction": transaction, "form": form, "envelope": opened})
            return self._reply(200, {"maKetQua": "200", "maGiaoDich": transaction,
                                     "thongDiep": f"Đã tiếp nhận {len(opened.dossiers)} hồ sơ"})
        return self._reply(404, {"maKetQua": "404", "thongDiep": "Không tìm thấy"})


class PortalStandIn:
    """Runs the stand-in on 127.0.0.1 on a free port until stopped."""

    def __init__(self, state: PortalState) -> None:
        handler = type("Handler", (_Handler,), {"state": state})
        self.state = state
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> PortalStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
