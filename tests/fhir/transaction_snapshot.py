"""Everything a run of transaction Bundles over HTTP answers and stores, as one comparable text:
before/after proof that a speed change of the transaction path changed no output.

    BENHAN_DATABASE_URL=<a fresh, migrated scratch database> python -m tests.fhir.transaction_snapshot OUT.txt

Drives `benhan.wsgi.application` (the whole HTTP layer, as granian calls it) with the 50 Synthea
transaction Bundles and then with requests made to reach the other branches of the processor
(conditional references, ifNoneExist, PUT, conditional PUT, ifMatch, PATCH, DELETE, GET, batches,
errors of every kind, Prefer variants, a scope refusal), with uuids counted and the clock fixed so
two runs agree. Writes each response (status, version headers, body bytes) and then every row of
every table but accounts, OAuth and sessions, sorted. Two snapshots of different code on fresh
copies of one database must be byte-identical. It stores data: never point it at a real database.
"""

from __future__ import annotations

import base64
import io
import os
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
os.environ.setdefault("BENHAN_BASE_URL", "http://127.0.0.1:9999")
MOMENT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
SKIPPED_TABLES = ("oauth2_", "accounts_", "django_", "axes_", "sqlite_")


def _deterministic() -> None:
    counter = iter(range(1, 10**9))
    uuid.uuid4 = lambda: uuid.UUID(int=next(counter))
    import django.utils.timezone

    django.utils.timezone.now = lambda: MOMENT


def _bundle(*entries: dict[str, Any], kind: str = "transaction") -> bytes:
    import orjson

    return orjson.dumps({"resourceType": "Bundle", "type": kind, "entry": list(entries)})


def _post(resource: dict[str, Any], full_url: str = "", **request: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"], **request}}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _observation(subject: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"text": "huyết áp"},
            "subject": {"reference": subject}, **extra}


def crafted_requests() -> list[tuple[bytes, dict[str, str]]]:
    """(body, extra headers) reaching the branches the Synthea bundles do not."""
    import orjson

    synthea = "https://github.com/synthetichealth/synthea|76742a08-3643-41fa-bddc-73a2c0bae9da"
    patient = {"resourceType": "Patient", "identifier": [{"system": "urn:x", "value": "p-1"}], "name": [{"family": "Trần"}]}
    p2 = {**patient, "identifier": [{"system": "urn:x", "value": "p-2"}]}
    p3 = {**patient, "identifier": [{"system": "urn:x", "value": "p-3"}]}
    patch = base64.b64encode(orjson.dumps([{"op": "replace", "path": "/gender", "value": "male"}])).decode()
    bodies = [
        _bundle(_post(_observation(f"Patient?identifier={synthea}")),
                _post(_observation("urn:uuid:p1", focus=[{"reference": "urn:uuid:p1"}], note=[{"text": "urn:uuid:p1"}])),
                _post(patient, "urn:uuid:p1")),
        _bundle(_post(_observation("Patient?identifier=urn:x|nobody"))),
        _bundle(_post(_observation("urn:uuid:missing"))),
        _bundle(_post(patient, "urn:uuid:a"), _post(patient, "urn:uuid:a")),
        _bundle(_post({"resourceType": "Observation", "status": "bogus"})),
        _bundle(_post(patient, "urn:uuid:c1", ifNoneExist="identifier=urn:x|p-1"), _post(_observation("urn:uuid:c1")),
                _post(p2, "urn:uuid:c2", ifNoneExist="identifier=urn:x|p-2"), _post(_observation("urn:uuid:c2"))),
        _bundle({"fullUrl": "urn:uuid:u1", "resource": {**patient, "id": "fixed-1"}, "request": {"method": "PUT", "url": "Patient/fixed-1"}},
                _post(_observation("urn:uuid:u1"))),
        _bundle({"resource": {**patient, "id": "fixed-1", "gender": "female"},
                 "request": {"method": "PUT", "url": "Patient/fixed-1", "ifMatch": 'W/"1"'}},
                {"fullUrl": "urn:uuid:cu", "resource": p3, "request": {"method": "PUT", "url": "Patient?identifier=urn:x|p-3"}},
                _post(_observation("urn:uuid:cu")),
                {"request": {"method": "GET", "url": "Patient/fixed-1"}},
                {"request": {"method": "DELETE", "url": "Patient?identifier=urn:x|p-2"}}),
        _bundle({"resource": {"resourceType": "Binary", "contentType": "application/json-patch+json", "data": patch},
                 "request": {"method": "PATCH", "url": "Patient/fixed-1"}}),
        _bundle({"resource": {**patient, "id": "fixed-1"}, "request": {"method": "PUT", "url": "Patient/fixed-1", "ifMatch": 'W/"1"'}}),
        _bundle(_post(patient), {"request": {"method": "GET", "url": "Patient?identifier=urn:x|p-1"}}, kind="batch"),
        _bundle(_post(patient), _post({"resourceType": "Observation"}), {"request": {"method": "DELETE", "url": "Patient/nope"}}, kind="batch"),
        _bundle({"request": {"method": "FOO", "url": "Patient"}}),
        _bundle({"request": {"method": "POST", "url": "Patient/$everything"}, "resource": patient}),
        b'{"resourceType": "Patient"}',
        b'{"resourceType": "Bundle", "type": "collection", "entry": []}',
        b"not json",
    ]
    requests: list[tuple[bytes, dict[str, str]]] = [(body, {}) for body in bodies]
    requests.append((_bundle(_post(patient, "urn:uuid:r1"), _post(_observation("urn:uuid:r1"))), {"PREFER": "return=representation"}))
    requests.append((_bundle(_post(patient, "urn:uuid:r2"), _post(_observation("urn:uuid:r2"))), {"PREFER": "return=OperationOutcome"}))
    requests.append((_bundle(_post(patient, "urn:uuid:r3"), {"request": {"method": "DELETE", "url": "Patient/fixed-1"}}),
                     {"PREFER": "return=OperationOutcome"}))
    requests.append((_bundle(_post(patient, "urn:uuid:r4")), {"QUERY_STRING": "_pretty=true"}))
    return requests


def snapshot() -> str:
    _deterministic()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from benhan.accounts.clients import create_client
    from benhan.wsgi import application
    from tests.shared_data import SYNTHEA

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client_ids: dict[str, str] = {}

    def bearer(scope: str, label: str) -> str:
        client = create_client(f"snapshot {scope}", scope, ["00001"])
        client_ids[client.client_id] = label
        answer = Client(HTTP_HOST="127.0.0.1").post("/oauth2/token", {
            "grant_type": "client_credentials", "client_id": client.client_id, "client_secret": client.client_secret})
        return str(answer.json()["access_token"])

    everything, observations_only = bearer("system/*.*", "CLIENT_ALL"), bearer("system/Observation.*", "CLIENT_OBS")
    out: list[str] = []

    def call(body: bytes, token: str, headers: dict[str, str]) -> None:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/fhir", "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "9999", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": True,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/fhir+json", "HTTP_AUTHORIZATION": f"Bearer {token}",
            "HTTP_HOST": "127.0.0.1:9999", "REMOTE_ADDR": "127.0.0.1",
        }
        for name, value in headers.items():
            environ[name if name == "QUERY_STRING" else f"HTTP_{name}"] = value
        answer: list[Any] = []
        written: list[bytes] = []  # what the app passes to WSGI's write(); comes before the returned body

        def start_response(status: str, head: list[tuple[str, str]], exc_info: Any = None, /) -> Callable[[bytes], object]:
            answer.extend((status, head))
            return written.append

        body_parts = application(environ, start_response)
        content = b"".join([*written, *body_parts])
        kept = sorted((k, v) for k, v in answer[1] if k.lower() in ("etag", "location", "content-location", "content-type",
                                                                   "last-modified", "retry-after"))
        out.append(f"### {headers} -> {answer[0]} {kept}\n{content.decode()}\n")

    for path in sorted(SYNTHEA.glob("*.json")):
        call(path.read_bytes(), everything, {})
    for body, headers in crafted_requests():
        call(body, everything, headers)
    refused = _bundle(_post(_observation("urn:uuid:x9")), _post({"resourceType": "Patient"}, "urn:uuid:x9"))
    call(refused, observations_only, {})  # 403, audited outside the rolled-back transaction
    call(_bundle(_post(_observation("Patient/fixed-1"))), observations_only, {})

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        for (table,) in cursor.fetchall():
            if table.startswith(SKIPPED_TABLES):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            rows = sorted(repr(row) for row in cursor.fetchall())
            out.append(f"=== {table} ({len(rows)} rows)\n" + "".join(f"{row}\n" for row in rows))
    text = "".join(out)
    for client_id, label in client_ids.items():  # random per run; the audit rows name them
        text = text.replace(client_id, label)
    return text


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with open(sys.argv[1], "w") as handle:
        handle.write(snapshot())
