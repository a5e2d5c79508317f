"""A local stand-in for the SMS brandname gateway: the protocol benhan.portal.sms.gateway assumes,
on 127.0.0.1, keeping each accepted message so a test can read the code the patient would get."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "test-sms-key"


@dataclass
class Gateway:
    url: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    fail: bool = False

    def last_code(self, phone: str) -> str:
        """The code in the newest message to this phone (0xxxxxxxxx as the app writes it)."""
        intl = "84" + phone[1:]
        for message in reversed(self.messages):
            if message["phone"] == intl:
                found = re.search(r"\b(\d{6})\b", message["message"])
                assert found, message
                return found.group(1)
        raise AssertionError(f"no SMS to {phone}: {self.messages}")


@contextmanager
def running() -> Iterator[Gateway]:
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            if self.headers.get("X-Api-Key") != API_KEY:
                self._answer(401, {"status": "error", "message": "bad api key"})
            elif gateway.fail:
                self._answer(200, {"status": "error", "message": "brandname suspended"})
            else:
                gateway.messages.append({"phone": body["phone"], "message": body["message"],
                                         "brandname": body.get("brandname", "")})
                self._answer(200, {"status": "ok", "id": str(len(gateway.messages))})

        def _answer(self, status: int, payload: dict[str, str]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
