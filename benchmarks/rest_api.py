"""FHIR REST API: transaction ingest of the Synthea bundles and read-by-id latency, over HTTP.

    .venv/bin/python benchmarks/rest_api.py [--database-url URL] [--bundles 50] [--reads 2000]

Requests go through Django's full handler and middleware (django.test.Client, in process: no
socket), with a bearer token obtained from /oauth2/token. The database is a scratch one: by
default the PostgreSQL database `benhan_bench_rest` on 127.0.0.1 (created if missing; its tables
are dropped and re-created); pass sqlite:////tmp/x.sqlite3 for SQLite.

Baseline in the same run: the floor of a read, i.e. the store's indexed select plus one audit
insert called directly (what every GET must do), so the REST layer's own cost is the difference.

Goal: read by id p50 < 2 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("BENHAN_SYNTHEA_DIR", "/work/shared/data/synthea"))
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/benhan_bench_rest"


def _ensure_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        for path in Path(url[len("sqlite:///"):]).parent.glob(Path(url).name + "*"):
            path.unlink()  # a scratch database: start empty (with its -wal and -shm files)
        return
    if not url.startswith("postgresql"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p50 = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95)] * 1000
    return f"p50 {p50:.2f} ms, p95 {p95:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--bundles", type=int, default=50)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    os.environ["BENHAN_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benhan.settings")
    _ensure_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]

    from benhan.accounts.clients import create_client
    from benhan.fhir import audit, store
    from benhan.fhir.access import Actor

    client = create_client("benchmark", "system/*.*", ["00001"])
    token = Client().post("/oauth2/token", {"grant_type": "client_credentials", "client_id": client.client_id,
                                            "client_secret": client.client_secret}).json()["access_token"]
    api = Client(headers={"Authorization": f"Bearer {token}"})

    paths = sorted(DATA.glob("*.json"))[: args.bundles]
    refs: list[str] = []
    count = 0
    started = time.perf_counter()
    for path in paths:
        raw = path.read_bytes()
        response = api.post("/fhir", raw, content_type="application/fhir+json")
        if response.status_code != 200:
            raise SystemExit(f"{path.name}: {response.status_code} {response.content[:500]!r}")
        entries = response.json()["entry"]
        count += len(entries)
        refs += [e["response"]["location"].split("/fhir/", 1)[1].split("/_history")[0] for e in entries]
    elapsed = time.perf_counter() - started
    print(f"{connection.vendor}: transaction ingest over HTTP, {len(paths)} bundles, {count} resources: "
          f"{elapsed:.1f} s, {count / elapsed:.0f} resources/s")

    random.seed(1)
    sample = [random.choice(refs) for _ in range(args.reads)]
    for ref in sample[:100]:  # warm-up: connections, imports, caches
        api.get(f"/fhir/{ref}")
    http_times = []
    for ref in sample:
        t = time.perf_counter()
        response = api.get(f"/fhir/{ref}")
        http_times.append(time.perf_counter() - t)
        assert response.status_code == 200
    actor = Actor.system("benchmark")
    floor_times = []
    for ref in sample:
        rtype, rid = ref.split("/")
        t = time.perf_counter()
        stored = store.read(rtype, rid)
        audit.record(actor, "read", facility="00001", resource_type=rtype, resource_id=rid, version_id=stored.version_id)
        floor_times.append(time.perf_counter() - t)
    print(f"{connection.vendor}: GET /fhir/Type/id over HTTP, {len(sample)} reads: {_ms(http_times)}")
    print(f"{connection.vendor}: baseline store.read + audit insert: {_ms(floor_times)}")


if __name__ == "__main__":
    main()
