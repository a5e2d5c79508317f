"""SIGKILL in the middle of a write leaves all of it or none of it, on PostgreSQL and SQLite.

Real processes, real HTTP, a real OAuth2 token: a transaction Bundle POSTed to `benhan serve`, and
`benhan import`, each killed with SIGKILL (no cleanup, as in a power cut) half-way through.
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.core.live import (  # noqa: F401 - fixtures
    BENHAN,
    _env,
    benhan,
    live_db_fixture,
    migrated_template_fixture,
    query,
    running_server,
    system_token,
)

pytestmark = pytest.mark.slow
SIZE = 2000  # resources per transaction: big enough that processing takes a while on either database


def _bundle(marker: str) -> bytes:
    patient_urn = f"urn:uuid:{uuid.uuid4()}"
    entries: list[dict[str, Any]] = [{
        "fullUrl": patient_urn,
        "resource": {"resourceType": "Patient", "name": [{"family": marker}], "gender": "female"},
        "request": {"method": "POST", "url": "Patient"},
    }]
    for i in range(SIZE - 1):
        entries.append({
            "fullUrl": f"urn:uuid:{uuid.uuid4()}",
            "resource": {"resourceType": "Observation", "status": "final",
                         "code": {"text": f"{marker} mạch {i}"}, "subject": {"reference": patient_urn},
                         "valueQuantity": {"value": 60 + i % 40, "unit": "/min"}},
            "request": {"method": "POST", "url": "Observation"},
        })
    return orjson.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})


def _count(url: str, table: str, marker: str) -> int:
    return int(query(url, f"SELECT COUNT(*) FROM {table} WHERE content LIKE %s", (f"%{marker}%",))[0][0])


def _post(base: str, token: str, body: bytes, outcome: dict[str, Any]) -> None:
    try:
        answer = httpx.post(f"{base}/fhir", content=body, timeout=120, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"})
        outcome["status"] = answer.status_code
        outcome["text"] = answer.text[:500]
    except httpx.HTTPError as exc:
        outcome["error"] = repr(exc)


def test_a_transaction_killed_mid_flight_is_stored_whole_or_not_at_all(live_db: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with running_server(live_db, log) as server:
        token = system_token(live_db, server.base)
        # A first, complete transaction measures how long one takes here, so the kill lands mid-way.
        calibration: dict[str, Any] = {}
        started = time.monotonic()
        _post(server.base, token, _bundle("calibration"), calibration)
        duration = time.monotonic() - started
        assert calibration.get("status") == 200, calibration
        assert _count(live_db, "fhir_resource", "calibration") == SIZE

        marker = f"crash-{uuid.uuid4().hex[:8]}"
        outcome: dict[str, Any] = {}
        sender = threading.Thread(target=_post, args=(server.base, token, _bundle(marker), outcome))
        sender.start()
        time.sleep(duration * 0.5)
        answered_before_kill = "status" in outcome
        server.kill()
        sender.join(30)

    stored = _count(live_db, "fhir_resource", marker)
    assert stored in (0, SIZE), f"{stored} of {SIZE} resources survived the kill"
    assert _count(live_db, "fhir_resource_version", marker) == stored
    if not answered_before_kill:
        assert "status" not in outcome or stored == SIZE  # no success was reported for a lost transaction

    with running_server(live_db, log) as server:  # restart on the same database
        token = system_token(live_db, server.base)
        again: dict[str, Any] = {}
        _post(server.base, token, _bundle(marker), again)
        assert again.get("status") == 200, again
    assert _count(live_db, "fhir_resource", marker) == stored + SIZE
    rows = query(live_db, "SELECT COUNT(*) FROM fhir_audit WHERE interaction = 'create'")[0][0]
    assert rows >= SIZE * 2 + stored  # every stored resource has its audit row


def _patients_ndjson(path: Path, marker: str, count: int) -> Path:
    # No ids: a chunk imported twice would store its patients twice, so duplicates would show.
    lines = (orjson.dumps({"resourceType": "Patient", "gender": "male", "name": [{"family": f"{marker}-{i}"}]})
             for i in range(count))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_an_import_killed_mid_run_completes_on_rerun_with_each_resource_once(live_db: str, tmp_path: Path) -> None:
    marker, count, chunk = f"imp-{uuid.uuid4().hex[:8]}", 3000, 100
    source = _patients_ndjson(tmp_path / "Patient.ndjson", marker, count)
    args = [BENHAN, "import", str(source), "--chunk-lines", str(chunk), "--no-progress", "--facility", "00001"]
    process = subprocess.Popen(args, env=_env(live_db), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and process.poll() is None:
        committed = query(live_db, "SELECT COUNT(*) FROM core_import_checkpoint")[0][0]
        if committed >= 3:
            break
        time.sleep(0.05)
    process.kill()
    process.wait(10)
    partial = _count(live_db, "fhir_resource", marker)
    assert 0 < partial < count, "the kill did not land mid-run"
    assert partial % chunk == 0, "a chunk was stored in part"

    done = benhan(live_db, "import", str(source), "--chunk-lines", str(chunk), "--no-progress", "--facility", "00001")
    assert "already imported" in done.stdout
    families = [orjson.loads(c)["name"][0]["family"]
                for (c,) in query(live_db, "SELECT content FROM fhir_resource WHERE content LIKE %s", (f"%{marker}%",))]
    assert sorted(families) == sorted(f"{marker}-{i}" for i in range(count))
