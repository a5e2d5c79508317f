"""A local stand-in for donthuocquocgia.vn on 127.0.0.1, speaking the protocol in
benhan/clinical/eprescription/protocol.py, so the HTTP gateway is tested over real sockets."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StandIn:
    def __init__(self, user: str = "79001", password: str = "bi-mat") -> None:
        self.user, self.password = user, password
        self.tokens: set[str] = set()
        self.received: list[dict[str, Any]] = []
        self.fail_next_with: int | None = None
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                if self.path == "/api/auth/dang-nhap-co-so-kham-chua-benh":
                    if body.get("ma_lien_thong_co_so_kham_chua_benh") == standin.user and body.get("password") == standin.password:
                        token = secrets.token_hex(8)
                        standin.tokens.add(token)
                        return self._reply(200, {"token": token})
                    return self._reply(401, {"message": "Sai tài khoản"})
                if self.path == "/api/v1/gui-don-thuoc":
                    if self.headers.get("Authorization", "").removeprefix("Bearer ") not in standin.tokens:
                        return self._reply(401, {"message": "Token hết hạn"})
                    if standin.fail_next_with:
                        status, standin.fail_next_with = standin.fail_next_with, None
                        return self._reply(status, {"message": "Thiếu chẩn đoán"})
                    if not body.get("thong_tin_don_thuoc") or not body.get("chan_doan"):
                        return self._reply(422, {"message": "Đơn thuốc thiếu thông tin"})
                    standin.received.append(body)
                    code = f"{body['ma_co_so']}{len(standin.received):07d}-c"[:14]
                    return self._reply(200, {"ma_don_thuoc": code})
                return self._reply(404, {"message": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
